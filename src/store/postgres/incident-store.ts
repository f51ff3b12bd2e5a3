import type { Notification } from '../../engine/notification.js';
import type { Acknowledgement, Incident, IncidentRepository, IncidentSummary, TrackedNotification } from '../../incidents/ports.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresOutboxStore } from './outbox-store.js';

interface SummaryRow {
  ref: string;
  route: string;
  group_key: string;
  destination: string;
  group_labels: Record<string, string>;
  external_url: string;
  firing_since: number;
  acknowledgement: Acknowledgement | null;
  escalated_steps: number;
}

interface Row extends SummaryRow {
  notification: Notification;
}

const SUMMARY_COLUMNS = 'ref, route, group_key, destination, group_labels, external_url, firing_since, acknowledgement, escalated_steps';

const toSummary = (row: SummaryRow): IncidentSummary => ({
  ref: row.ref,
  route: row.route,
  groupKey: row.group_key,
  destination: row.destination,
  groupLabels: row.group_labels,
  externalUrl: row.external_url,
  firingSince: row.firing_since,
  acknowledgement: row.acknowledgement ?? undefined,
  escalatedSteps: row.escalated_steps,
});

const toIncident = (row: Row): Incident => {
  const { groupLabels: _labels, externalUrl: _url, ...summary } = toSummary(row);
  return { ...summary, notification: row.notification };
};

/** Incidents in PostgreSQL: the same rules as the SQLite store (store/incident-store.ts). */
export class PostgresIncidentStore implements IncidentRepository {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly outbox: PostgresOutboxStore,
  ) {}

  get(ref: string): Promise<Incident | undefined> {
    return this.db.read(async (sql) => {
      const row = (await sql.query<Row>(`SELECT ${SUMMARY_COLUMNS}, notification FROM incidents WHERE ref = $1`, [ref])).rows[0];
      return row ? toIncident(row) : undefined;
    });
  }

  list(): Promise<IncidentSummary[]> {
    return this.db.read(async (sql) => (await sql.query<SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM incidents ORDER BY firing_since, ref`)).rows.map(toSummary));
  }

  async track(tracked: TrackedNotification, now: number): Promise<Incident> {
    const { notification } = tracked;
    let incident: Incident | undefined;
    await this.db.write(async (sql) => {
      const { rows } = await sql.query<Row>(
        `INSERT INTO incidents (ref, route, group_key, destination, group_labels, external_url, notification, firing_since, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (ref) DO UPDATE SET destination = excluded.destination, group_labels = excluded.group_labels,
           external_url = excluded.external_url, notification = excluded.notification, updated_at = excluded.updated_at
         RETURNING ${SUMMARY_COLUMNS}, notification`,
        [tracked.ref, tracked.route, tracked.groupKey, tracked.destination, JSON.stringify(notification.groupLabels), notification.externalUrl, JSON.stringify(notification), now],
      );
      incident = rows[0] && toIncident(rows[0]);
    });
    if (!incident) throw new Error(`the incident ${tracked.ref} was not recorded`);
    return incident;
  }

  clear(ref: string): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query('DELETE FROM incidents WHERE ref = $1', [ref]);
    });
  }

  /** Retention, as in the SQLite store: incidents of groups that are gone, untouched since `before`. */
  prune(before: number): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query('DELETE FROM incidents WHERE updated_at < $1 AND group_key NOT IN (SELECT group_key FROM groups)', [before]);
    });
  }

  async acknowledge(ref: string, acknowledgement: Acknowledgement, now: number): Promise<Incident | undefined> {
    let incident: Incident | undefined;
    await this.db.write(async (sql) => {
      incident = undefined;
      const { rows } = await sql.query<Row>(`UPDATE incidents SET acknowledgement = $1, updated_at = $2 WHERE ref = $3 RETURNING ${SUMMARY_COLUMNS}, notification`, [
        JSON.stringify(acknowledgement),
        now,
        ref,
      ]);
      const row = rows[0];
      if (!row) return;
      const found = toIncident(row);
      incident = found;
      // An entry not being sent will be rendered later, and then shows the acknowledgement.
      const waiting = await sql.query(
        "SELECT 1 FROM outbox WHERE destination = $1 AND group_key = $2 AND state = 'pending' AND attempt_started_at IS NULL LIMIT 1",
        [found.destination, found.groupKey],
      );
      if (waiting.rows.length === 0) await this.outbox.enqueueIn(sql, found.destination, 'edit', found.notification, now);
    });
    return incident;
  }

  async escalate(ref: string, step: number, ping: Notification, now: number): Promise<boolean> {
    let queued = false;
    await this.db.write(async (sql) => {
      queued = false;
      const { rows } = await sql.query<{ destination: string }>(
        `UPDATE incidents SET escalated_steps = $1 + 1, updated_at = $2
         WHERE ref = $3 AND escalated_steps = $1 AND acknowledgement IS NULL RETURNING destination`,
        [step, now, ref],
      );
      const claimed = rows[0];
      if (!claimed) return;
      await this.outbox.enqueueIn(sql, claimed.destination, 'post', ping, now);
      queued = true;
    });
    return queued;
  }
}
