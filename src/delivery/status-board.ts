import type { DiscordMessage } from '../discord/types.js';
import type { Logger } from '../log/logger.js';
import type { Clock, Sleep } from '../util/sleep.js';
import { MessageGoneError, UnconfirmedPostError, type Destination, type PostKey } from './destination.js';

/**
 * The live status board: one message in a channel, edited with the /status content and picture
 * every interval, so that a pinned message is the dashboard. It is edited, never reposted: only
 * when Discord says the message is gone (someone deleted it) is a new one posted, and its id is
 * stored so a restart (or the next leader) edits the same message. Refreshes never overlap and
 * never come closer than the interval, whatever Discord answers; discord.js waits out 429s in its
 * queue, and a failed refresh is simply the next one's job.
 */

/** Where the board's message id is kept: one message per channel. */
export interface StatusBoardStore {
  messageId(channelId: string): Promise<string | undefined>;
  save(channelId: string, messageId: string, now: number): Promise<void>;
}

export interface StatusBoardOptions {
  channelId: string;
  /** Posts and edits as the bot in the board's channel. */
  destination: Destination;
  store: StatusBoardStore;
  /** The board's content now: the /status embed and its picture. */
  render: () => Promise<DiscordMessage>;
  intervalMs: number;
  /** One post or edit, Discord's queue included. */
  requestTimeoutMs: number;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  /** False once this replica may no longer be sure it leads: nothing more is sent. */
  mayAct?: () => boolean;
}

export type RefreshOutcome = 'edited' | 'posted' | 'skipped' | 'failed';

export class StatusBoard {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  /** Names the post under way across its retries, so a repeat of an unconfirmed post is the same message. */
  private pendingPost: PostKey | undefined;
  private posts = 0;

  constructor(private readonly options: StatusBoardOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('the status board stops'));
    await this.running;
  }

  /** Brings the board up to date once: edits its message, or posts one when there is none. */
  async refresh(): Promise<RefreshOutcome> {
    const { channelId, destination, store, logger } = this.options;
    if (this.options.mayAct && !this.options.mayAct()) return 'skipped';
    try {
      const message = await this.options.render();
      const deadline = this.options.clock.now() + this.options.requestTimeoutMs;
      const existing = await store.messageId(channelId);
      if (existing !== undefined) {
        try {
          await destination.edit(existing, message, deadline);
          return 'edited';
        } catch (error) {
          if (!(error instanceof MessageGoneError)) throw error;
          logger.info({ channelId, messageId: existing }, 'the status board message was deleted; posting a new one');
        }
      }
      this.pendingPost ??= { id: `status-board ${channelId} ${this.options.clock.now()} ${this.posts}`, retry: false };
      const posted = await destination.post(message, deadline, this.pendingPost);
      this.pendingPost = undefined;
      this.posts += 1;
      await store.save(channelId, posted, this.options.clock.now());
      return 'posted';
    } catch (error) {
      // The next refresh repeats an unconfirmed post under the same key, so Discord shows it once.
      if (this.pendingPost && !(error instanceof UnconfirmedPostError)) this.pendingPost = { ...this.pendingPost, retry: true };
      else this.pendingPost = undefined;
      logger.warn({ channelId, err: error instanceof Error ? error.message : String(error) }, 'the status board could not be updated; trying again at the next interval');
      return 'failed';
    }
  }

  private async loop(): Promise<void> {
    const { clock, sleep, intervalMs } = this.options;
    while (!this.stopping.signal.aborted) {
      const started = clock.now();
      await this.refresh();
      try {
        // A slow refresh does not push the next one later than its time, nor closer than the interval.
        await sleep(Math.max(0, started + intervalMs - clock.now()), this.stopping.signal);
      } catch {
        return;
      }
    }
  }
}
