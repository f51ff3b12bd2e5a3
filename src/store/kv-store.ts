import type { StateStore } from '../watchdog/dead-mans-switch.js';
import type { Db } from './database.js';
import { commit, settle } from './settle.js';
import { StorageHealth } from './storage-health.js';

/** Small pieces of state that must survive a restart, stored as JSON under a key. */
export class KvStore implements StateStore {
  private readonly statements;

  constructor(
    db: Db,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    this.statements = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?'),
      put: db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    };
  }

  get<T>(key: string): Promise<T | undefined> {
    return settle(() => {
      const row = this.statements.get.get(key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    });
  }

  put(key: string, value: unknown): Promise<void> {
    return commit(this.health, () => {
      this.statements.put.run(key, JSON.stringify(value));
    });
  }
}
