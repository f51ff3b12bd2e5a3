import type { Notification } from '../engine/notification.js';
import type { Acknowledgement, Incident, IncidentRepository, IncidentSummary, TrackedNotification } from '../incidents/ports.js';
import type { Db } from './database.js';
import type { OutboxStore } from './outbox-store.js';
import { commit, settle } from './settle.js';
import { StorageHealth } from './storage-health.js';

interface SummaryRow {
  ref: string;
  route: string;
  group_key: string;
  destination: string;
  group_labels: string;
  external_url: string;
  firing_since: number;
  acknowledgement: string | null;
  escalated_steps: number;
}

interface Row extends SummaryRow {
  notification: string;
}

const SUMMARY_COLUMNS = 'ref, route, group_key, destination, group_labels, external_url, firing_since, acknowledgement, escalated_steps';

const toSummary = (row: SummaryRow): IncidentSummary => ({
  ref: row.ref,
  route: row.route,
  groupKey: row.group_key,
  destination: row.destination,
  groupLabels: JSON.parse(row.group_labels) as Record<string, string>,
  externalUrl: row.external_url,
  firingSince: row.firing_since,
  acknowledgement: row.acknowledgement === null ? undefined : (JSON.parse(row.acknowledgement) as Acknowledgement),
  escalatedSteps: row.escalated_steps,
});

const toIncident = (row: Row): Incident => {
  const { groupLabels: _labels, externalUrl: _url, ...summary } = toSummary(row);
  return { ...summary, notification: JSON.parse(row.notification) as Notification };
};

/**
 * Incidents in SQLite. An acknowledgement and the edit that shows it, and an escalation step
 * and its ping, are each committed together with the outbox entry, in one transaction.
 */
export class IncidentStore implements IncidentRepository {
  private readonly statements;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    this.statements = {
      get: db.prepare<[string], Row>(`SELECT ${SUMMARY_COLUMNS}, notification FROM incidents WHERE ref = ?`),
      list: db.prepare<[], SummaryRow>(`SELECT ${SUMMARY_COLUMNS} FROM incidents ORDER BY firing_since, ref`),
      track: db.prepare(`
        INSERT INTO incidents (ref, route, group_key, destination, group_labels, external_url, notification, firing_since, updated_at)
        VALUES (@ref, @route, @groupKey, @destination, @groupLabels, @externalUrl, @notification, @now, @now)
        ON CONFLICT (ref) DO UPDATE SET destination = excluded.destination, group_labels = excluded.group_labels,
          external_url = excluded.external_url, notification = excluded.notification, updated_at = excluded.updated_at`),
      clear: db.prepare('DELETE FROM incidents WHERE ref = ?'),
      prune: db.prepare('DELETE FROM incidents WHERE updated_at < ? AND group_key NOT IN (SELECT group_key FROM groups)'),
      acknowledge: db.prepare('UPDATE incidents SET acknowledgement = ?, updated_at = ? WHERE ref = ?'),
      // An entry not being sent will be rendered later, and then shows the acknowledgement.
      waiting: db.prepare<[string, string], { id: number }>(
        "SELECT id FROM outbox WHERE destination = ? AND group_key = ? AND state = 'pending' AND attempt_started_at IS NULL LIMIT 1",
      ),
      claimStep: db.prepare<[number, number, string, number], { destination: string }>(`
        UPDATE incidents SET escalated_steps = ? + 1, updated_at = ?
        WHERE ref = ? AND escalated_steps = ? AND acknowledgement IS NULL
        RETURNING destination`),
    };
  }

  get(ref: string): Promise<Incident | undefined> {
    return settle(() => {
      const row = this.statements.get.get(ref);
      return row ? toIncident(row) : undefined;
    });
  }

  list(): Promise<IncidentSummary[]> {
    return settle(() => this.statements.list.all().map(toSummary));
  }

  async track(tracked: TrackedNotification, now: number): Promise<Incident> {
    const { notification } = tracked;
    await commit(this.health, () => {
      this.statements.track.run({
        ref: tracked.ref,
        route: tracked.route,
        groupKey: tracked.groupKey,
        destination: tracked.destination,
        groupLabels: JSON.stringify(notification.groupLabels),
        externalUrl: notification.externalUrl,
        notification: JSON.stringify(notification),
        now,
      });
    });
    const incident = await this.get(tracked.ref);
    if (!incident) throw new Error(`the incident ${tracked.ref} was not recorded`);
    return incident;
  }

  clear(ref: string): Promise<void> {
    return commit(this.health, () => {
      this.statements.clear.run(ref);
    });
  }

  /** Retention: incidents of groups that are gone (a route removed, a group that never resolved), untouched since `before`. */
  prune(before: number): Promise<void> {
    return commit(this.health, () => {
      this.statements.prune.run(before);
    });
  }

  async acknowledge(ref: string, acknowledgement: Acknowledgement, now: number): Promise<Incident | undefined> {
    let incident: Incident | undefined;
    await commit(this.health, () => {
      this.db.transaction(() => {
        this.statements.acknowledge.run(JSON.stringify(acknowledgement), now, ref);
        const row = this.statements.get.get(ref);
        if (!row) return;
        incident = toIncident(row);
        if (!this.statements.waiting.get(incident.destination, incident.groupKey)) {
          this.outbox.enqueueNow(incident.destination, 'edit', incident.notification, now);
        }
      })();
    });
    return incident;
  }

  async escalate(ref: string, step: number, ping: Notification, now: number): Promise<boolean> {
    let queued = false;
    await commit(this.health, () => {
      this.db.transaction(() => {
        const claimed = this.statements.claimStep.get(step, now, ref, step);
        if (!claimed) return;
        this.outbox.enqueueNow(claimed.destination, 'post', ping, now);
        queued = true;
      })();
    });
    return queued;
  }
}
