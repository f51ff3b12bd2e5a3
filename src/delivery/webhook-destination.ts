import { UNKNOWN_MESSAGE } from '../discord/error-codes.js';
import { DiscordDeliveryError, type DiscordWebhookClient } from '../discord/webhook-client.js';
import type { WebhookTarget } from '../discord/webhook-url.js';
import type { DiscordMessage } from '../discord/types.js';
import { MessageGoneError, UnconfirmedPostError, type Destination } from './destination.js';

export class WebhookDestination implements Destination {
  constructor(
    readonly name: string,
    private readonly client: DiscordWebhookClient,
    private readonly target: WebhookTarget,
  ) {}

  /**
   * A post Discord accepted without saying its id (a 2xx whose body is unreadable) is not
   * repeated: Execute Webhook takes no nonce, so Discord could not drop a second copy, and a
   * webhook cannot list the channel to find the first. It counts as delivered with its id
   * unknown (logged, and counted as "unconfirmed"), and the group's next notification posts a new
   * message carrying its whole state. A post that got no answer at all is retried later (see the
   * client): at least once, never lost. The bot's posts carry a nonce and need neither trade-off.
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
