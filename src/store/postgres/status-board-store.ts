import type { StatusBoardStore } from '../../delivery/status-board.js';
import type { PostgresDatabase } from './database.js';

/** The status board's message per channel, in PostgreSQL; written by the leader only. */
export class PostgresStatusBoardStore implements StatusBoardStore {
  constructor(private readonly db: PostgresDatabase) {}

  messageId(channelId: string): Promise<string | undefined> {
    return this.db.read(async (sql) => {
      const row = (await sql.query<{ message_id: string }>('SELECT message_id FROM status_boards WHERE channel_id = $1', [channelId])).rows[0];
      return row?.message_id;
    });
  }

  save(channelId: string, messageId: string, now: number): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query(
        `INSERT INTO status_boards (channel_id, message_id, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (channel_id) DO UPDATE SET message_id = excluded.message_id, updated_at = excluded.updated_at`,
        [channelId, messageId, now],
      );
    });
  }
}
