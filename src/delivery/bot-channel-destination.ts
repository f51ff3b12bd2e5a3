import { createHash } from 'node:crypto';
import { DiscordAPIError, HTTPError, Routes, type RawFile, type REST } from 'discord.js';
import { THREAD_ALREADY_CREATED, UNKNOWN_CHANNEL, UNKNOWN_MESSAGE } from '../discord/error-codes.js';
import { DiscordDeliveryError } from '../discord/webhook-client.js';
import type { DiscordMessage, ThreadPlacement } from '../discord/types.js';
import { isDeadlineExceeded, withDeadline } from '../http-client/deadline.js';
import { systemClock, type Clock } from '../util/sleep.js';
import { MessageGoneError, UnconfirmedPostError, type Destination, type PostKey, type ThreadSettings } from './destination.js';
import { livingMessageId, parseLivingMessageId } from './thread-placement.js';
import { threadUpdateOf } from './thread-update.js';

/** Discord takes a nonce of up to 25 characters. */
const NONCE_LENGTH = 25;

/**
 * The nonce for one post: the same for every retry of it, 150 bits of a hash otherwise, so two
 * posts only share one if they are the same post. Scoped to the channel, since Discord keys it to
 * the author (the bot), which may post into several.
 */
export function nonceFor(channelId: string, keyId: string): string {
  return createHash('sha256').update(`${channelId}\n${keyId}`).digest('base64url').slice(0, NONCE_LENGTH);
}

/** discord.js sends files as multipart (`files[n]` and `payload_json`) when given apart from the body. */
function requestOf(message: DiscordMessage & { nonce?: string; enforce_nonce?: boolean }): { body: object; files?: RawFile[] } {
  const { files, thread: _placement, ...body } = message;
  if (!files || files.length === 0) return { body };
  return { body, files: files.map((file) => ({ name: file.name, data: Buffer.from(file.data), contentType: file.contentType })) };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

export interface BotChannelDestinationOptions {
  /** The clock the outbox's deadlines are read on. */
  clock?: Clock;
  /**
   * A thread per group (`threads: true`, a text channel): the bot starts it from the group's
   * message, which stays the living summary, and posts each later notification in it.
   */
  threads?: boolean;
}

/** A thread in a text channel has no tags: those are a forum's. */
const TEXT_CHANNEL_THREADS: ThreadSettings = { firingTag: undefined, resolvedTag: undefined };

/** How long Discord keeps an idle thread open (minutes); a resolved group's thread is archived anyway. */
const AUTO_ARCHIVE_MINUTES = 10_080;

const isDiscordError = (error: unknown, code: number): boolean => error instanceof DiscordAPIError && error.code === code;

/**
 * Posts as the bot into a channel: the only way (besides application-owned webhooks) to put
 * silence buttons under alert messages. discord.js's REST client queues per rate-limit bucket
 * and waits out 429s itself; what it cannot deliver is reported like a webhook failure, so the
 * outbox treats both alike.
 *
 * Posts carry a nonce derived from their PostKey with `enforce_nonce`, so Discord answers a repeat
 * of a post it already created (within a few minutes) with that message instead of a second one.
 * That makes retrying safe, discord.js's own retries after a timeout or a 5xx included; a post
 * whose outcome is unknown is reported as `unconfirmed` and simply tried again by the outbox.
 * (Listing the channel to find the message would not work: Discord does not keep the nonce.)
 */
export class BotChannelDestination implements Destination {
  readonly carriesButtons = true;
  readonly threads: ThreadSettings | undefined;
  private readonly clock: Clock;

  constructor(
    readonly name: string,
    private readonly rest: REST,
    private readonly channelId: string,
    options: BotChannelDestinationOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.threads = options.threads ? TEXT_CHANNEL_THREADS : undefined;
  }

  /**
   * With threads, a later notification of a group (a new alert, a repeat) edits the summary and
   * goes in the thread instead of becoming a message of its own. A new message (a group's first,
   * or a new summary for a deleted one) starts the group's thread; its id then names the thread
   * too (`<thread>/<message>`). Should starting it fail, the post fails and its retry (the same
   * message, by its nonce) starts it again.
   */
  async post(message: DiscordMessage, deadline: number, key?: PostKey): Promise<string> {
    const summary = message.thread?.id !== undefined && message.thread.messageId !== undefined ? livingMessageId(message.thread.id, message.thread.messageId) : undefined;
    if (this.threads && summary !== undefined) {
      try {
        return (await this.update(summary, message, deadline, key)) ?? summary;
      } catch (error) {
        // The summary was deleted: the group gets a new one, with a thread of its own.
        if (!(error instanceof MessageGoneError)) throw error;
      }
    }
    const id = await this.create(message, deadline, key && nonceFor(this.channelId, key.id), key);
    // A repeat returns the message as the earlier attempt sent it; the entry may carry a newer state since.
    if (key?.retry) await this.editMessage(id, message, deadline);
    if (!this.threads || !message.thread) return id;
    const thread = await this.startThread(id, message.thread.name, deadline);
    return thread === undefined ? id : livingMessageId(thread, id);
  }

  /**
   * With threads, the summary is edited and the notification posted in the group's thread; a
   * deleted thread is started anew (the answer is then the living message's new id). On resolve
   * the thread gets that last update and is archived.
   */
  edit(livingId: string, message: DiscordMessage, deadline: number): Promise<string | undefined> {
    return this.update(livingId, message, deadline, undefined);
  }

  /** An update posted in the thread carries a nonce of the post key, so a retried post shows it once. */
  private async update(livingId: string, message: DiscordMessage, deadline: number, key: PostKey | undefined): Promise<string | undefined> {
    const { threadId, messageId } = parseLivingMessageId(livingId);
    await this.editMessage(messageId, message, deadline);
    if (!this.threads || !message.thread) return undefined;
    const update = threadUpdateOf(message);
    const thread = await this.postInThread(messageId, threadId, message.thread, (into) => (key ? { ...update, nonce: nonceFor(into, key.id), enforce_nonce: true } : update), deadline);
    if (thread !== undefined && message.thread.close) await this.archive(thread, deadline);
    if (thread === threadId) return undefined;
    return thread === undefined ? messageId : livingMessageId(thread, messageId);
  }

  private async editMessage(messageId: string, message: DiscordMessage, deadline: number): Promise<void> {
    try {
      await this.withinDeadline(deadline, (signal) => this.rest.patch(Routes.channelMessage(this.channelId, messageId), { ...requestOf(message), signal }));
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === UNKNOWN_MESSAGE) throw new MessageGoneError(`message ${messageId} no longer exists`);
      throw this.deliveryError(error, 'edit');
    }
  }

  /**
   * Posts the update in the thread, starting one first when there is none or it was deleted;
   * answers the thread's id, or undefined when the bot may not start one.
   */
  private async postInThread(
    messageId: string,
    threadId: string | undefined,
    placement: ThreadPlacement,
    update: (threadId: string) => DiscordMessage & { nonce?: string; enforce_nonce?: boolean },
    deadline: number,
  ): Promise<string | undefined> {
    if (threadId !== undefined) {
      try {
        await this.withinDeadline(deadline, (signal) => this.rest.post(Routes.channelMessages(threadId), { ...requestOf(update(threadId)), signal }));
        return threadId;
      } catch (error) {
        if (!isDiscordError(error, UNKNOWN_CHANNEL)) throw this.deliveryError(error, 'edit');
      }
    }
    const started = await this.startThread(messageId, placement.name, deadline);
    if (started === undefined) return undefined;
    try {
      await this.withinDeadline(deadline, (signal) => this.rest.post(Routes.channelMessages(started), { ...requestOf(update(started)), signal }));
    } catch (error) {
      throw this.deliveryError(error, 'edit');
    }
    return started;
  }

  /**
   * Start Thread from Message. A message has at most one thread, and that thread has the
   * message's id: when Discord says it has one already (an earlier attempt started it), that is it.
   * Refused (403: no Create Public Threads), the group goes on without a thread rather than losing
   * its message; a later notification tries again.
   */
  private async startThread(messageId: string, name: string, deadline: number): Promise<string | undefined> {
    let started: unknown;
    try {
      started = await this.withinDeadline(deadline, (signal) =>
        this.rest.post(Routes.threads(this.channelId, messageId), { body: { name, auto_archive_duration: AUTO_ARCHIVE_MINUTES }, signal }),
      );
    } catch (error) {
      if (isDiscordError(error, THREAD_ALREADY_CREATED)) return messageId;
      if (error instanceof DiscordAPIError && error.status === 403) return undefined;
      throw this.deliveryError(error, 'edit');
    }
    return isRecord(started) && typeof started.id === 'string' && /^\d+$/.test(started.id) ? started.id : messageId;
  }

  /** After the last update: an archived thread reopens on the next message in it anyway. */
  private async archive(threadId: string, deadline: number): Promise<void> {
    try {
      await this.withinDeadline(deadline, (signal) => this.rest.patch(Routes.channel(threadId), { body: { archived: true }, signal }));
    } catch (error) {
      // Deleted in the meantime: nothing is left to archive.
      if (!isDiscordError(error, UNKNOWN_CHANNEL)) throw this.deliveryError(error, 'edit');
    }
  }

  private async create(message: DiscordMessage, deadline: number, nonce: string | undefined, key: PostKey | undefined): Promise<string> {
    const request = requestOf(nonce === undefined ? message : { ...message, nonce, enforce_nonce: true });
    let created: unknown;
    try {
      created = await this.withinDeadline(deadline, (signal) => this.rest.post(Routes.channelMessages(this.channelId), { ...request, signal }));
    } catch (error) {
      // The message an earlier attempt created under this nonce was deleted since: post it anew,
      // under a nonce of its own so that this post, too, is safe to repeat.
      if (key && nonce === nonceFor(this.channelId, key.id) && error instanceof DiscordAPIError && error.code === UNKNOWN_MESSAGE) {
        return this.create(message, deadline, nonceFor(this.channelId, `${key.id} again`), key);
      }
      throw this.deliveryError(error, 'post', nonce !== undefined);
    }
    const id = isRecord(created) && typeof created.id === 'string' && /^\d+$/.test(created.id) ? created.id : undefined;
    if (id === undefined) throw this.unconfirmed('Discord answered without the message', nonce !== undefined);
    return id;
  }

  /** Ends the request, body included, at the outbox's deadline whatever discord.js is doing. */
  private withinDeadline<T>(deadline: number, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(Math.max(0, deadline - this.clock.now()), undefined, request);
  }

  private unconfirmed(reason: string, canRetry: boolean): Error {
    const text = `channel ${this.channelId}: ${reason}; Discord may have the message`;
    return canRetry ? new DiscordDeliveryError(text, 'unconfirmed') : new UnconfirmedPostError(text);
  }

  private deliveryError(error: unknown, operation: 'post' | 'edit', canRetry = true): Error {
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
    // No answer in time (ours or discord.js's own timeout), or a success whose body was no message.
    const timedOut = isDeadlineExceeded(error) || (error instanceof Error && error.name === 'AbortError');
    if (operation === 'post' && (timedOut || error instanceof SyntaxError)) {
      return this.unconfirmed(timedOut ? 'no answer in time' : 'Discord answered with an unreadable message', canRetry);
    }
    const reason = timedOut ? 'no answer in time' : error instanceof Error ? error.message : String(error);
    return new DiscordDeliveryError(`${where}: ${reason}`, 'unavailable');
  }
}
