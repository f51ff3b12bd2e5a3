import type { EngineAlert } from '../../engine/alert.js';
import type { NotificationLogEntry } from '../../engine/dedup.js';
import type { EngineRepository, FlushChanges, GroupState, IngestChanges, StoredGroup } from '../../engine/ports.js';
import { outboxKindFor } from '../../delivery/ports.js';
import type { PostgresDatabase, Sql } from './database.js';
import type { PostgresOutboxStore } from './outbox-store.js';

interface GroupRow {
  group_key: string;
  route: string;
  group_labels: Record<string, string>;
  external_url: string;
  next_flush_at: number;
  has_flushed: boolean;
}

interface AlertRow {
  group_key: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: number;
  ends_at: number;
  ends_at_is_timeout: boolean;
  generator_url: string;
  updated_at: number;
}

const toAlert = (row: AlertRow): EngineAlert => ({
  fingerprint: row.fingerprint,
  labels: row.labels,
  annotations: row.annotations,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  endsAtIsTimeout: row.ends_at_is_timeout,
  generatorURL: row.generator_url,
  updatedAt: row.updated_at,
});

const UPSERT_GROUPS = `
  INSERT INTO groups (group_key, route, group_labels, external_url, next_flush_at, has_flushed)
  SELECT group_key, route, group_labels, external_url, next_flush_at, has_flushed
  FROM json_to_recordset($1::json) AS r(group_key text, route text, group_labels json, external_url text, next_flush_at bigint, has_flushed boolean)
  ON CONFLICT (group_key) DO UPDATE SET
    external_url = excluded.external_url, next_flush_at = excluded.next_flush_at, has_flushed = excluded.has_flushed`;

const UPSERT_ALERTS = `
  INSERT INTO alerts (group_key, fingerprint, labels, annotations, starts_at, ends_at, ends_at_is_timeout, generator_url, updated_at)
  SELECT group_key, fingerprint, labels, annotations, starts_at, ends_at, ends_at_is_timeout, generator_url, updated_at
  FROM json_to_recordset($1::json) AS r(group_key text, fingerprint text, labels json, annotations json, starts_at bigint,
                                        ends_at bigint, ends_at_is_timeout boolean, generator_url text, updated_at bigint)
  ON CONFLICT (group_key, fingerprint) DO UPDATE SET
    labels = excluded.labels, annotations = excluded.annotations, starts_at = excluded.starts_at,
    ends_at = excluded.ends_at, ends_at_is_timeout = excluded.ends_at_is_timeout,
    generator_url = excluded.generator_url, updated_at = excluded.updated_at`;

const groupRecord = (group: GroupState) => ({
  group_key: group.groupKey,
  route: group.route,
  group_labels: group.groupLabels,
  external_url: group.externalUrl,
  next_flush_at: group.nextFlushAt,
  has_flushed: group.hasFlushed,
});

/**
 * The engine's storage in PostgreSQL, with the SQLite store's guarantees (store/engine-store.ts):
 * a webhook's changes are one transaction, and so is a flush together with the notification it
 * hands to the outbox. A change set is written in a few statements whatever its size (rows go in
 * as one JSON array), so a large webhook costs a few round trips, not one per alert.
 */
export class PostgresEngineStore implements EngineRepository {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly outbox: PostgresOutboxStore,
  ) {}

  loadGroups(route: string): Promise<StoredGroup[]> {
    return this.db.read(async (sql) => {
      const groups = new Map<string, StoredGroup>();
      const { rows: groupRows } = await sql.query<GroupRow>('SELECT * FROM groups WHERE route = $1 ORDER BY group_key', [route]);
      for (const row of groupRows) {
        groups.set(row.group_key, {
          groupKey: row.group_key,
          route: row.route,
          groupLabels: row.group_labels,
          externalUrl: row.external_url,
          nextFlushAt: row.next_flush_at,
          hasFlushed: row.has_flushed,
          alerts: new Map(),
        });
      }
      const { rows: alertRows } = await sql.query<AlertRow>(
        'SELECT alerts.* FROM alerts JOIN groups USING (group_key) WHERE groups.route = $1 ORDER BY alerts.group_key, alerts.fingerprint',
        [route],
      );
      for (const row of alertRows) groups.get(row.group_key)?.alerts.set(row.fingerprint, toAlert(row));
      return [...groups.values()];
    });
  }

  saveIngest(changes: IngestChanges): Promise<void> {
    return this.db.write(async (sql) => {
      // A group's row must exist before its alerts' rows refer to it.
      await this.saveGroups(sql, changes.groups);
      // One row per alert: an alert that came twice in a webhook is written as it ended up.
      const alerts = new Map(changes.alerts.map((change) => [`${change.groupKey}\u0000${change.alert.fingerprint}`, change]));
      if (alerts.size === 0) return;
      const records = [...alerts.values()].map(({ groupKey, alert }) => ({
        group_key: groupKey,
        fingerprint: alert.fingerprint,
        labels: alert.labels,
        annotations: alert.annotations,
        starts_at: alert.startsAt,
        ends_at: alert.endsAt,
        ends_at_is_timeout: alert.endsAtIsTimeout,
        generator_url: alert.generatorURL,
        updated_at: alert.updatedAt,
      }));
      await sql.query(UPSERT_ALERTS, [JSON.stringify(records)]);
    });
  }

  saveFlush(changes: FlushChanges): Promise<void> {
    return this.db.write(async (sql) => {
      const { group, sent } = changes;
      if (sent?.notification) await this.outbox.enqueueIn(sql, sent.notification.receiver, outboxKindFor(sent.notification), sent.notification, sent.log.at);
      if (sent) await this.logNotification(sql, group.groupKey, sent.receiver, sent.log, sent.logExpiresAt);
      if (changes.removedAlerts.length > 0) {
        await sql.query('DELETE FROM alerts WHERE group_key = $1 AND fingerprint = ANY($2::text[])', [group.groupKey, changes.removedAlerts]);
      }
      await this.saveGroups(sql, [group]);
    });
  }

  removeGroups(groupKeys: readonly string[], now: number): Promise<void> {
    return this.db.write(async (sql) => {
      if (groupKeys.length > 0) await sql.query('DELETE FROM groups WHERE group_key = ANY($1::text[])', [groupKeys]);
      await sql.query('DELETE FROM notification_log WHERE expires_at <= $1', [now]);
    });
  }

  lastNotification(groupKey: string, receiver: string, now: number): Promise<NotificationLogEntry | undefined> {
    return this.db.read(async (sql) => {
      const { rows } = await sql.query<{ firing: string[]; resolved: string[]; sent_at: number }>(
        'SELECT firing, resolved, sent_at FROM notification_log WHERE group_key = $1 AND receiver = $2 AND expires_at > $3',
        [groupKey, receiver, now],
      );
      const row = rows[0];
      return row ? { firing: row.firing, resolved: row.resolved, at: row.sent_at } : undefined;
    });
  }

  private async saveGroups(sql: Sql, groups: readonly GroupState[]): Promise<void> {
    if (groups.length === 0) return;
    await sql.query(UPSERT_GROUPS, [JSON.stringify(groups.map(groupRecord))]);
  }

  private async logNotification(sql: Sql, groupKey: string, receiver: string, entry: NotificationLogEntry, expiresAt: number): Promise<void> {
    await sql.query(
      `INSERT INTO notification_log (group_key, receiver, firing, resolved, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (group_key, receiver) DO UPDATE SET
         firing = excluded.firing, resolved = excluded.resolved, sent_at = excluded.sent_at, expires_at = excluded.expires_at`,
      [groupKey, receiver, JSON.stringify(entry.firing), JSON.stringify(entry.resolved), entry.at, expiresAt],
    );
  }
}
