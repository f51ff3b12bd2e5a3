import type { Config } from '../config/schema.js';
import { openDatabase } from '../store/database.js';
import { EngineStore } from '../store/engine-store.js';
import { IncidentStore } from '../store/incident-store.js';
import { KvStore } from '../store/kv-store.js';
import { OutboxStore } from '../store/outbox-store.js';
import { SilenceTargetStore } from '../store/silence-target-store.js';
import { SubscriptionStore } from '../store/subscription-store.js';
import { SqliteStatusBoardStore } from '../store/status-board-store.js';
import { StorageHealth } from '../store/storage-health.js';
import type { CleanupStack } from './cleanup-stack.js';
import type { State, StateOptions } from './state.js';

/**
 * Opens the state: in PostgreSQL when `storage.postgres.url` is set (migrated at open; the pool
 * is closed when the cleanup stack unwinds), otherwise SQLite under `data_dir`, taking the
 * directory's lock (one amcord per data directory), released when the stack unwinds.
 */
export async function openState(config: Config, cleanup: CleanupStack, options: StateOptions = {}): Promise<State> {
  const { url, lease_duration } = config.storage.postgres;
  if (url === undefined) return openSqliteState(config.data_dir, cleanup, options);
  // The PostgreSQL client is loaded only when it is used: a SQLite amcord does not carry it.
  const { openPostgresState } = await import('./postgres-state.js');
  return openPostgresState(url, lease_duration, cleanup, options);
}

function openSqliteState(dataDir: string, cleanup: CleanupStack, options: StateOptions): State {
  const db = openDatabase(dataDir);
  cleanup.defer('database', () => {
    db.close();
  });
  const health = new StorageHealth(options.onStorageError);
  const outbox = new OutboxStore(db, health);
  return {
    engine: new EngineStore(db, outbox, health),
    outbox,
    silenceTargets: new SilenceTargetStore(db, health),
    incidents: new IncidentStore(db, outbox, health),
    subscriptions: new SubscriptionStore(db, outbox, health),
    watchdog: new KvStore(db, health),
    statusBoards: new SqliteStatusBoardStore(db, health),
    storageStatus: () => health.status(),
    location: `sqlite:${dataDir}`,
  };
}
