/** A Discord webhook: where to post and with which token. The token is a secret. */
export interface WebhookTarget {
  /** API base, e.g. https://discord.com/api, or a proxy's or a test server's. */
  apiBase: string;
  id: string;
  token: string;
}

const WEBHOOK_PATH = /^(?<base>https?:\/\/.+?)\/webhooks\/(?<id>\d+)\/(?<token>[\w-]+)\/?$/;

export function parseWebhookUrl(url: string): WebhookTarget {
  const match = WEBHOOK_PATH.exec(url.trim());
  if (!match?.groups) throw new Error('not a Discord webhook URL of the form <base>/webhooks/<id>/<token>');
  const { base = '', id = '', token = '' } = match.groups;
  return { apiBase: base, id, token };
}

/** How a webhook is named in logs and errors: the id, never the token. */
export function describeWebhook(target: WebhookTarget): string {
  return `webhook ${target.id}`;
}
