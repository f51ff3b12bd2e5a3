import type { EngineAlert } from '../engine/alert.js';
import type { NotificationLogEntry } from '../engine/dedup.js';
import type { EngineRepository, FlushChanges, GroupState, IngestChanges, StoredGroup } from '../engine/ports.js';
import { outboxKindFor } from '../delivery/ports.js';
import type { Db } from './database.js';
import type { OutboxStore } from './outbox-store.js';
import { commit, settle } from './settle.js';
import { StorageHealth } from './storage-health.js';
import { WalSync } from './wal-sync.js';

interface GroupRow {
  group_key: string;
  route: string;
  group_labels: string;
  external_url: string;
  next_flush_at: number;
  has_flushed: number;
}

interface AlertRow {
  group_key: string;
  fingerprint: string;
  labels: string;
  annotations: string;
  starts_at: number;
  ends_at: number;
  ends_at_is_timeout: number;
  generator_url: string;
  updated_at: number;
}

const toAlert = (row: AlertRow): EngineAlert => ({
  fingerprint: row.fingerprint,
  labels: JSON.parse(row.labels) as Record<string, string>,
  annotations: JSON.parse(row.annotations) as Record<string, string>,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  endsAtIsTimeout: row.ends_at_is_timeout === 1,
  generatorURL: row.generator_url,
  updatedAt: row.updated_at,
});

/**
 * The engine's storage in SQLite: aggregation groups, their alerts and the notification log. A
 * flush's notification goes into the outbox in the same transaction as its log entry, so a
 * notification is neither lost nor sent twice when the process dies between the two.
 */
export class EngineStore implements EngineRepository {
  private readonly statements;
  private readonly walSync;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    this.walSync = new WalSync(db);
    this.statements = {
      upsertGroup: db.prepare(`
        INSERT INTO groups (group_key, route, group_labels, external_url, next_flush_at, has_flushed)
        VALUES (@groupKey, @route, @groupLabels, @externalUrl, @nextFlushAt, @hasFlushed)
        ON CONFLICT (group_key) DO UPDATE SET
          external_url = excluded.external_url, next_flush_at = excluded.next_flush_at, has_flushed = excluded.has_flushed`),
      deleteGroup: db.prepare('DELETE FROM groups WHERE group_key = ?'),
      upsertAlert: db.prepare(`
        INSERT INTO alerts (group_key, fingerprint, labels, annotations, starts_at, ends_at, ends_at_is_timeout, generator_url, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (group_key, fingerprint) DO UPDATE SET
          labels = excluded.labels, annotations = excluded.annotations, starts_at = excluded.starts_at,
          ends_at = excluded.ends_at, ends_at_is_timeout = excluded.ends_at_is_timeout,
          generator_url = excluded.generator_url, updated_at = excluded.updated_at`),
      deleteAlert: db.prepare('DELETE FROM alerts WHERE group_key = ? AND fingerprint = ?'),
      groupsOf: db.prepare<[string], GroupRow>('SELECT * FROM groups WHERE route = ?'),
      alertsOf: db.prepare<[string], AlertRow>('SELECT alerts.* FROM alerts JOIN groups USING (group_key) WHERE groups.route = ?'),
      getLog: db.prepare<[string, string, number], { firing: string; resolved: string; sent_at: number }>(
        'SELECT firing, resolved, sent_at FROM notification_log WHERE group_key = ? AND receiver = ? AND expires_at > ?',
      ),
      putLog: db.prepare(`
        INSERT INTO notification_log (group_key, receiver, firing, resolved, sent_at, expires_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (group_key, receiver) DO UPDATE SET
          firing = excluded.firing, resolved = excluded.resolved, sent_at = excluded.sent_at, expires_at = excluded.expires_at`),
      expireLog: db.prepare('DELETE FROM notification_log WHERE expires_at <= ?'),
    };
  }

  loadGroups(route: string): Promise<StoredGroup[]> {
    return settle(() => this.groupsOf(route));
  }

  private groupsOf(route: string): StoredGroup[] {
    const groups = new Map<string, StoredGroup>();
    for (const row of this.statements.groupsOf.all(route)) {
      groups.set(row.group_key, {
        groupKey: row.group_key,
        route: row.route,
        groupLabels: JSON.parse(row.group_labels) as Record<string, string>,
        externalUrl: row.external_url,
        nextFlushAt: row.next_flush_at,
        hasFlushed: row.has_flushed === 1,
        alerts: new Map(),
      });
    }
    for (const row of this.statements.alertsOf.all(route)) groups.get(row.group_key)?.alerts.set(row.fingerprint, toAlert(row));
    return [...groups.values()];
  }

  /** Resolves once the webhooks' alerts are on disk; the fsync runs while the next ones are read (wal-sync.ts). */
  saveIngest(changes: IngestChanges): Promise<void> {
    return commit(this.health, async () => {
      await settle(() =>
        this.walSync.withoutSync(() =>
          this.db.transaction(() => {
            // A group's row must exist before its alerts' rows refer to it.
            for (const group of changes.groups) this.saveGroup(group);
            for (const { groupKey, alert } of changes.alerts) this.saveAlert(groupKey, alert);
          })(),
        ),
      );
      await this.walSync.durable();
    });
  }

  saveFlush(changes: FlushChanges): Promise<void> {
    return this.inTransaction(() => {
      const { group, sent } = changes;
      if (sent?.notification) this.outbox.enqueueNow(sent.notification.receiver, outboxKindFor(sent.notification), sent.notification, sent.log.at);
      if (sent) this.logNotification(group.groupKey, sent.receiver, sent.log, sent.logExpiresAt);
      for (const fingerprint of changes.removedAlerts) this.statements.deleteAlert.run(group.groupKey, fingerprint);
      this.saveGroup(group);
    });
  }

  removeGroups(groupKeys: readonly string[], now: number): Promise<void> {
    return this.inTransaction(() => {
      for (const groupKey of groupKeys) this.statements.deleteGroup.run(groupKey);
      this.statements.expireLog.run(now);
    });
  }

  lastNotification(groupKey: string, receiver: string, now: number): Promise<NotificationLogEntry | undefined> {
    return settle(() => {
      const row = this.statements.getLog.get(groupKey, receiver, now);
      return row ? { firing: JSON.parse(row.firing) as string[], resolved: JSON.parse(row.resolved) as string[], at: row.sent_at } : undefined;
    });
  }

  /** Runs synchronous writes as one transaction; a failure rejects and changes nothing. */
  private inTransaction(work: () => void): Promise<void> {
    return commit(this.health, () => this.db.transaction(work)());
  }

  private saveGroup(group: GroupState): void {
    const { groupKey, route, externalUrl, nextFlushAt } = group;
    this.statements.upsertGroup.run({
      groupKey,
      route,
      externalUrl,
      nextFlushAt,
      groupLabels: JSON.stringify(group.groupLabels),
      hasFlushed: group.hasFlushed ? 1 : 0,
    });
  }

  private saveAlert(groupKey: string, alert: EngineAlert): void {
    // Positional parameters: no object made per alert only to be taken apart by name.
    this.statements.upsertAlert.run(
      groupKey,
      alert.fingerprint,
      JSON.stringify(alert.labels),
      JSON.stringify(alert.annotations),
      alert.startsAt,
      alert.endsAt,
      alert.endsAtIsTimeout ? 1 : 0,
      alert.generatorURL,
      alert.updatedAt,
    );
  }

  private logNotification(groupKey: string, receiver: string, entry: NotificationLogEntry, expiresAt: number): void {
    this.statements.putLog.run(groupKey, receiver, JSON.stringify(entry.firing), JSON.stringify(entry.resolved), entry.at, expiresAt);
  }
}
