import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/sleep.js';
import { acceptAlert, isResolvedAt, mergeAlert, type EngineAlert, type IncomingAlert } from './alert.js';
import { notifyReason } from './dedup.js';
import { groupKeyOf, groupLabelsOf, type GroupBy } from './group-key.js';
import type { Notification } from './notification.js';
import type { EngineRepository, FlushChanges, GroupState, IngestChanges, StoredGroup } from './ports.js';

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
  store: EngineRepository;
  clock: Clock;
  logger: Logger;
  /** Names the route in group keys and the receiver in the notification log. */
  route: string;
  receiver: string;
  grouping: GroupingOptions;
  /** Told once a flush's notification is committed to delivery's outbox, so delivery can look at once. */
  onHandedOff?: (notification: Notification) => void;
  /**
   * Waited for before a batch of webhooks is committed, so that webhooks arriving together
   * share one commit (group commit). The default waits for nothing: a batch is then whatever
   * arrived while earlier operations ran.
   */
  gatherBatch?: () => Promise<void>;
}

/** Webhooks of one commit: each is answered when the commit is done. */
interface IngestBatch {
  parts: Array<{ alerts: readonly IncomingAlert[]; externalUrl: string }>;
  committed: Promise<void>;
}

/** How often empty groups are removed and old log entries dropped; Alertmanager's fixed 30 s. */
export const MAINTENANCE_INTERVAL_MS = 30_000;
/** A timer this late (at most one group_interval) is event-loop lag; later, the process was not running. */
const MAX_TIMER_LAG_MS = 1_000;
/** setTimeout fires at once beyond this; a longer wait is re-armed when it ends. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Aggregation groups with Alertmanager's timers and dedup (the *group* and *dedup* stages of the
 * pipeline). Groups live in memory and change only once storage has committed the change, so
 * what was accepted is durable when ingest() resolves, and a flush's notification and log entry
 * are written together or not at all. Operations run one at a time, in the order they were asked.
 */
export class Dispatcher {
  private readonly groups = new Map<string, StoredGroup>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private maintenance: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private queue: Promise<unknown> = Promise.resolve();
  /** The batch still taking webhooks, until its commit begins. */
  private openBatch: IngestBatch | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.log = options.logger.child({ module: 'dispatcher' });
  }

  /** Loads the groups a previous run left and starts their timers; overdue ones flush at once. */
  async start(): Promise<void> {
    // Several dispatchers (one per route) share the store; each takes back its own groups.
    for (const group of await this.options.store.loadGroups(this.options.route)) this.groups.set(group.groupKey, group);
    this.maintenance = setInterval(() => void this.runMaintenance(), MAINTENANCE_INTERVAL_MS);
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

  /**
   * Accepts alerts durably: when this resolves they are committed; when it rejects nothing
   * changed. Webhooks that arrive while one batch waits for its turn join it and share its
   * commit, so many webhooks cost one transaction (and one fsync) instead of one each.
   */
  ingest(alerts: readonly IncomingAlert[], externalUrl: string): Promise<void> {
    let batch = this.openBatch;
    if (!batch) {
      const opened: IngestBatch = { parts: [], committed: Promise.resolve() };
      opened.committed = this.serially(async () => {
        await this.options.gatherBatch?.();
        if (this.openBatch === opened) this.openBatch = undefined;
        await this.ingestBatch(opened.parts);
      });
      this.openBatch = opened;
      batch = opened;
    }
    batch.parts.push({ alerts, externalUrl });
    return batch.committed;
  }

  /** One commit for every webhook of a batch, applied to the groups once it is done. */
  private async ingestBatch(parts: IngestBatch['parts']): Promise<void> {
    const { store, clock, grouping, route } = this.options;
    const now = clock.now();
    // Worked on copies, applied once committed. Each group's row is written once per batch.
    const touched = new Map<string, StoredGroup>();
    const changedAlerts = new Map<string, IngestChanges['alerts'][number]>();
    for (const { alerts, externalUrl } of parts) {
      for (const incoming of alerts) {
        const alert = acceptAlert(incoming, now, grouping.resolveTimeoutMs);
        const groupLabels = groupLabelsOf(alert.labels, grouping.groupBy);
        const groupKey = groupKeyOf(route, groupLabels);
        let group = touched.get(groupKey);
        if (!group) {
          const known = this.groups.get(groupKey);
          group = known
            ? { ...known, alerts: new Map(known.alerts) }
            : { groupKey, route, groupLabels, externalUrl, nextFlushAt: now + grouping.groupWaitMs, hasFlushed: false, alerts: new Map() };
          touched.set(groupKey, group);
        }
        group.externalUrl = externalUrl || group.externalUrl;
        const known = group.alerts.get(alert.fingerprint);
        const merged = known ? mergeAlert(known, alert) : alert;
        group.alerts.set(alert.fingerprint, merged);
        // An alert that started long enough ago need not wait: flush now (Alertmanager's rule).
        if (!group.hasFlushed && merged.startsAt + grouping.groupWaitMs < now) group.nextFlushAt = Math.min(group.nextFlushAt, now);
        // The same alert from several webhooks of the batch is written once, as last merged.
        changedAlerts.set(`${groupKey}\u0000${alert.fingerprint}`, { groupKey, alert: merged });
      }
    }
    await store.saveIngest({ groups: [...touched.values()].map(stateOf), alerts: [...changedAlerts.values()] });
    for (const group of touched.values()) this.groups.set(group.groupKey, group);
    this.schedule();
  }

  /** Flushes every group whose timer is due. Exposed so tests can drive time explicitly. */
  tick(): Promise<void> {
    return this.serially(async () => {
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
          await this.flush(group, at);
        } catch (error) {
          this.log.error({ err: error, groupKey: group.groupKey }, 'flush failed; the next tick tries again');
        }
      }
      this.schedule();
    });
  }

  /** Collects the group's alerts, asks dedup whether to notify, and commits the outcome. */
  private async flush(group: StoredGroup, now: number): Promise<void> {
    const { store, grouping, receiver } = this.options;
    if (group.alerts.size === 0) return;
    const alerts = byLabels([...group.alerts.values()]);
    const firing = alerts.filter((alert) => !isResolvedAt(alert, now));
    const resolved = alerts.filter((alert) => isResolvedAt(alert, now));
    const firingSet = new Set(firing.map((alert) => alert.fingerprint));
    const resolvedSet = new Set(resolved.map((alert) => alert.fingerprint));
    const entry = await store.lastNotification(group.groupKey, receiver, now);
    const reason = notifyReason(entry, firingSet, resolvedSet, now, grouping.repeatIntervalMs, grouping.sendResolved);
    const changes: FlushChanges = { group: stateOf(group), removedAlerts: resolved.map((alert) => alert.fingerprint) };
    if (reason) {
      const sentResolved = grouping.sendResolved ? resolved : [];
      const before = new Set(entry?.firing ?? []);
      changes.sent = {
        receiver,
        log: { firing: [...firingSet], resolved: [...resolvedSet], at: now },
        logExpiresAt: now + 2 * grouping.repeatIntervalMs,
        // Without send_resolved a flush of only resolved alerts is done without sending anything.
        notification:
          firing.length > 0 || sentResolved.length > 0
            ? {
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
              }
            : undefined,
      };
    }
    await store.saveFlush(changes);
    // Resolved alerts have been dealt with; they leave the group.
    for (const alert of resolved) group.alerts.delete(alert.fingerprint);
    if (changes.sent?.notification) this.options.onHandedOff?.(changes.sent.notification);
  }

  /** Alertmanager keeps an empty group until its periodic maintenance; so does amcord, to flush alike. */
  private runMaintenance(): Promise<void> {
    return this.serially(async () => {
      const empty = [...this.groups.values()].filter((group) => group.alerts.size === 0).map((group) => group.groupKey);
      try {
        await this.options.store.removeGroups(empty, this.options.clock.now());
      } catch (error) {
        this.log.warn({ err: error }, 'maintenance failed; the next cycle tries again');
        return;
      }
      for (const groupKey of empty) this.groups.delete(groupKey);
    });
  }

  /** Runs one operation after the ones before it, whether they succeeded or not. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
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
      void this.tick();
    }, Math.min(MAX_TIMER_MS, Math.max(0, earliest - this.options.clock.now())));
  }
}

/**
 * Alertmanager sorts a group's alerts by their labels; messages list them in a stable order.
 * Each alert's sort key is made once, not once per comparison: a group can hold 10,000 alerts.
 */
function byLabels(alerts: EngineAlert[]): EngineAlert[] {
  const keyed = alerts.map((alert) => ({ alert, key: JSON.stringify(Object.entries(alert.labels).sort()) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ alert }) => alert);
}

function stateOf(group: StoredGroup): GroupState {
  const { groupKey, route, groupLabels, externalUrl, nextFlushAt, hasFlushed } = group;
  return { groupKey, route, groupLabels, externalUrl, nextFlushAt, hasFlushed };
}
