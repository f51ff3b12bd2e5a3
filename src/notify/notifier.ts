import type { WebhookPayload } from '../alertmanager/webhook.js';

/** Where a notification goes: Discord, or the terminal in preview mode. */
export interface Notifier {
  /** Resolves once every message of the notification is delivered; rejects if any could not be. */
  notify(payload: WebhookPayload): Promise<NotifyResult>;
}

export interface NotifyResult {
  messageIds: string[];
}
