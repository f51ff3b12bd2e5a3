import { UNKNOWN_CHANNEL, UNKNOWN_MESSAGE } from '../discord/error-codes.js';
import { DiscordDeliveryError, type DiscordWebhookClient } from '../discord/webhook-client.js';
import type { WebhookTarget } from '../discord/webhook-url.js';
import type { DiscordMessage, ThreadPlacement } from '../discord/types.js';
import { MessageGoneError, UnconfirmedPostError, type Destination, type ThreadControl, type ThreadSettings } from './destination.js';
import { livingMessageId, parseLivingMessageId } from './thread-placement.js';

export interface WebhookDestinationOptions {
  /** One forum post per group; the webhook must be in a forum channel. */
  threads?: ThreadSettings | undefined;
  /** Re-tags and archives a resolved group's post; without the bot, the post stays as it is. */
  threadControl?: ThreadControl | undefined;
}

const isGone = (error: unknown, codes: readonly number[]): boolean =>
  error instanceof DiscordDeliveryError && error.failure === 'gone' && error.discordCode !== undefined && codes.includes(error.discordCode);

export class WebhookDestination implements Destination {
  readonly threads: ThreadSettings | undefined;

  constructor(
    readonly name: string,
    private readonly client: DiscordWebhookClient,
    private readonly target: WebhookTarget,
    private readonly options: WebhookDestinationOptions = {},
  ) {
    this.threads = options.threads;
  }

  /**
   * A post Discord accepted without saying its id (a 2xx whose body is unreadable) is not
   * repeated: Execute Webhook takes no nonce, so Discord could not drop a second copy, and a
   * webhook cannot list the channel to find the first. It counts as delivered with its id
   * unknown (logged, and counted as "unconfirmed"), and the group's next notification posts a new
   * message carrying its whole state. A post that got no answer at all is retried later (see the
   * client): at least once, never lost. The bot's posts carry a nonce and need neither trade-off.
   *
   * With threads, a message goes into the group's post, or starts one (also when someone deleted
   * the post); its id then names the post too (thread-placement.ts).
   */
  async post(message: DiscordMessage, deadline: number): Promise<string> {
    const { thread, ...body } = message;
    try {
      if (!thread) return (await this.client.execute(this.target, body, { deadline })).id;
      return await this.postInThread(body, thread, deadline);
    } catch (error) {
      if (error instanceof DiscordDeliveryError && error.failure === 'unconfirmed') throw new UnconfirmedPostError(error.message, { cause: error });
      throw error;
    }
  }

  private async postInThread(body: DiscordMessage, thread: ThreadPlacement, deadline: number): Promise<string> {
    if (thread.id !== undefined) {
      try {
        const sent = await this.client.execute(this.target, body, { deadline }, thread.id);
        return livingMessageId(thread.id, sent.id);
      } catch (error) {
        // The post was deleted: the group starts a new one.
        if (!isGone(error, [UNKNOWN_CHANNEL])) throw error;
      }
    }
    const started = await this.client.execute(this.target, { ...body, thread_name: thread.name, applied_tags: thread.tags }, { deadline });
    return livingMessageId(started.channelId ?? started.id, started.id);
  }

  async edit(messageId: string, message: DiscordMessage, deadline: number): Promise<void> {
    const { thread, ...body } = message;
    const living = parseLivingMessageId(messageId);
    try {
      await this.client.edit(this.target, living.messageId, body, { deadline }, living.threadId);
    } catch (error) {
      if (isGone(error, [UNKNOWN_MESSAGE, UNKNOWN_CHANNEL])) throw new MessageGoneError(`message ${living.messageId} no longer exists`);
      throw error;
    }
    // Re-tagged and archived after the last edit: an archived post's messages cannot be edited.
    if (thread?.close && living.threadId !== undefined && this.options.threadControl) {
      await this.options.threadControl(living.threadId, { applied_tags: thread.close.tags, archived: true });
    }
  }
}
