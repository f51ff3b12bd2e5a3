import { coalesce } from '../../delivery/coalesce.js';
import type { Outbox, OutboxDepth, OutboxEntry, OutboxKind } from '../../delivery/ports.js';
import type { Notification } from '../../engine/notification.js';
import type { PostgresDatabase, Sql } from './database.js';

interface OutboxRow {
  id: number;
  destination: string;
  group_key: string;
  kind: OutboxKind;
  notification: Notification;
  attempts: number;
  next_attempt_at: number;
  attempt_started_at: number | null;
}

const toEntry = (row: OutboxRow): OutboxEntry => ({
  id: row.id,
  destination: row.destination,
  groupKey: row.group_key,
  kind: row.kind,
  notification: row.notification,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  attemptStartedAt: row.attempt_started_at ?? undefined,
});

const COLUMNS = 'id, destination, group_key, kind, notification, attempts, next_attempt_at, attempt_started_at';

/**
 * Delivery's outbox in PostgreSQL: the same rules as the SQLite one (store/outbox-store.ts).
 * Rows leave only in the transaction that records their delivery. Merging a notification into a
 * waiting row locks that row, and so does marking a row as being sent, so the two never cross:
 * whichever comes second sees what the first committed.
 */
export class PostgresOutboxStore implements Outbox {
  /** Entries handed to Discord and not yet settled; in memory, since a restart settles nothing. */
  private readonly inFlight = new Set<number>();

  constructor(private readonly db: PostgresDatabase) {}

  enqueue(destination: string, kind: OutboxKind, notification: Notification, now: number): Promise<void> {
    return this.db.write((sql) => this.enqueueIn(sql, destination, kind, notification, now));
  }

  /** enqueue() inside a caller's transaction (the engine's flush). */
  async enqueueIn(sql: Sql, destination: string, kind: OutboxKind, notification: Notification, now: number): Promise<void> {
    const { rows } = await sql.query<{ id: number; kind: OutboxKind; notification: Notification }>(
      "SELECT id, kind, notification FROM outbox WHERE destination = $1 AND group_key = $2 AND state = 'pending' ORDER BY id FOR UPDATE",
      [destination, notification.groupKey],
    );
    const waiting = rows.filter((row) => !this.inFlight.has(row.id)).at(-1);
    if (waiting) {
      const merged = coalesce(waiting, { kind, notification });
      await sql.query('UPDATE outbox SET kind = $1, notification = $2 WHERE id = $3', [merged.kind, JSON.stringify(merged.notification), waiting.id]);
      return;
    }
    const json = JSON.stringify(notification);
    await sql.query('INSERT INTO outbox (destination, group_key, kind, notification, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $5)', [
      destination,
      notification.groupKey,
      kind,
      json,
      now,
    ]);
  }

  head(destination: string): Promise<OutboxEntry | undefined> {
    return this.db.read(async (sql) => {
      const { rows } = await sql.query<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE destination = $1 AND state = 'pending' ORDER BY id LIMIT 1`, [destination]);
      return rows[0] ? toEntry(rows[0]) : undefined;
    });
  }

  waiting(destination: string): Promise<OutboxEntry[]> {
    return this.db.read(async (sql) => {
      const { rows } = await sql.query<OutboxRow>(`SELECT ${COLUMNS} FROM outbox WHERE destination = $1 AND state = 'pending' ORDER BY id`, [destination]);
      return rows.map(toEntry);
    });
  }

  async sending(entry: OutboxEntry, now: number): Promise<void> {
    // Taken before the row is marked: an enqueue that looks from now on leaves it alone, and one
    // that already holds the row's lock commits first, so the row read back below includes it.
    this.inFlight.add(entry.id);
    try {
      await this.db.write(async (sql) => {
        const { rows } = await sql.query<Pick<OutboxRow, 'kind' | 'notification'>>(
          'UPDATE outbox SET attempt_started_at = $1 WHERE id = $2 RETURNING kind, notification',
          [now, entry.id],
        );
        const current = rows[0];
        if (current) Object.assign(entry, { kind: current.kind, notification: current.notification });
      });
    } catch (error) {
      this.inFlight.delete(entry.id);
      throw error;
    }
  }

  async delivered(entry: OutboxEntry, messageId: string | undefined, now: number): Promise<void> {
    await this.db.write(async (sql) => {
      await sql.query('DELETE FROM outbox WHERE id = $1', [entry.id]);
      if (messageId) {
        await sql.query(
          `INSERT INTO group_messages (destination, group_key, message_id, posted_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (destination, group_key) DO UPDATE SET message_id = excluded.message_id, posted_at = excluded.posted_at`,
          [entry.destination, entry.groupKey, messageId, now],
        );
      }
    });
    this.inFlight.delete(entry.id);
  }

  async retryLater(entry: OutboxEntry, at: number, error: string): Promise<void> {
    await this.db.write(async (sql) => {
      await sql.query('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, attempt_started_at = NULL WHERE id = $3', [at, error, entry.id]);
    });
    this.inFlight.delete(entry.id);
  }

  async bury(entry: OutboxEntry, error: string): Promise<void> {
    await this.db.write(async (sql) => {
      await sql.query("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = $1 WHERE id = $2", [error, entry.id]);
    });
    this.inFlight.delete(entry.id);
  }

  abandoned(entry: OutboxEntry): void {
    this.inFlight.delete(entry.id);
  }

  livingMessage(destination: string, groupKey: string): Promise<string | undefined> {
    return this.db.read(async (sql) => {
      const { rows } = await sql.query<{ message_id: string }>('SELECT message_id FROM group_messages WHERE destination = $1 AND group_key = $2', [destination, groupKey]);
      return rows[0]?.message_id;
    });
  }

  depth(): Promise<OutboxDepth[]> {
    return this.db.read(async (sql) => {
      const { rows } = await sql.query<OutboxDepth>('SELECT destination, state, count(*)::integer AS count FROM outbox GROUP BY destination, state ORDER BY destination, state');
      return rows;
    });
  }

  /** Retention, as in the SQLite outbox: forgotten living message ids, and dead entries queued before `deadBefore`. */
  prune(messagesBefore: number, deadBefore: number): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query(
        `DELETE FROM group_messages WHERE posted_at < $1
           AND group_key NOT IN (SELECT group_key FROM groups)
           AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.destination = group_messages.destination
                             AND outbox.group_key = group_messages.group_key AND outbox.state = 'pending')`,
        [messagesBefore],
      );
      await sql.query("DELETE FROM outbox WHERE state = 'dead' AND created_at < $1", [deadBefore]);
    });
  }
}
