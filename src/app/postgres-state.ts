import { PostgresDatabase } from '../store/postgres/database.js';
import { PostgresEngineStore } from '../store/postgres/engine-store.js';
import { PostgresIncidentStore } from '../store/postgres/incident-store.js';
import { PostgresInboxStore } from '../store/postgres/inbox-store.js';
import { PostgresKvStore } from '../store/postgres/kv-store.js';
import { PostgresLeaseStore } from '../store/postgres/lease-store.js';
import { PostgresOutboxStore } from '../store/postgres/outbox-store.js';
import { PostgresSilenceTargetStore } from '../store/postgres/silence-target-store.js';
import { PostgresStatusBoardStore } from '../store/postgres/status-board-store.js';
import { PostgresSubscriptionStore } from '../store/postgres/subscription-store.js';
import { StorageHealth } from '../store/storage-health.js';
import type { CleanupStack } from './cleanup-stack.js';
import type { State, StateOptions } from './state.js';

/**
 * The state in PostgreSQL, migrated at open (the pool is closed when the cleanup stack unwinds),
 * with what replicas sharing it need: the lease, the inbox, and fencing of the leader's writes.
 */
export async function openPostgresState(url: string, leaseDuration: number, cleanup: CleanupStack, options: StateOptions): Promise<State> {
  const db = await PostgresDatabase.open({ url, health: new StorageHealth(options.onStorageError) });
  cleanup.defer('postgresql pool', () => db.close());
  // Until this replica leads, only the writes every replica makes go through.
  db.fence('standby');
  const outbox = new PostgresOutboxStore(db);
  return {
    engine: new PostgresEngineStore(db, outbox),
    outbox,
    silenceTargets: new PostgresSilenceTargetStore(db),
    incidents: new PostgresIncidentStore(db, outbox),
    subscriptions: new PostgresSubscriptionStore(db, outbox),
    watchdog: new PostgresKvStore(db),
    statusBoards: new PostgresStatusBoardStore(db),
    storageStatus: () => db.health.status(),
    location: `postgresql:${db.where}`,
    replication: {
      lease: new PostgresLeaseStore(db),
      inbox: new PostgresInboxStore(db),
      leaseDurationMs: leaseDuration,
      fence: (term, onRefused) => db.fence(term ?? 'standby', onRefused),
    },
  };
}
