import { DiscordDeliveryError } from '../discord/webhook-client.js';
import type { DiscordMessage } from '../discord/types.js';
import type { Logger } from '../log/logger.js';
import type { Clock, Sleep } from '../util/sleep.js';
import { MessageGoneError, UnconfirmedPostError, type Destination, type PostKey } from './destination.js';
import type { Outbox, OutboxEntry } from './ports.js';

/** The render stage as delivery sees it: a queued notification to the message to send. */
export type RenderStage = (entry: OutboxEntry) => DiscordMessage | Promise<DiscordMessage>;

export interface OutboxWorkerOptions {
  destination: Destination;
  outbox: Outbox;
  /** Turns a queued notification into the message to send: the group's living message. */
  render: RenderStage;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  /** How long one attempt may keep retrying inside the Discord client before the entry is rescheduled. */
  attemptTimeoutMs: number;
  /** Between attempts of one entry, and between tries of a storage write that failed: first wait, doubled up to the cap. */
  retry: { initialMs: number; maxMs: number };
  onDelivered?: (entry: OutboxEntry) => void;
  onFailed?: (entry: OutboxEntry, reason: string) => void;
  /**
   * Asked right before each request: false when this process may no longer send (another
   * replica may lead now). The entry is then left as it is, for whoever leads.
   */
  mayDeliver?: () => boolean;
}

/** The request was not made: this process may no longer deliver. */
class NotDelivering extends Error {}

/** The same for every attempt at an entry's post, so a destination can deduplicate repeats. */
const postKey = (entry: OutboxEntry): PostKey => ({
  id: `${entry.id}:${entry.groupKey}`,
  retry: entry.attempts > 0 || entry.attemptStartedAt !== undefined,
});

/**
 * Delivers one destination's outbox, oldest first, one message at a time (Discord's rate limits
 * are per webhook and per channel anyway). An entry leaves the outbox only once Discord has it;
 * until then it is retried, across outages and restarts. Only a message Discord refuses for good
 * (400) is set aside, logged and counted, so it cannot block the ones behind it.
 *
 * Each entry goes through the last stages of the pipeline in turn: render, send (post or edit
 * the living message), record (the outbox settles it). When storage cannot commit (a full disk),
 * the worker pauses on that write and tries it again until it succeeds, rather than sending
 * anything anew: a message Discord already has is recorded, never sent twice.
 */
export class OutboxWorker {
  private running = false;
  private wake: (() => void) | undefined;
  /** Set by notify(): something was queued since the worker last read the outbox. */
  private notified = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: OutboxWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Something was queued: look now rather than at the next retry time. */
  notify(): void {
    this.notified = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort(new Error('stopping'));
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { outbox, destination, clock } = this.options;
    while (this.running) {
      // Cleared before the read, so a notify() that comes while the read is under way is not lost.
      this.notified = false;
      const entry = await this.storage(() => outbox.head(destination.name), 'read the outbox');
      if (!this.running) break;
      const now = clock.now();
      if (!entry || entry.nextAttemptAt > now) {
        await this.idle(entry ? entry.nextAttemptAt - now : undefined);
        continue;
      }
      await this.deliver(entry);
    }
  }

  /**
   * A storage call that must happen before the worker goes on: tried again, with growing waits,
   * until it succeeds or the worker stops (then undefined).
   */
  private async storage<T>(call: () => Promise<T>, what: string): Promise<T | undefined> {
    const { retry, logger } = this.options;
    for (let failures = 0; this.running; failures += 1) {
      try {
        return await call();
      } catch (error) {
        const waitMs = Math.min(retry.maxMs, retry.initialMs * 2 ** failures);
        logger.error({ err: error instanceof Error ? error.message : String(error), retryInMs: waitMs }, `storage failed to ${what}; deliveries pause until it recovers`);
        await this.options.sleep(waitMs, this.stopping.signal).catch(() => undefined);
      }
    }
    return undefined;
  }

  /**
   * A write that settles `entry`, through storage(); false when the worker stopped before it
   * committed, and the entry is then left as it was for the next start.
   */
  private async record(entry: OutboxEntry, what: string, write: () => Promise<void>): Promise<boolean> {
    if (await this.storage(() => write().then(() => true), what)) return true;
    this.options.outbox.abandoned(entry);
    return false;
  }

  /** Waits for new work, or until the head entry is due. */
  private async idle(dueInMs: number | undefined): Promise<void> {
    if (this.notified) return;
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    const waits: Array<Promise<void>> = [woken];
    if (dueInMs !== undefined) waits.push(this.options.sleep(dueInMs, this.stopping.signal).catch(() => undefined));
    await Promise.race(waits);
    this.wake = undefined;
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const { outbox, clock, logger } = this.options;
    // Nothing is sent unless storage took the note that it is being sent: with a full disk,
    // deliveries pause here instead of repeating on every restart.
    if (!(await this.record(entry, 'record the start of a delivery', () => outbox.sending(entry, clock.now())))) return;
    let messageId: string | undefined;
    try {
      messageId = await this.send(entry);
    } catch (error) {
      if (this.running && !(error instanceof NotDelivering)) await this.handleFailure(entry, error);
      else outbox.abandoned(entry);
      return;
    }
    // Discord has it: from here on the entry is only recorded, however long storage takes.
    if (!(await this.record(entry, 'record a delivery', () => outbox.delivered(entry, messageId, clock.now())))) return;
    this.options.onDelivered?.(entry);
    logger.info({ groupKey: entry.groupKey, kind: entry.kind, messageId }, 'delivered');
  }

  /** Edits the living message, or posts a new one; returns the id of a newly posted one, or the living message's new id. */
  private async send(entry: OutboxEntry): Promise<string | undefined> {
    const { destination, outbox, clock } = this.options;
    const living = await this.options.render(entry);
    const deadline = clock.now() + this.options.attemptTimeoutMs;
    const existing = entry.kind === 'edit' ? await outbox.livingMessage(destination.name, entry.groupKey) : undefined;
    if (existing) {
      try {
        this.checkMayDeliver();
        return (await destination.edit(existing, living, deadline)) ?? undefined;
      } catch (error) {
        if (!(error instanceof MessageGoneError)) throw error;
      }
    }
    this.checkMayDeliver();
    return destination.post(living, deadline, postKey(entry));
  }

  /** Right before a request: nothing awaits between this check and the request's start. */
  private checkMayDeliver(): void {
    if (this.options.mayDeliver?.() === false) throw new NotDelivering('this process may no longer deliver');
  }

  private async handleFailure(entry: OutboxEntry, error: unknown): Promise<void> {
    const { outbox, clock, logger, retry } = this.options;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof UnconfirmedPostError) {
      // Posting again would show it twice; the group's next notification posts a new message instead.
      if (!(await this.record(entry, 'record a delivery', () => outbox.delivered(entry, undefined, clock.now())))) return;
      this.options.onFailed?.(entry, 'unconfirmed');
      logger.warn({ groupKey: entry.groupKey, err: reason }, 'Discord did not confirm the message; it is not posted again');
      return;
    }
    if (error instanceof DiscordDeliveryError && error.failure === 'rejected') {
      if (!(await this.record(entry, 'set a refused message aside', () => outbox.bury(entry, reason)))) return;
      this.options.onFailed?.(entry, 'rejected');
      logger.error({ groupKey: entry.groupKey, err: reason }, 'Discord refused this message for good; it is kept in the outbox as dead');
      return;
    }
    const waitMs = Math.min(retry.maxMs, retry.initialMs * 2 ** entry.attempts);
    if (!(await this.record(entry, 'reschedule a delivery', () => outbox.retryLater(entry, clock.now() + waitMs, reason)))) return;
    this.options.onFailed?.(entry, error instanceof DiscordDeliveryError ? error.failure : 'error');
    const level = error instanceof DiscordDeliveryError && error.retryable ? 'warn' : 'error';
    logger[level]({ groupKey: entry.groupKey, attempts: entry.attempts + 1, retryInMs: waitMs, err: reason }, 'delivery failed; will retry');
  }
}
