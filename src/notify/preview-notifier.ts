import type { WebhookPayload } from '../alertmanager/webhook.js';
import type { Logger } from '../log/logger.js';
import { readableMessage } from '../render/readable.js';
import { renderPayload, type RenderOptions } from '../render/render.js';
import type { Notifier, NotifyResult } from './notifier.js';

/**
 * Preview mode: with no Discord destination configured, amcord shows what it would send.
 * The readable text goes to `output` (stdout), the log gets a line per notification.
 */
export class PreviewNotifier implements Notifier {
  constructor(
    private readonly options: { render: RenderOptions; logger: Logger; output: (text: string) => void },
  ) {}

  notify(payload: WebhookPayload): Promise<NotifyResult> {
    const rendered = renderPayload(payload, this.options.render);
    for (const { message } of rendered) {
      this.options.output(`${readableMessage(message)}\n`);
    }
    this.options.logger.info(
      { groupKey: payload.groupKey, status: payload.status, alerts: payload.alerts.length, messages: rendered.length },
      'preview: rendered notification (not sent: no Discord destination configured)',
    );
    return Promise.resolve({ messageIds: [] });
  }
}
