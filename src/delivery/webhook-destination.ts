import { DiscordDeliveryError, type DiscordWebhookClient } from '../discord/webhook-client.js';
import type { WebhookTarget } from '../discord/webhook-url.js';
import type { DiscordMessage } from '../discord/types.js';
import { MessageGoneError, type Destination } from './destination.js';

/** Discord's code for "Unknown Message", as opposed to 10015 "Unknown Webhook". */
const UNKNOWN_MESSAGE = 10008;

export class WebhookDestination implements Destination {
  constructor(
    readonly name: string,
    private readonly client: DiscordWebhookClient,
    private readonly target: WebhookTarget,
  ) {}

  async post(message: DiscordMessage, deadline: number): Promise<string> {
    return (await this.client.execute(this.target, message, { deadline })).id;
  }

  async edit(messageId: string, message: DiscordMessage, deadline: number): Promise<void> {
    try {
      await this.client.edit(this.target, messageId, message, { deadline });
    } catch (error) {
      if (error instanceof DiscordDeliveryError && error.failure === 'gone' && error.discordCode === UNKNOWN_MESSAGE) {
        throw new MessageGoneError(`message ${messageId} no longer exists`);
      }
      throw error;
    }
  }
}
