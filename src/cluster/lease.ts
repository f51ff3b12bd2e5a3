/**
 * The leader's lease as the replicas see it, declared here and implemented by `store/` in the
 * shared database. The database's clock decides expiry, so replicas whose clocks disagree still
 * agree on who leads.
 */

/** One tenure of the lease. The token grows with every new holder, and with every gap in a holder's tenure. */
export interface Term {
  holder: string;
  token: number;
}

export type LeaseAttempt =
  /**
   * `renewed`: the lease was this holder's already (even if it had run out: nobody else held it
   * since), so the term goes on with the same token. False: a new term, another replica may
   * have led in between.
   */
  | { held: true; term: Term; renewed: boolean }
  /** Someone else holds it, for at least `remainingMs` more unless they renew or release it. */
  | { held: false; holder: string; remainingMs: number };

export interface LeaseRepository {
  /**
   * Extends the lease if `holder` has it (even if it ran out), or takes it if it has run out
   * and `takeOver` (default true) allows; either way it then lasts `durationMs` from now (the
   * database's now).
   */
  acquire(holder: string, durationMs: number, options?: { takeOver?: boolean }): Promise<LeaseAttempt>;
  /** Ends the term at once, so another replica need not wait out the lease (a clean shutdown). */
  release(term: Term): Promise<void>;
}

/** A write refused because this replica does not hold the lease (any more): someone else leads. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
}
