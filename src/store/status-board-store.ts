import type { StatusBoardStore } from '../delivery/status-board.js';
import type { Db } from './database.js';
import { commit, settle } from './settle.js';
import { StorageHealth } from './storage-health.js';

/** The status board's message per channel, in SQLite. */
export class SqliteStatusBoardStore implements StatusBoardStore {
  private readonly statements;

  constructor(
    db: Db,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    this.statements = {
      get: db.prepare<[string], { message_id: string }>('SELECT message_id FROM status_boards WHERE channel_id = ?'),
      put: db.prepare(`
        INSERT INTO status_boards (channel_id, message_id, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (channel_id) DO UPDATE SET message_id = excluded.message_id, updated_at = excluded.updated_at`),
    };
  }

  messageId(channelId: string): Promise<string | undefined> {
    return settle(() => this.statements.get.get(channelId)?.message_id);
  }

  save(channelId: string, messageId: string, now: number): Promise<void> {
    return commit(this.health, () => {
      this.statements.put.run(channelId, messageId, now);
    });
  }
}
