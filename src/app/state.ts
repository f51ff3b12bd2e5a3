import type { Config } from '../config/schema.js';
import type { SilenceTargetRepository } from '../delivery/silence-targets.js';
import type { Outbox } from '../delivery/ports.js';
import type { EngineRepository } from '../engine/ports.js';
import { openDatabase } from '../store/database.js';
import { EngineStore } from '../store/engine-store.js';
import { KvStore } from '../store/kv-store.js';
import { OutboxStore } from '../store/outbox-store.js';
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
}

/**
 * Opens the state under `data_dir` (SQLite, taking the directory's lock: one amcord per data
 * directory); closed, and the lock released, when the cleanup stack unwinds.
 */
export function openState(config: Config, cleanup: CleanupStack): State {
  const db = openDatabase(config.data_dir);
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
  };
}
