import type { Db } from './database.js';

/** Small pieces of state that must survive a restart, stored as JSON under a key. */
export class KvStore {
  private readonly get_;
  private readonly put_;

  constructor(db: Db) {
    this.get_ = db.prepare<[string], { value: string }>('SELECT value FROM kv WHERE key = ?');
    this.put_ = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get<T>(key: string): T | undefined {
    const row = this.get_.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  put(key: string, value: unknown): void {
    this.put_.run(key, JSON.stringify(value));
  }
}
