import type { WebhookPayload } from '../../alertmanager/webhook.js';
import type { QueuedWebhook, WebhookInbox } from '../../cluster/inbox.js';
import type { PostgresDatabase } from './database.js';

/** The inbox in PostgreSQL: any replica appends; the leader reads in commit order and removes. */
export class PostgresInboxStore implements WebhookInbox {
  constructor(private readonly db: PostgresDatabase) {}

  append(payload: WebhookPayload, now: number): Promise<void> {
    return this.db.write(
      async (sql) => {
        await sql.query('INSERT INTO inbox (payload, received_at) VALUES ($1, $2)', [JSON.stringify(payload), now]);
      },
      { fenced: false },
    );
  }

  oldest(limit: number): Promise<QueuedWebhook[]> {
    return this.db.read(async (sql) => {
      const { rows } = await sql.query<QueuedWebhook>('SELECT id, payload FROM inbox ORDER BY id LIMIT $1', [limit]);
      return rows;
    });
  }

  remove(ids: readonly number[]): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query('DELETE FROM inbox WHERE id = ANY($1::bigint[])', [ids]);
    });
  }
}
