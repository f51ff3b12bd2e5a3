import { DiscordAPIError, HTTPError, Routes, type REST } from 'discord.js';
import { DiscordDeliveryError } from '../discord/webhook-client.js';
import type { DiscordMessage } from '../discord/types.js';
import { MessageGoneError, type Destination } from './destination.js';

const UNKNOWN_MESSAGE = 10008;

/**
 * Posts as the bot into a channel: the only way (besides application-owned webhooks) to put
 * silence buttons under alert messages. discord.js's REST client queues per rate-limit bucket
 * and waits out 429s itself; what it cannot deliver is reported like a webhook failure, so the
 * outbox treats both alike.
 */
export class BotChannelDestination implements Destination {
  readonly carriesButtons = true;

  constructor(
    readonly name: string,
    private readonly rest: REST,
    private readonly channelId: string,
  ) {}

  async post(message: DiscordMessage): Promise<string> {
    try {
      const created = (await this.rest.post(Routes.channelMessages(this.channelId), { body: message })) as { id: string };
      return created.id;
    } catch (error) {
      throw this.deliveryError(error);
    }
  }

  async edit(messageId: string, message: DiscordMessage): Promise<void> {
    try {
      await this.rest.patch(Routes.channelMessage(this.channelId, messageId), { body: message });
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === UNKNOWN_MESSAGE) throw new MessageGoneError(`message ${messageId} no longer exists`);
      throw this.deliveryError(error);
    }
  }

  private deliveryError(error: unknown): DiscordDeliveryError {
    const where = `channel ${this.channelId}`;
    if (error instanceof DiscordAPIError) {
      const code = typeof error.code === 'number' ? error.code : undefined;
      const detail = `${error.status} ${error.message}`;
      if (error.status === 404) return new DiscordDeliveryError(`${where}: not found (${detail})`, 'gone', error.status, code);
      if (error.status === 401 || error.status === 403) {
        return new DiscordDeliveryError(`${where}: the bot may not post here (${detail})`, 'unauthorized', error.status, code);
      }
      if (error.status === 429 || error.status >= 500) return new DiscordDeliveryError(`${where}: ${detail}`, 'unavailable', error.status, code);
      return new DiscordDeliveryError(`${where} rejected the message (${detail})`, 'rejected', error.status, code);
    }
    if (error instanceof HTTPError) return new DiscordDeliveryError(`${where}: Discord answered ${error.status}`, 'unavailable', error.status);
    const reason = error instanceof Error ? error.message : String(error);
    return new DiscordDeliveryError(`${where}: ${reason}`, 'unavailable');
  }
}
