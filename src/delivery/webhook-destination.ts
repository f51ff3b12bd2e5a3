import { DiscordDeliveryError, type DiscordWebhookClient } from '../discord/webhook-client.js';
import type { WebhookTarget } from '../discord/webhook-url.js';
import type { DiscordMessage } from '../discord/types.js';
import { MessageGoneError, UnconfirmedPostError, type Destination } from './destination.js';

/** Discord's code for "Unknown Message", as opposed to 10015 "Unknown Webhook". */
const UNKNOWN_MESSAGE = 10008;

export class WebhookDestination implements Destination {
  constructor(
    readonly name: string,
    private readonly client: DiscordWebhookClient,
    private readonly target: WebhookTarget,
  ) {}

  /**
   * A post Discord did not confirm is not repeated. Execute Webhook takes no nonce, so Discord
   * cannot deduplicate a second attempt, and a webhook cannot list the channel to look for the
   * first: whatever amcord did next would be a guess. A duplicate alert pings everyone twice, and
   * against a slow Discord every retry lands as one more; so the post counts as done with its id
   * unknown (logged and counted as "unconfirmed"), and the group's next notification posts a new
   * message carrying its whole state. Destinations that must never miss one can use the bot,
   * whose posts are retried safely with a nonce.
   */
  async post(message: DiscordMessage, deadline: number): Promise<string> {
    try {
      return (await this.client.execute(this.target, message, { deadline })).id;
    } catch (error) {
      if (error instanceof DiscordDeliveryError && error.failure === 'unconfirmed') throw new UnconfirmedPostError(error.message, { cause: error });
      throw error;
    }
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
