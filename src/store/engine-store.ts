import type { EngineAlert } from '../engine/alert.js';
import type { NotificationLogEntry } from '../engine/dedup.js';
import type { Db } from './database.js';

export interface StoredGroup {
  groupKey: string;
  route: string;
  groupLabels: Record<string, string>;
  externalUrl: string;
  nextFlushAt: number;
  hasFlushed: boolean;
  alerts: Map<string, EngineAlert>;
}

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

/** Aggregation groups, their alerts and the notification log, in SQLite. Every call is synchronous. */
export class EngineStore {
  private readonly statements;

  constructor(readonly db: Db) {
    this.statements = {
      upsertGroup: db.prepare(`
        INSERT INTO groups (group_key, route, group_labels, external_url, next_flush_at, has_flushed)
        VALUES (@groupKey, @route, @groupLabels, @externalUrl, @nextFlushAt, @hasFlushed)
        ON CONFLICT (group_key) DO UPDATE SET
          external_url = excluded.external_url, next_flush_at = excluded.next_flush_at, has_flushed = excluded.has_flushed`),
      deleteGroup: db.prepare('DELETE FROM groups WHERE group_key = ?'),
      upsertAlert: db.prepare(`
        INSERT INTO alerts (group_key, fingerprint, labels, annotations, starts_at, ends_at, ends_at_is_timeout, generator_url, updated_at)
        VALUES (@groupKey, @fingerprint, @labels, @annotations, @startsAt, @endsAt, @endsAtIsTimeout, @generatorURL, @updatedAt)
        ON CONFLICT (group_key, fingerprint) DO UPDATE SET
          labels = excluded.labels, annotations = excluded.annotations, starts_at = excluded.starts_at,
          ends_at = excluded.ends_at, ends_at_is_timeout = excluded.ends_at_is_timeout,
          generator_url = excluded.generator_url, updated_at = excluded.updated_at`),
      deleteAlert: db.prepare('DELETE FROM alerts WHERE group_key = ? AND fingerprint = ?'),
      allGroups: db.prepare<[], GroupRow>('SELECT * FROM groups'),
      allAlerts: db.prepare<[], AlertRow>('SELECT * FROM alerts'),
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

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  loadGroups(): StoredGroup[] {
    const groups = new Map<string, StoredGroup>();
    for (const row of this.statements.allGroups.all()) {
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
    for (const row of this.statements.allAlerts.all()) groups.get(row.group_key)?.alerts.set(row.fingerprint, toAlert(row));
    return [...groups.values()];
  }

  saveGroup(group: Omit<StoredGroup, 'alerts'>): void {
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

  deleteGroup(groupKey: string): void {
    this.statements.deleteGroup.run(groupKey);
  }

  saveAlert(groupKey: string, alert: EngineAlert): void {
    this.statements.upsertAlert.run({
      groupKey,
      ...alert,
      labels: JSON.stringify(alert.labels),
      annotations: JSON.stringify(alert.annotations),
      endsAtIsTimeout: alert.endsAtIsTimeout ? 1 : 0,
    });
  }

  deleteAlert(groupKey: string, fingerprint: string): void {
    this.statements.deleteAlert.run(groupKey, fingerprint);
  }

  /** The last logged notification, unless it has expired. */
  lastNotification(groupKey: string, receiver: string, now: number): NotificationLogEntry | undefined {
    const row = this.statements.getLog.get(groupKey, receiver, now);
    if (!row) return undefined;
    return { firing: JSON.parse(row.firing) as string[], resolved: JSON.parse(row.resolved) as string[], at: row.sent_at };
  }

  logNotification(groupKey: string, receiver: string, entry: NotificationLogEntry, expiresAt: number): void {
    this.statements.putLog.run(groupKey, receiver, JSON.stringify(entry.firing), JSON.stringify(entry.resolved), entry.at, expiresAt);
  }

  expireNotificationLog(now: number): void {
    this.statements.expireLog.run(now);
  }
}
