import type { Config } from '../config/schema.js';
import type { SilenceTargetRepository } from '../delivery/silence-targets.js';
import type { Outbox } from '../delivery/ports.js';
import type { EngineRepository } from '../engine/ports.js';
import { openDatabase } from '../store/database.js';
import { EngineStore } from '../store/engine-store.js';
import { KvStore } from '../store/kv-store.js';
import { OutboxStore } from '../store/outbox-store.js';
import { PostgresDatabase } from '../store/postgres/database.js';
import { PostgresEngineStore } from '../store/postgres/engine-store.js';
import { PostgresKvStore } from '../store/postgres/kv-store.js';
import { PostgresOutboxStore } from '../store/postgres/outbox-store.js';
import { PostgresSilenceTargetStore } from '../store/postgres/silence-target-store.js';
import { SilenceTargetStore } from '../store/silence-target-store.js';
import { StorageHealth } from '../store/storage-health.js';
import type { StateStore } from '../watchdog/dead-mans-switch.js';
import type { CleanupStack } from './cleanup-stack.js';

/** amcord's durable state, as the layers that use it declared it. */
export interface State {
  engine: EngineRepository;
  outbox: Outbox & { prune(messagesBefore: number, deadBefore: number): Promise<void> };
  silenceTargets: SilenceTargetRepository;
  watchdog: StateStore;
  /** Why storage is not taking writes right now (for /readyz), or undefined while it is. */
  storageStatus: () => string | undefined;
  /** Where the state is, for the start-up log: never a password. */
  location: string;
}

/**
 * Opens the state: in PostgreSQL when `storage.postgres.url` is set (migrated at open; the pool
 * is closed when the cleanup stack unwinds), otherwise SQLite under `data_dir`, taking the
 * directory's lock (one amcord per data directory), released when the stack unwinds.
 */
export async function openState(config: Config, cleanup: CleanupStack): Promise<State> {
  const { url } = config.storage.postgres;
  return url === undefined ? openSqliteState(config.data_dir, cleanup) : openPostgresState(url, cleanup);
}

function openSqliteState(dataDir: string, cleanup: CleanupStack): State {
  const db = openDatabase(dataDir);
  cleanup.defer('database', () => {
    db.close();
  });
  const health = new StorageHealth();
  const outbox = new OutboxStore(db, health);
  return {
    engine: new EngineStore(db, outbox, health),
    outbox,
    silenceTargets: new SilenceTargetStore(db, health),
    watchdog: new KvStore(db, health),
    storageStatus: () => health.status(),
    location: `sqlite:${dataDir}`,
  };
}

async function openPostgresState(url: string, cleanup: CleanupStack): Promise<State> {
  const db = await PostgresDatabase.open({ url });
  cleanup.defer('postgresql pool', () => db.close());
  const outbox = new PostgresOutboxStore(db);
  return {
    engine: new PostgresEngineStore(db, outbox),
    outbox,
    silenceTargets: new PostgresSilenceTargetStore(db),
    watchdog: new PostgresKvStore(db),
    storageStatus: () => db.health.status(),
    location: `postgresql:${db.where}`,
  };
}
