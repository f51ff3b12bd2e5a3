import { coalesce } from '../delivery/coalesce.js';
import type { Outbox, OutboxDepth, OutboxEntry, OutboxKind } from '../delivery/ports.js';
import type { Notification } from '../engine/notification.js';
import type { Db } from './database.js';
import { commit, settle } from './settle.js';
import { StorageHealth } from './storage-health.js';

interface OutboxRow {
  id: number;
  destination: string;
  group_key: string;
  kind: OutboxKind;
  notification: string;
  attempts: number;
  next_attempt_at: number;
  attempt_started_at: number | null;
}

const toEntry = (row: OutboxRow): OutboxEntry => ({
  id: row.id,
  destination: row.destination,
  groupKey: row.group_key,
  kind: row.kind,
  notification: JSON.parse(row.notification) as Notification,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  attemptStartedAt: row.attempt_started_at ?? undefined,
});

/**
 * Delivery's outbox in SQLite: messages waiting for Discord, and the id of each group's living
 * message. Rows leave the outbox only in the transaction that records their delivery, so nothing
 * accepted is lost on a crash. The calls are synchronous underneath; the port's promises settle
 * at once.
 */
export class OutboxStore implements Outbox {
  private readonly statements;
  /** Entries handed to Discord and not yet settled; in memory, since a restart settles nothing. */
  private readonly inFlight = new Set<number>();

  constructor(
    private readonly db: Db,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    this.statements = {
      insert: db.prepare(`
        INSERT INTO outbox (destination, group_key, kind, notification, created_at, next_attempt_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      pendingForGroup: db.prepare<[string, string], OutboxRow>(
        "SELECT * FROM outbox WHERE destination = ? AND group_key = ? AND state = 'pending' ORDER BY id",
      ),
      replace: db.prepare('UPDATE outbox SET kind = ?, notification = ? WHERE id = ?'),
      head: db.prepare<[string], OutboxRow>("SELECT * FROM outbox WHERE destination = ? AND state = 'pending' ORDER BY id LIMIT 1"),
      waiting: db.prepare<[string], OutboxRow>("SELECT * FROM outbox WHERE destination = ? AND state = 'pending' ORDER BY id"),
      remove: db.prepare('DELETE FROM outbox WHERE id = ?'),
      begin: db.prepare('UPDATE outbox SET attempt_started_at = ? WHERE id = ?'),
      current: db.prepare<[number], Pick<OutboxRow, 'kind' | 'notification'>>('SELECT kind, notification FROM outbox WHERE id = ?'),
      reschedule: db.prepare('UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, attempt_started_at = NULL WHERE id = ?'),
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
      pruneMessages: db.prepare(`
        DELETE FROM group_messages WHERE posted_at < ?
          AND group_key NOT IN (SELECT group_key FROM groups)
          AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.destination = group_messages.destination
                            AND outbox.group_key = group_messages.group_key AND outbox.state = 'pending')`),
      pruneDead: db.prepare("DELETE FROM outbox WHERE state = 'dead' AND created_at < ?"),
    };
  }

  /**
   * Queues a notification. While an earlier one for the same group still waits (and is not being
   * sent right now), the two become one (delivery/coalesce.ts).
   */
  enqueue(destination: string, kind: OutboxKind, notification: Notification, now: number): Promise<void> {
    return commit(this.health, () => this.enqueueNow(destination, kind, notification, now));
  }

  /** enqueue() inside a caller's transaction (the engine's flush). */
  enqueueNow(destination: string, kind: OutboxKind, notification: Notification, now: number): void {
    const waiting = this.statements.pendingForGroup
      .all(destination, notification.groupKey)
      .filter((row) => !this.inFlight.has(row.id))
      .at(-1);
    if (waiting) {
      const merged = coalesce({ kind: waiting.kind, notification: JSON.parse(waiting.notification) as Notification }, { kind, notification });
      this.statements.replace.run(merged.kind, JSON.stringify(merged.notification), waiting.id);
      return;
    }
    this.statements.insert.run(destination, notification.groupKey, kind, JSON.stringify(notification), now, now);
  }

  head(destination: string): Promise<OutboxEntry | undefined> {
    return settle(() => {
      const row = this.statements.head.get(destination);
      return row ? toEntry(row) : undefined;
    });
  }

  waiting(destination: string): Promise<OutboxEntry[]> {
    return settle(() => this.statements.waiting.all(destination).map(toEntry));
  }

  sending(entry: OutboxEntry, now: number): Promise<void> {
    return commit(this.health, () => {
      this.statements.begin.run(now, entry.id);
      this.inFlight.add(entry.id);
      // A flush may have merged into the entry since head() read it: what is sent is what is queued now.
      const current = this.statements.current.get(entry.id);
      if (current) Object.assign(entry, { kind: current.kind, notification: JSON.parse(current.notification) as Notification });
    });
  }

  delivered(entry: OutboxEntry, messageId: string | undefined, now: number): Promise<void> {
    return commit(this.health, () => {
      this.db.transaction(() => {
        this.statements.remove.run(entry.id);
        if (messageId) this.statements.putMessage.run(entry.destination, entry.groupKey, messageId, now);
      })();
      this.inFlight.delete(entry.id);
    });
  }

  retryLater(entry: OutboxEntry, at: number, error: string): Promise<void> {
    return commit(this.health, () => {
      this.statements.reschedule.run(at, error, entry.id);
      this.inFlight.delete(entry.id);
    });
  }

  bury(entry: OutboxEntry, error: string): Promise<void> {
    return commit(this.health, () => {
      this.statements.bury.run(error, entry.id);
      this.inFlight.delete(entry.id);
    });
  }

  abandoned(entry: OutboxEntry): void {
    this.inFlight.delete(entry.id);
  }

  livingMessage(destination: string, groupKey: string): Promise<string | undefined> {
    return settle(() => this.statements.getMessage.get(destination, groupKey)?.message_id);
  }

  depth(): Promise<OutboxDepth[]> {
    return settle(() => this.statements.depth.all());
  }

  /**
   * Retention: a living message id is forgotten once its group is gone, nothing for it waits, and
   * it was posted before `messagesBefore`; a dead entry once it was queued before `deadBefore`.
   */
  prune(messagesBefore: number, deadBefore: number): Promise<void> {
    return commit(this.health, () => {
      this.statements.pruneMessages.run(messagesBefore);
      this.statements.pruneDead.run(deadBefore);
    });
  }
}
