import type { Logger } from '../log/logger.js';
import type { EngineStore, StoredGroup } from '../store/engine-store.js';
import type { Clock } from '../util/sleep.js';
import { acceptAlert, isResolvedAt, mergeAlert, type EngineAlert, type IncomingAlert } from './alert.js';
import { notifyReason } from './dedup.js';
import { groupKeyOf, groupLabelsOf, type GroupBy } from './group-key.js';
import type { Notification } from './notification.js';

export interface GroupingOptions {
  groupBy: GroupBy;
  groupWaitMs: number;
  groupIntervalMs: number;
  repeatIntervalMs: number;
  sendResolved: boolean;
  /** A firing alert not reported again within this time counts as resolved. */
  resolveTimeoutMs: number;
}

export interface DispatcherOptions {
  store: EngineStore;
  clock: Clock;
  logger: Logger;
  /** Names the route in group keys and the receiver in the notification log. */
  route: string;
  receiver: string;
  grouping: GroupingOptions;
  /**
   * Takes a notification inside the flush's transaction (amcord writes it to the outbox). If it
   * throws, the flush is rolled back and the next tick tries again, as a failed send does.
   */
  sink: (notification: Notification) => void;
}

/** How often empty groups are removed and old log entries dropped; Alertmanager's fixed 30 s. */
export const MAINTENANCE_INTERVAL_MS = 30_000;
/** A timer this late (at most one group_interval) is event-loop lag; later, the process was not running. */
const MAX_TIMER_LAG_MS = 1_000;
/** setTimeout fires at once beyond this; a longer wait is re-armed when it ends. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Aggregation groups with Alertmanager's timers and dedup. Everything happens synchronously
 * inside SQLite transactions, so what was accepted is on disk before ingest() returns, and a
 * flush's notification and log entry are written together or not at all.
 */
export class Dispatcher {
  private readonly groups = new Map<string, StoredGroup>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private maintenance: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly options: DispatcherOptions) {
    this.log = options.logger.child({ module: 'dispatcher' });
  }

  /** Loads the groups a previous run left and starts their timers; overdue ones flush at once. */
  start(): void {
    for (const group of this.options.store.loadGroups()) {
      // Several dispatchers (one per route) share the store; each takes back its own groups.
      if (group.route === this.options.route) this.groups.set(group.groupKey, group);
    }
    this.maintenance = setInterval(() => this.runMaintenance(), MAINTENANCE_INTERVAL_MS);
    this.maintenance.unref();
    this.log.info({ groups: this.groups.size }, 'dispatcher started');
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.maintenance);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  get groupCount(): number {
    return this.groups.size;
  }

  /** Groups as they stand, for display and for tests. */
  snapshot(): ReadonlyArray<Readonly<StoredGroup>> {
    return [...this.groups.values()];
  }

  /** Accepts alerts durably: when this returns they are committed. */
  ingest(alerts: readonly IncomingAlert[], externalUrl: string): void {
    const { store, clock, grouping, route } = this.options;
    const now = clock.now();
    // Each group's row is written once per webhook, however many of its alerts the webhook carries.
    const touched = new Set<StoredGroup>();
    store.transaction(() => {
      for (const incoming of alerts) {
        const alert = acceptAlert(incoming, now, grouping.resolveTimeoutMs);
        const groupLabels = groupLabelsOf(alert.labels, grouping.groupBy);
        const groupKey = groupKeyOf(route, groupLabels);
        let group = this.groups.get(groupKey);
        if (!group) {
          group = { groupKey, route, groupLabels, externalUrl, nextFlushAt: now + grouping.groupWaitMs, hasFlushed: false, alerts: new Map() };
          this.groups.set(groupKey, group);
          // Its row must exist before its alerts' rows refer to it.
          store.saveGroup(group);
        }
        group.externalUrl = externalUrl || group.externalUrl;
        const known = group.alerts.get(alert.fingerprint);
        const merged = known ? mergeAlert(known, alert) : alert;
        group.alerts.set(alert.fingerprint, merged);
        // An alert that started long enough ago need not wait: flush now (Alertmanager's rule).
        if (!group.hasFlushed && merged.startsAt + grouping.groupWaitMs < now) group.nextFlushAt = Math.min(group.nextFlushAt, now);
        touched.add(group);
        store.saveAlert(groupKey, merged);
      }
      for (const group of touched) store.saveGroup(group);
    });
    this.schedule();
  }

  /** Flushes every group whose timer is due. Exposed so tests can drive time explicitly. */
  tick(): void {
    const now = this.options.clock.now();
    const { groupIntervalMs } = this.options.grouping;
    const due = [...this.groups.values()].filter((group) => group.nextFlushAt <= now).sort((a, b) => a.nextFlushAt - b.nextFlushAt);
    for (const group of due) {
      // A timer that fires a little late still ticks at its due time. Alertmanager's log time is
      // after its send, which outlasts its timer lag; so when repeat_interval is a multiple of
      // group_interval the repeat comes one tick after the multiple, never at it by chance of lag.
      const lag = now - group.nextFlushAt;
      const at = lag < Math.min(MAX_TIMER_LAG_MS, groupIntervalMs) ? group.nextFlushAt : now;
      // Re-armed before the flush, as Alertmanager does: a failed flush is retried at the next
      // tick, not at once, and the group counts as flushed either way.
      group.nextFlushAt = at + groupIntervalMs;
      group.hasFlushed = true;
      try {
        this.flush(group, at);
      } catch (error) {
        this.log.error({ err: error, groupKey: group.groupKey }, 'flush failed; the next tick tries again');
      }
    }
    this.schedule();
  }

  private flush(group: StoredGroup, now: number): void {
    const { store, grouping, receiver } = this.options;
    if (group.alerts.size === 0) return;
    const alerts = [...group.alerts.values()].sort(compareAlerts);
    const firing = alerts.filter((alert) => !isResolvedAt(alert, now));
    const resolved = alerts.filter((alert) => isResolvedAt(alert, now));
    const firingSet = new Set(firing.map((alert) => alert.fingerprint));
    const resolvedSet = new Set(resolved.map((alert) => alert.fingerprint));
    store.transaction(() => {
      const entry = store.lastNotification(group.groupKey, receiver, now);
      const reason = notifyReason(entry, firingSet, resolvedSet, now, grouping.repeatIntervalMs, grouping.sendResolved);
      if (reason) {
        const sentResolved = grouping.sendResolved ? resolved : [];
        // Without send_resolved a flush of only resolved alerts is done without sending anything.
        if (firing.length > 0 || sentResolved.length > 0) {
          const before = new Set(entry?.firing ?? []);
          this.options.sink({
            route: this.options.route,
            groupKey: group.groupKey,
            receiver,
            groupLabels: group.groupLabels,
            externalUrl: group.externalUrl,
            at: now,
            firing,
            resolved: sentResolved,
            newlyFiring: [...firingSet].filter((fingerprint) => !before.has(fingerprint)),
            reason,
          });
        }
        const entryAfter = { firing: [...firingSet], resolved: [...resolvedSet], at: now };
        store.logNotification(group.groupKey, receiver, entryAfter, now + 2 * grouping.repeatIntervalMs);
      }
      // Resolved alerts have been dealt with; they leave the group.
      for (const alert of resolved) {
        group.alerts.delete(alert.fingerprint);
        store.deleteAlert(group.groupKey, alert.fingerprint);
      }
      store.saveGroup(group);
    });
  }

  /** Alertmanager keeps an empty group until its periodic maintenance; so does amcord, to flush alike. */
  private runMaintenance(): void {
    const { store, clock } = this.options;
    store.transaction(() => {
      for (const group of this.groups.values()) {
        if (group.alerts.size > 0) continue;
        this.groups.delete(group.groupKey);
        store.deleteGroup(group.groupKey);
      }
      store.expireNotificationLog(clock.now());
    });
  }

  private schedule(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) earliest = Math.min(earliest, group.nextFlushAt);
    if (earliest === this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = earliest;
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => {
      this.timerAt = Number.POSITIVE_INFINITY;
      this.tick();
    }, Math.min(MAX_TIMER_MS, Math.max(0, earliest - this.options.clock.now())));
  }
}

/** Alertmanager sorts a group's alerts by their labels; messages list them in a stable order. */
function compareAlerts(a: EngineAlert, b: EngineAlert): number {
  const left = JSON.stringify(Object.entries(a.labels).sort());
  const right = JSON.stringify(Object.entries(b.labels).sort());
  return left < right ? -1 : left > right ? 1 : 0;
}
