import type { Logger } from '../log/logger.js';
import type { Clock, Sleep } from '../util/sleep.js';
import type { LeaseRepository, Term } from './lease.js';

export interface LeadershipOptions {
  lease: LeaseRepository;
  /** This replica's name in the lease: unique per process, readable in logs. */
  identity: string;
  durationMs: number;
  /** A monotonic clock: a wall clock set back would stretch the leader's idea of its lease. */
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  /** Starts what only the leader runs. A rejection ends the term (and is thrown by the first start). */
  lead(term: Term): Promise<void>;
  /** Stops it. Called when the lease is lost, cannot be renewed in time, or amcord stops. */
  follow(cause: StepDownCause, reason: string): Promise<void>;
  /** For metrics: each change of leadership, with why it ended. */
  onChange?(change: 'acquired' | 'lost', cause: StepDownCause | 'elected'): void;
}

/** Why a leader stopped leading, as few words as a metric label needs. */
export type StepDownCause = 'taken-over' | 'refused-write' | 'failed-start' | 'lapsed' | 'shutdown';

/**
 * Leader election over a lease in the shared database. The leader renews every third of the
 * lease; a follower tries again when the holder's lease runs out. The leader counts its lease
 * from the moment it *asked* for it and stops sending a fifth of the lease early, so it stops
 * before any other replica can have started, even when it was paused (SIGSTOP) or its renewal
 * hung: mayAct() is false from then on, until a renewal succeeds. Every write a leader makes is
 * also checked against its term in the database (fencing), which covers what a paused process
 * cannot know about itself.
 *
 * A leader that cannot reach the database does not step down: nobody else can take over while
 * the database is gone, and its parts wait for storage anyway. It pauses, and goes on in the
 * same term if the lease is still its own when the database answers, so a message it had sent
 * but could not yet record is recorded, not sent again by a new leader. Followers that saw the
 * outage give it that chance before they try to take over.
 */
export class Leadership {
  private term: Term | undefined;
  private safeUntil = Number.NEGATIVE_INFINITY;
  private stepDownReason: { cause: StepDownCause; reason: string } | undefined;
  private otherHolder: string | undefined;
  /** The database did not answer the last attempt (said once, and once when it answers again). */
  private unreachableSaid = false;
  /** A follower that lost the database: when it answers again, the replica that led gets the first chance. */
  private sawOutage = false;
  private paused = false;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp = new AbortController();

  constructor(private readonly options: LeadershipOptions) {}

  private get renewEveryMs(): number {
    return this.options.durationMs / 3;
  }

  isLeader(): boolean {
    return this.term !== undefined;
  }

  /** Whether the leader may still send: its lease is certainly its own for a while yet. */
  mayAct(): boolean {
    return this.term !== undefined && this.stepDownReason === undefined && this.options.clock.now() < this.safeUntil;
  }

  /**
   * Makes the first attempt (so a lone replica leads once start() resolves; a failure to start
   * what the leader runs is thrown), then keeps the lease, or keeps trying for it, in the background.
   */
  async start(): Promise<void> {
    this.running = true;
    const waitMs = await this.attempt(true);
    this.loop = this.run(waitMs);
  }

  /** Something proved the lease lost (a write was refused): step down now, not at the next renewal. */
  stepDown(reason: string): void {
    if (this.term === undefined || this.stepDownReason !== undefined) return;
    this.stepDownReason = { cause: 'refused-write', reason };
    this.wakeUp.abort();
  }

  /** Stops leading (releasing the lease, so another replica takes over at once) and stops trying. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeUp.abort();
    await this.loop;
    const { term } = this;
    if (!term) return;
    await this.depose('shutdown', 'amcord is stopping');
    await this.options.lease.release(term).catch((error: unknown) => {
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not release the lease; another replica takes over when it expires');
    });
  }

  private async run(firstWaitMs: number): Promise<void> {
    let waitMs = firstWaitMs;
    while (this.running) {
      await this.options.sleep(waitMs, this.wakeUp.signal).catch(() => undefined);
      if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
      if (!this.running) return;
      waitMs = await this.attempt(false);
    }
  }

  /** One round: step down if asked, then take or renew the lease. Returns how long to wait before the next. */
  private async attempt(first: boolean): Promise<number> {
    const { lease, identity, durationMs, clock } = this.options;
    if (this.stepDownReason !== undefined) {
      await this.depose(this.stepDownReason.cause, this.stepDownReason.reason);
      return this.renewEveryMs;
    }
    const askedAt = clock.now();
    let outcome: Awaited<ReturnType<LeaseRepository['acquire']>> | 'overdue';
    // Back from an outage, a follower only looks: the replica that led may still be renewing.
    const deferring = this.sawOutage && !this.term;
    try {
      outcome = await this.withinLease(lease.acquire(identity, durationMs, { takeOver: !deferring }));
    } catch (error) {
      return this.unreachable(error);
    }
    this.sawOutage = false;
    if (deferring && outcome !== 'overdue' && !outcome.held) return this.renewEveryMs * 1.5;
    if (outcome === 'overdue') return this.pause('the database did not answer the renewal in time');
    this.recovered();
    if (!outcome.held) {
      if (this.term) await this.depose('taken-over', `the lease is held by ${outcome.holder}`);
      if (this.otherHolder !== outcome.holder) this.options.logger.info({ leader: outcome.holder }, 'another replica leads; this one stands by');
      this.otherHolder = outcome.holder;
      // Tried again just after the holder's lease would run out, or sooner if it might be released.
      return Math.min(this.renewEveryMs, outcome.remainingMs + 10);
    }
    this.otherHolder = undefined;
    this.safeUntil = askedAt + durationMs - durationMs / 5;
    if (this.term && outcome.renewed) {
      if (this.paused) this.options.logger.info({ token: outcome.term.token }, 'the lease is renewed: sending resumes in the same term');
      this.paused = false;
      return this.renewEveryMs;
    }
    if (this.term) await this.depose('lapsed', 'the lease lapsed and was taken again');
    try {
      await this.elect(outcome.term);
    } catch (error) {
      await this.depose('failed-start', 'what the leader runs failed to start');
      await lease.release(outcome.term).catch(() => undefined);
      if (first) throw error;
      this.options.logger.error({ err: error }, 'could not start leading; another replica may take over');
    }
    return this.renewEveryMs;
  }

  /**
   * While leading, an attempt may take only until sending must stop (so mayAct() turns false
   * on time and is said so); once paused, a third of the lease per attempt.
   */
  private async withinLease<T>(attempt: Promise<T>): Promise<T | 'overdue'> {
    if (!this.term) return attempt;
    const leftMs = Math.max(this.safeUntil - this.options.clock.now(), this.paused ? this.renewEveryMs : 0);
    const cancel = new AbortController();
    const overdue = this.options.sleep(Math.max(0, leftMs), cancel.signal).then(
      () => 'overdue' as const,
      () => new Promise<never>(() => undefined),
    );
    try {
      return await Promise.race([attempt, overdue]);
    } finally {
      cancel.abort();
    }
  }

  private unreachable(error: unknown): number {
    const { clock, logger } = this.options;
    const now = clock.now();
    if (!this.unreachableSaid) {
      this.unreachableSaid = true;
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'cannot reach the database for the lease; trying again');
    }
    if (!this.term) {
      this.sawOutage = true;
      return this.renewEveryMs;
    }
    if (now >= this.safeUntil) return this.pause('the database is unreachable');
    return Math.min(this.renewEveryMs, this.safeUntil - now);
  }

  /** The lease may run out before it is renewed: mayAct() is false already; say so once. */
  private pause(why: string): number {
    if (!this.paused) this.options.logger.warn({ token: this.term?.token }, `the lease could not be renewed (${why}): sending pauses until it is`);
    this.paused = true;
    return this.renewEveryMs;
  }

  private recovered(): void {
    if (!this.unreachableSaid) return;
    this.unreachableSaid = false;
    this.options.logger.info('the database answers the lease again');
  }

  private async elect(term: Term): Promise<void> {
    this.term = term;
    this.stepDownReason = undefined;
    this.paused = false;
    this.options.logger.info({ token: term.token, replica: term.holder }, 'this replica leads now: it runs the groups, deliveries, the dead man\'s switch and the bot');
    this.options.onChange?.('acquired', 'elected');
    await this.options.lead(term);
  }

  private async depose(cause: StepDownCause, reason: string): Promise<void> {
    const { term } = this;
    if (!term) return;
    this.term = undefined;
    this.safeUntil = Number.NEGATIVE_INFINITY;
    this.stepDownReason = undefined;
    this.options.logger.warn({ token: term.token, reason }, `stepped down as leader: ${reason}`);
    this.options.onChange?.('lost', cause);
    await this.options.follow(cause, reason);
  }
}
