import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/sleep.js';
import type { SilenceTargets } from './silence-targets.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long delivery keeps what it no longer needs (stated in the README's delivery guarantees). */
export const RETENTION = {
  /** A living message id, once its group is gone and nothing for it waits, counted from its last post. */
  messageIdsMs: 7 * DAY_MS,
  /** A message Discord refused for good, kept for the operator to look at. */
  deadEntriesMs: 7 * DAY_MS,
  /** A silence button's target, counted from the last message that showed the buttons. */
  silenceTargetsMs: 7 * DAY_MS,
  /** An incident whose group is gone without resolving (its route was removed), counted from its last change. */
  incidentsMs: 7 * DAY_MS,
} as const;

/** Retention is applied hourly: the tables it trims grow by at most a few rows an hour. */
export const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

export interface RetentionOptions {
  outbox: { prune(messagesBefore: number, deadBefore: number): Promise<void> };
  silenceTargets: SilenceTargets;
  incidents?: { prune(before: number): Promise<void> };
  clock: Clock;
  logger: Logger;
}

/** The maintenance cycle of delivery's tables, so none of them only grows. */
export class Retention {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.run(), RETENTION_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass; a failure (storage full) is logged and the next pass tries again. */
  async run(): Promise<void> {
    const now = this.options.clock.now();
    try {
      await this.options.outbox.prune(now - RETENTION.messageIdsMs, now - RETENTION.deadEntriesMs);
      await this.options.silenceTargets.prune(now - RETENTION.silenceTargetsMs);
      await this.options.incidents?.prune(now - RETENTION.incidentsMs);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'retention pass failed; the next one tries again');
    }
  }
}
