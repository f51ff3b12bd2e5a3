import type { WebhookInbox } from '../cluster/inbox.js';
import type { LeaseRepository, Term } from '../cluster/lease.js';
import type { Config } from '../config/schema.js';
import type { SilenceTargetRepository } from '../delivery/silence-targets.js';
import type { Outbox } from '../delivery/ports.js';
import type { StatusBoardStore } from '../delivery/status-board.js';
import type { EngineRepository } from '../engine/ports.js';
import { openDatabase } from '../store/database.js';
import { EngineStore } from '../store/engine-store.js';
import { KvStore } from '../store/kv-store.js';
import { OutboxStore } from '../store/outbox-store.js';
import { PostgresDatabase } from '../store/postgres/database.js';
import { PostgresEngineStore } from '../store/postgres/engine-store.js';
import { PostgresInboxStore } from '../store/postgres/inbox-store.js';
import { PostgresKvStore } from '../store/postgres/kv-store.js';
import { PostgresLeaseStore } from '../store/postgres/lease-store.js';
import { PostgresOutboxStore } from '../store/postgres/outbox-store.js';
import { PostgresSilenceTargetStore } from '../store/postgres/silence-target-store.js';
import { PostgresStatusBoardStore } from '../store/postgres/status-board-store.js';
import { SilenceTargetStore } from '../store/silence-target-store.js';
import { SqliteStatusBoardStore } from '../store/status-board-store.js';
import { StorageHealth } from '../store/storage-health.js';
import type { StateStore } from '../watchdog/dead-mans-switch.js';
import type { CleanupStack } from './cleanup-stack.js';

/** amcord's durable state, as the layers that use it declared it. */
export interface State {
  engine: EngineRepository;
  outbox: Outbox & { prune(messagesBefore: number, deadBefore: number): Promise<void> };
  silenceTargets: SilenceTargetRepository;
  watchdog: StateStore;
  statusBoards: StatusBoardStore;
  /** Why storage is not taking writes right now (for /readyz), or undefined while it is. */
  storageStatus: () => string | undefined;
  /** Where the state is, for the start-up log: never a password. */
  location: string;
  /** Present when several replicas may share the state (PostgreSQL); SQLite has one process by its lock. */
  replication?: Replication;
}

/** What replicas sharing the state need: the leader's lease, the webhook inbox, and fencing of writes. */
export interface Replication {
  lease: LeaseRepository;
  inbox: WebhookInbox;
  leaseDurationMs: number;
  /**
   * Lets the leader's writes through while `term` is the lease's current one; undefined: this
   * replica stands by. `onRefused` hears of a leader's write refused because the term ended.
   */
  fence(term: Term | undefined, onRefused: (reason: string) => void): void;
}

export interface StateOptions {
  /** Told of every write storage could not take. */
  onStorageError?: () => void;
}

/**
 * Opens the state: in PostgreSQL when `storage.postgres.url` is set (migrated at open; the pool
 * is closed when the cleanup stack unwinds), otherwise SQLite under `data_dir`, taking the
 * directory's lock (one amcord per data directory), released when the stack unwinds.
 */
export async function openState(config: Config, cleanup: CleanupStack, options: StateOptions = {}): Promise<State> {
  const { url, lease_duration } = config.storage.postgres;
  return url === undefined ? openSqliteState(config.data_dir, cleanup, options) : openPostgresState(url, lease_duration, cleanup, options);
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
    watchdog: new KvStore(db, health),
    statusBoards: new SqliteStatusBoardStore(db, health),
    storageStatus: () => health.status(),
    location: `sqlite:${dataDir}`,
  };
}

async function openPostgresState(url: string, leaseDuration: number, cleanup: CleanupStack, options: StateOptions): Promise<State> {
  const db = await PostgresDatabase.open({ url, health: new StorageHealth(options.onStorageError) });
  cleanup.defer('postgresql pool', () => db.close());
  // Until this replica leads, only the writes every replica makes go through.
  db.fence('standby');
  const outbox = new PostgresOutboxStore(db);
  return {
    engine: new PostgresEngineStore(db, outbox),
    outbox,
    silenceTargets: new PostgresSilenceTargetStore(db),
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
