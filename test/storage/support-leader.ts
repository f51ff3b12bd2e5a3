import type { State } from '../../src/app/state.js';

/**
 * Makes the state writable the way a leader's is: with replicas (PostgreSQL), writes are fenced
 * and only the lease's holder may make them. One holder name for the whole test file, so a
 * reopened state (a restart) takes the same lease back.
 */
export async function asLeader(state: State, holder = 'storage-test'): Promise<State> {
  const { replication } = state;
  if (!replication) return state;
  const attempt = await replication.lease.acquire(holder, 10 * 60_000);
  if (!attempt.held) throw new Error(`the lease is held by ${attempt.holder}`);
  replication.fence(attempt.term, () => undefined);
  return state;
}
