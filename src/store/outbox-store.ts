import type { Notification } from '../engine/notification.js';
import type { Db } from './database.js';

/** post: a new Discord message (people get notified); edit: update the group's living message. */
export type OutboxKind = 'post' | 'edit';

export interface OutboxEntry {
  id: number;
  destination: string;
  groupKey: string;
  kind: OutboxKind;
  notification: Notification;
  attempts: number;
  nextAttemptAt: number;
}

interface OutboxRow {
  id: number;
  destination: string;
  group_key: string;
  kind: OutboxKind;
  notification: string;
  attempts: number;
  next_attempt_at: number;
}

const toEntry = (row: OutboxRow): OutboxEntry => ({
  id: row.id,
  destination: row.destination,
  groupKey: row.group_key,
  kind: row.kind,
  notification: JSON.parse(row.notification) as Notification,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
});

/**
 * Messages waiting for Discord, and the id of each group's living message. Rows leave the outbox
 * only in the transaction that records their delivery, so nothing accepted is lost on a crash.
 */
export class OutboxStore {
  private readonly statements;
  /** Entries handed to Discord and not yet settled; in memory, since a restart settles nothing. */
  private readonly inFlight = new Set<number>();

  constructor(private readonly db: Db) {
    this.statements = {
      insert: db.prepare(`
        INSERT INTO outbox (destination, group_key, kind, notification, created_at, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      pendingForGroup: db.prepare<[string, string], OutboxRow>(
        "SELECT * FROM outbox WHERE destination = ? AND group_key = ? AND state = 'pending' ORDER BY id",
      ),
      replace: db.prepare('UPDATE outbox SET kind = ?, notification = ? WHERE id = ?'),
      head: db.prepare<[string], OutboxRow>("SELECT * FROM outbox WHERE destination = ? AND state = 'pending' ORDER BY id LIMIT 1"),
      remove: db.prepare('DELETE FROM outbox WHERE id = ?'),
      reschedule: db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?'),
      bury: db.prepare("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?"),
      depth: db.prepare<[], { destination: string; state: string; count: number }>(
        'SELECT destination, state, COUNT(*) AS count FROM outbox GROUP BY destination, state',
      ),
      getMessage: db.prepare<[string, string], { message_id: string }>(
        'SELECT message_id FROM group_messages WHERE destination = ? AND group_key = ?',
      ),
      putMessage: db.prepare(`
        INSERT INTO group_messages (destination, group_key, message_id, posted_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (destination, group_key) DO UPDATE SET message_id = excluded.message_id, posted_at = excluded.posted_at`),
      expireMessages: db.prepare('DELETE FROM group_messages WHERE posted_at < ?'),
    };
  }

  /**
   * Queues a notification. While an earlier one for the same group still waits (and is not being
   * sent right now), the two become one carrying the newer state: under a rate limit, people see
   * the group's current state sooner and in fewer messages. A post stays a post.
   */
  enqueue(destination: string, kind: OutboxKind, notification: Notification, now: number): void {
    const waiting = this.statements.pendingForGroup
      .all(destination, notification.groupKey)
      .filter((row) => !this.inFlight.has(row.id))
      .at(-1);
    const json = JSON.stringify(notification);
    if (waiting) {
      this.statements.replace.run(waiting.kind === 'post' ? 'post' : kind, json, waiting.id);
      return;
    }
    this.statements.insert.run(destination, notification.groupKey, kind, json, now, now);
  }

  /** The oldest waiting entry of a destination: delivered in order, one at a time. */
  head(destination: string): OutboxEntry | undefined {
    const row = this.statements.head.get(destination);
    return row ? toEntry(row) : undefined;
  }

  /** Marks an entry as being sent: from now until it settles, nothing merges into it. */
  sending(entry: OutboxEntry): void {
    this.inFlight.add(entry.id);
  }

  /** Records a delivery: the entry leaves the outbox and a post becomes the group's living message. */
  delivered(entry: OutboxEntry, messageId: string | undefined, now: number): void {
    this.db.transaction(() => {
      this.statements.remove.run(entry.id);
      if (messageId) this.statements.putMessage.run(entry.destination, entry.groupKey, messageId, now);
    })();
    this.inFlight.delete(entry.id);
  }

  retryLater(entry: OutboxEntry, at: number, error: string): void {
    this.statements.reschedule.run(at, error, entry.id);
    this.inFlight.delete(entry.id);
  }

  /** Discord refused this message for good; keep it for the operator and move on. */
  bury(entry: OutboxEntry, error: string): void {
    this.statements.bury.run(error, entry.id);
    this.inFlight.delete(entry.id);
  }

  /** A send that was cut short (shutdown) leaves the entry as it was. */
  abandoned(entry: OutboxEntry): void {
    this.inFlight.delete(entry.id);
  }

  livingMessage(destination: string, groupKey: string): string | undefined {
    return this.statements.getMessage.get(destination, groupKey)?.message_id;
  }

  /** Waiting entries per destination, for metrics. */
  depth(): Array<{ destination: string; state: string; count: number }> {
    return this.statements.depth.all();
  }

  forgetMessagesBefore(at: number): void {
    this.statements.expireMessages.run(at);
  }
}
