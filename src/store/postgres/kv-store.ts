import type { StateStore } from '../../watchdog/dead-mans-switch.js';
import type { PostgresDatabase } from './database.js';

/** Small pieces of state that must survive a restart, stored as JSON under a key. */
export class PostgresKvStore implements StateStore {
  constructor(private readonly db: PostgresDatabase) {}

  get<T>(key: string): Promise<T | undefined> {
    return this.db.read(async (sql) => {
      const row = (await sql.query<{ value: T }>('SELECT value FROM kv WHERE key = $1', [key])).rows[0];
      return row?.value;
    });
  }

  put(key: string, value: unknown): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query('INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, JSON.stringify(value)]);
    });
  }
}
