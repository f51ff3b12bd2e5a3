import type { WebhookPayload } from '../alertmanager/webhook.js';
import { fitMessage, type FittedMessage } from '../discord/fit.js';
import { renderDefaultMessage, type RenderOptions } from './default-message.js';

export type { RenderOptions } from './default-message.js';

/** Payload to the messages Discord will accept. Pure. */
export function renderPayload(payload: WebhookPayload, options: RenderOptions = {}): FittedMessage[] {
  return [fitMessage(renderDefaultMessage(payload, options))];
}
