import type { WebhookPayload } from '../../alertmanager/webhook.js';
import type { MessageDraft } from '../../discord/fit.js';
import { NO_PINGS, type Mentions } from '../../discord/mentions.js';
import type { CompiledMessage, CompiledTemplate } from './compile.js';
import { messageScope, type Acknowledgement, type NotificationReason } from './context.js';
import type { RenderMode } from './liquid.js';
import { renderMessage } from './render-message.js';
import type { SectionName } from './schema.js';

export interface TemplateRenderOptions {
  /** Why the message is sent; without it, `resolved` when nothing fires, else `new`. */
  reason?: NotificationReason | undefined;
  /** What `{{ mentions }}` gives the template; only these can ping, wherever the template puts them. */
  mentions?: Mentions | undefined;
  /** Replaces the payload's externalURL in links, for Alertmanagers behind a proxy. */
  externalUrl?: string | undefined;
  username?: string | undefined;
  avatarUrl?: string | undefined;
  /** Who acknowledged the group, shown while it fires. */
  acknowledgement?: Acknowledgement | undefined;
}

export function reasonOf(payload: WebhookPayload, reason: NotificationReason | undefined): NotificationReason {
  return reason ?? (payload.alerts.some((alert) => alert.status === 'firing') ? 'new' : 'resolved');
}

/** `repeat` for reminders, `resolved` once nothing fires, `firing` for the rest and when a section is not given. */
export function sectionFor(
  template: CompiledTemplate,
  payload: WebhookPayload,
  reason: NotificationReason,
): { name: SectionName; message: CompiledMessage } {
  const { sections } = template;
  if (reason === 'repeat' && sections.repeat) return { name: 'repeat', message: sections.repeat };
  const firing = payload.alerts.some((alert) => alert.status === 'firing');
  if (!firing && sections.resolved) return { name: 'resolved', message: sections.resolved };
  return { name: 'firing', message: sections.firing };
}

/** The draft a template makes of a payload, before fitting. */
export function templateDraft(template: CompiledTemplate, payload: WebhookPayload, options: TemplateRenderOptions, mode: RenderMode): MessageDraft {
  const reason = reasonOf(payload, options.reason);
  const scope = messageScope(payload, {
    reason,
    mentions: options.mentions?.text ?? '',
    externalUrl: options.externalUrl ?? payload.externalURL,
    acknowledgement: options.acknowledgement,
  });
  const draft = renderMessage(sectionFor(template, payload, reason).message, scope, mode);
  // Only the given mentions may ping: an id or @everyone written into content by a label stays text.
  if (draft.content) draft.allowed_mentions = options.mentions?.allowed ?? NO_PINGS;
  if (options.username) draft.username = options.username;
  if (options.avatarUrl) draft.avatar_url = options.avatarUrl;
  return draft;
}
