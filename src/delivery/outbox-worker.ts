import { DiscordDeliveryError } from '../discord/webhook-client.js';
import type { DiscordMessage } from '../discord/types.js';
import type { Logger } from '../log/logger.js';
import type { OutboxEntry, OutboxStore } from '../store/outbox-store.js';
import type { Clock, Sleep } from '../util/sleep.js';
import { MessageGoneError, UnconfirmedPostError, type Destination, type PostKey } from './destination.js';

export interface OutboxWorkerOptions {
  destination: Destination;
  outbox: OutboxStore;
  /** Turns a queued notification into the messages to send; the first is the group's living message. */
  render: (entry: OutboxEntry) => DiscordMessage[];
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  /** How long one attempt may keep retrying inside the Discord client before the entry is rescheduled. */
  attemptTimeoutMs: number;
  /** Between attempts of one entry: first wait, doubled up to the cap. */
  retry: { initialMs: number; maxMs: number };
  onDelivered?: (entry: OutboxEntry) => void;
  onFailed?: (entry: OutboxEntry, reason: string) => void;
}

/** The same for every attempt at one post of an entry, so a destination can deduplicate repeats. */
const postKey = (entry: OutboxEntry, index: number): PostKey => ({ id: `${entry.id}:${index}:${entry.groupKey}`, retry: entry.attempts > 0 });

/**
 * Delivers one destination's outbox, oldest first, one message at a time (Discord's rate limits
 * are per webhook and per channel anyway). An entry leaves the outbox only once Discord has it;
 * until then it is retried, across outages and restarts. Only a message Discord refuses for good
 * (400) is set aside, logged and counted, so it cannot block the ones behind it.
 */
export class OutboxWorker {
  private running = false;
  private wake: (() => void) | undefined;
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
      const entry = outbox.head(destination.name);
      const now = clock.now();
      if (!entry || entry.nextAttemptAt > now) {
        await this.idle(entry ? entry.nextAttemptAt - now : undefined);
        continue;
      }
      await this.deliver(entry);
    }
  }

  /** Waits for new work, or until the head entry is due. */
  private async idle(dueInMs: number | undefined): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    const waits: Array<Promise<void>> = [woken];
    if (dueInMs !== undefined) waits.push(this.options.sleep(dueInMs, this.stopping.signal).catch(() => undefined));
    await Promise.race(waits);
    this.wake = undefined;
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const { outbox, clock, logger } = this.options;
    outbox.sending(entry);
    try {
      const messageId = await this.send(entry);
      outbox.delivered(entry, messageId, clock.now());
      this.options.onDelivered?.(entry);
      logger.info({ groupKey: entry.groupKey, kind: entry.kind, messageId }, 'delivered');
    } catch (error) {
      if (this.running) this.handleFailure(entry, error);
      else outbox.abandoned(entry);
    }
  }

  /** Posts or edits; returns the id of a newly posted living message. */
  private async send(entry: OutboxEntry): Promise<string | undefined> {
    const { destination, outbox, clock } = this.options;
    const [living, ...overflow] = this.options.render(entry);
    if (!living) return undefined;
    const deadline = clock.now() + this.options.attemptTimeoutMs;
    const existing = entry.kind === 'edit' ? outbox.livingMessage(destination.name, entry.groupKey) : undefined;
    let postedId: string | undefined;
    if (existing) {
      try {
        await destination.edit(existing, living, deadline);
      } catch (error) {
        if (!(error instanceof MessageGoneError)) throw error;
        postedId = await destination.post(living, deadline, postKey(entry, 0));
      }
    } else {
      postedId = await destination.post(living, deadline, postKey(entry, 0));
    }
    for (const [index, message] of overflow.entries()) await destination.post(message, deadline, postKey(entry, index + 1));
    return postedId;
  }

  private handleFailure(entry: OutboxEntry, error: unknown): void {
    const { outbox, clock, logger, retry } = this.options;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof UnconfirmedPostError) {
      // Posting again could show it twice; the group's next notification posts a new message instead.
      outbox.delivered(entry, undefined, clock.now());
      this.options.onFailed?.(entry, 'unconfirmed');
      logger.warn({ groupKey: entry.groupKey, err: reason }, 'Discord did not confirm the message; it is not posted again');
      return;
    }
    if (error instanceof DiscordDeliveryError && error.failure === 'rejected') {
      outbox.bury(entry, reason);
      this.options.onFailed?.(entry, 'rejected');
      logger.error({ groupKey: entry.groupKey, err: reason }, 'Discord refused this message for good; it is kept in the outbox as dead');
      return;
    }
    const waitMs = Math.min(retry.maxMs, retry.initialMs * 2 ** entry.attempts);
    outbox.retryLater(entry, clock.now() + waitMs, reason);
    this.options.onFailed?.(entry, error instanceof DiscordDeliveryError ? error.failure : 'error');
    const level = error instanceof DiscordDeliveryError && error.retryable ? 'warn' : 'error';
    logger[level]({ groupKey: entry.groupKey, attempts: entry.attempts + 1, retryInMs: waitMs, err: reason }, 'delivery failed; will retry');
  }
}
