import { DiscordAPIError, Routes, type REST } from 'discord.js';
import { BotChannelDestination } from '../delivery/bot-channel-destination.js';
import type { Destination, PostKey } from '../delivery/destination.js';
import { CANNOT_MESSAGE_USER, UNKNOWN_USER } from '../discord/error-codes.js';
import type { DiscordMessage } from '../discord/types.js';
import { DiscordDeliveryError } from '../discord/webhook-client.js';
import { withDeadline } from '../http-client/deadline.js';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Discord will never take a DM for this user: they block DMs, left, or no longer exist. */
const refusesForGood = (error: unknown): boolean =>
  (error instanceof DiscordAPIError && (error.code === CANNOT_MESSAGE_USER || error.code === UNKNOWN_USER)) ||
  (error instanceof DiscordDeliveryError && (error.discordCode === CANNOT_MESSAGE_USER || error.discordCode === UNKNOWN_USER));

/**
 * DMs to one member, as the bot: the DM channel is opened (POST /users/@me/channels; Discord
 * answers the same one every time) and then posted to like any bot channel, nonce and all, so a
 * retry never shows a DM twice. A member Discord refuses for good (50007 "Cannot send messages
 * to this user", or an unknown user) makes the message `rejected`, which the outbox sets aside
 * instead of retrying, and `onRefused` drops their subscriptions.
 */
export class DirectMessageDestination implements Destination {
  readonly carriesButtons = true;
  private channel: Promise<BotChannelDestination> | undefined;

  constructor(
    readonly name: string,
    private readonly rest: REST,
    private readonly userId: string,
    private readonly onRefused: (userId: string, reason: string) => void | Promise<void>,
  ) {}

  post(message: DiscordMessage, deadline: number, key?: PostKey): Promise<string> {
    return this.refusing(async () => (await this.open(deadline)).post(message, deadline, key));
  }

  edit(messageId: string, message: DiscordMessage, deadline: number): Promise<void> {
    return this.refusing(async () => {
      // A DM channel has no group threads, so the id stays.
      await (await this.open(deadline)).edit(messageId, message, deadline);
    });
  }

  private open(deadline: number): Promise<BotChannelDestination> {
    this.channel ??= withDeadline(Math.max(0, deadline - Date.now()), undefined, (signal) =>
      this.rest.post(Routes.userChannels(), { body: { recipient_id: this.userId }, signal }),
    ).then((created) => {
      const id = isRecord(created) && typeof created.id === 'string' ? created.id : undefined;
      if (id === undefined) throw new DiscordDeliveryError(`DM with user ${this.userId}: Discord answered without a channel`, 'unavailable');
      return new BotChannelDestination(this.name, this.rest, id);
    });
    // A failed open is tried again with the next attempt.
    this.channel.catch(() => (this.channel = undefined));
    return this.channel;
  }

  private async refusing<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (!refusesForGood(error)) {
        if (error instanceof DiscordAPIError) throw new DiscordDeliveryError(`DM with user ${this.userId}: ${error.status} ${error.message}`, 'unavailable', error.status);
        throw error;
      }
      const reason = error instanceof Error ? error.message : String(error);
      await this.onRefused(this.userId, reason);
      throw new DiscordDeliveryError(`user ${this.userId} takes no DMs from the bot (${reason})`, 'rejected', 403, CANNOT_MESSAGE_USER);
    }
  }
}
