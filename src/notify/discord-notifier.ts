import type { WebhookPayload } from '../alertmanager/webhook.js';
import type { DiscordWebhookClient } from '../discord/webhook-client.js';
import type { WebhookTarget } from '../discord/webhook-url.js';
import type { Logger } from '../log/logger.js';
import { renderPayload, type RenderOptions } from '../render/render.js';
import type { Clock } from '../util/sleep.js';
import type { Notifier, NotifyResult } from './notifier.js';

export interface DiscordNotifierOptions {
  client: DiscordWebhookClient;
  target: WebhookTarget;
  render: RenderOptions;
  /** How long one notification may take, retries included, before it is reported as failed. */
  deliveryTimeoutMs: number;
  clock: Clock;
  logger: Logger;
}

/** Renders a notification and posts its messages through one Discord webhook. */
export class DiscordNotifier implements Notifier {
  constructor(private readonly options: DiscordNotifierOptions) {}

  async notify(payload: WebhookPayload): Promise<NotifyResult> {
    const { client, target, clock, logger } = this.options;
    const deadline = clock.now() + this.options.deliveryTimeoutMs;
    const messageIds: string[] = [];
    for (const { message } of renderPayload(payload, this.options.render)) {
      const sent = await client.execute(target, message, { deadline });
      messageIds.push(sent.id);
    }
    logger.info({ groupKey: payload.groupKey, status: payload.status, alerts: payload.alerts.length, messageIds }, 'notification delivered');
    return { messageIds };
  }
}
