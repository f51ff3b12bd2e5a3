import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Leadership } from '../cluster/leadership.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { monotonicClock, sleep } from '../util/sleep.js';
import { CleanupStack } from './cleanup-stack.js';
import { startLeaderParts, type LeaderDeps, type LeaderParts } from './leader.js';
import type { Replication } from './state.js';

export interface LeadershipDeps {
  replication: Replication;
  /** What the leader's parts need; `mayDeliver` tells them whether they may still send. */
  leaderDeps: (mayDeliver: () => boolean) => LeaderDeps;
  logger: Logger;
  metrics: Metrics;
  /** The leader's parts once they run, undefined once they stopped. */
  onChange: (parts: LeaderParts | undefined) => void;
}

/** This replica's name in the lease and the logs: the host (a pod's name), the process, and a few random bytes. */
function replicaIdentity(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs the election among replicas sharing PostgreSQL: while this replica holds the lease, its
 * writes are fenced with the term and the leader's parts run in a cleanup stack of their own,
 * unwound when the term ends. Resolves after the first attempt; the lease is released (and the
 * parts stopped) when `cleanup` unwinds.
 */
export async function startLeadership(deps: LeadershipDeps, cleanup: CleanupStack): Promise<Leadership> {
  const { replication, logger, metrics } = deps;
  let scope: CleanupStack | undefined;
  let parts: LeaderParts | undefined;
  const leadership: Leadership = new Leadership({
    lease: replication.lease,
    identity: replicaIdentity(),
    durationMs: replication.leaseDurationMs,
    clock: monotonicClock,
    sleep,
    logger: logger.child({ module: 'leadership' }),
    async lead(term) {
      replication.fence(term, (reason) => leadership.stepDown(reason));
      scope = new CleanupStack(logger);
      try {
        parts = await startLeaderParts(deps.leaderDeps(() => leadership.mayAct()), scope);
      } catch (error) {
        await scope.unwind();
        scope = undefined;
        throw error;
      }
      deps.onChange(parts);
    },
    async follow(cause) {
      // A lost lease cuts requests in flight at once: the next leader may be sending already.
      if (cause !== 'shutdown') parts?.abortDeliveries();
      deps.onChange(undefined);
      parts = undefined;
      await scope?.unwind();
      scope = undefined;
      // Only now: the last writes of a clean stop (deliveries in flight, recorded) still carry the term.
      replication.fence(undefined, (reason) => leadership.stepDown(reason));
    },
    onChange: (change, cause) => metrics.leadershipChanges.inc({ change, cause }),
  });
  await leadership.start();
  cleanup.defer('leadership', () => leadership.stop());
  return leadership;
}
