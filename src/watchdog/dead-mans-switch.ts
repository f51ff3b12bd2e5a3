import type { EngineAlert } from '../engine/alert.js';
import { fingerprintOf } from '../engine/fingerprint.js';
import type { Notification } from '../engine/notification.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/sleep.js';
import { formatDuration } from '../util/duration.js';

/** Where the switch keeps its state across restarts; declared here, implemented by `store/`. */
export interface StateStore {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
}

export interface DeadMansSwitchOptions {
  /** The always-firing alert to expect (rules/watchdog.yml). */
  alertname: string;
  /** How long without it before the pipeline counts as down. */
  timeoutMs: number;
  clock: Clock;
  state: StateStore;
  logger: Logger;
  /** Where the "down" and "restored" notifications go (the outbox), bypassing grouping: this is urgent. */
  notify: (notification: Notification, kind: 'post' | 'edit') => Promise<void>;
}

interface SwitchState {
  lastSeenAt: number;
  /** When the pipeline was declared down; undefined while it is up. */
  downSince?: number | undefined;
}

const STATE_KEY = 'dead-mans-switch';
const RETRY_CHECK_MS = 5_000;
export const PIPELINE_DOWN_ALERT = 'AmcordMonitoringPipelineDown';
const GROUP_KEY = `amcord:{alertname=${JSON.stringify(PIPELINE_DOWN_ALERT)}}`;

/**
 * Expects the Watchdog alert to keep arriving. When it stops — Prometheus, Alertmanager, or the
 * path between them and amcord is down — amcord itself tells Discord, and says so again when it
 * comes back. State is on disk, so a restart neither forgets an outage nor announces it twice.
 */
export class DeadMansSwitch {
  private timer: NodeJS.Timeout | undefined;
  private state: SwitchState;

  constructor(private readonly options: DeadMansSwitchOptions) {
    this.state = { lastSeenAt: options.clock.now() };
  }

  /** Takes back the state a previous run left; after a fresh start the Watchdog gets a full timeout. */
  async start(): Promise<void> {
    this.state = (await this.options.state.get<SwitchState>(STATE_KEY)) ?? { lastSeenAt: this.options.clock.now() };
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** True for the watchdog alert, which is consumed here and never posted as an alert. */
  isWatchdog(labels: Record<string, string>): boolean {
    return labels.alertname === this.options.alertname;
  }

  /** The watchdog arrived (firing). */
  async seen(): Promise<void> {
    const now = this.options.clock.now();
    const { downSince, lastSeenAt } = this.state;
    // Told before the state changes: if storage cannot take it, the webhook fails and the
    // Watchdog's next arrival tries again.
    if (downSince !== undefined) {
      await this.options.notify(this.notification(lastSeenAt, now), 'edit');
      this.options.logger.info({ downForMs: now - downSince }, 'monitoring pipeline restored: the Watchdog alert is arriving again');
    }
    this.state = { lastSeenAt: now };
    await this.save();
    this.schedule();
  }

  /** Declares the pipeline down if the watchdog is overdue. Runs on a timer; exposed for tests. */
  async check(): Promise<void> {
    const now = this.options.clock.now();
    if (this.state.downSince === undefined && now - this.state.lastSeenAt >= this.options.timeoutMs) {
      this.state = { ...this.state, downSince: now };
      this.options.logger.error({ lastSeenAt: new Date(this.state.lastSeenAt).toISOString() }, 'monitoring pipeline down: no Watchdog alert');
      await this.options.notify(this.notification(this.state.lastSeenAt, undefined), 'post');
      await this.save();
    }
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.state.downSince !== undefined) return;
    const dueIn = this.state.lastSeenAt + this.options.timeoutMs - this.options.clock.now();
    this.timer = setTimeout(() => void this.check().catch((error: unknown) => this.retryCheck(error)), Math.max(0, dueIn));
    this.timer.unref();
  }

  /** Storage could not take the outage notice: the switch stays armed and checks again shortly. */
  private retryCheck(error: unknown): void {
    this.options.logger.warn({ err: error }, 'could not record the monitoring pipeline as down; retrying');
    this.state = { lastSeenAt: this.state.lastSeenAt };
    this.timer = setTimeout(() => void this.check().catch((again: unknown) => this.retryCheck(again)), RETRY_CHECK_MS);
    this.timer.unref();
  }

  private save(): Promise<void> {
    return this.options.state.put(STATE_KEY, this.state);
  }

  /** The outage as an alert, so it is rendered like any other: red while down, green once restored. */
  private notification(lastSeenAt: number, restoredAt: number | undefined): Notification {
    const silentFor = formatDuration(this.options.timeoutMs);
    const labels = { alertname: PIPELINE_DOWN_ALERT, severity: 'critical' };
    const alert: EngineAlert = {
      fingerprint: fingerprintOf(labels),
      labels,
      annotations: {
        summary: 'The monitoring pipeline is down',
        description:
          `No ${this.options.alertname} alert has reached amcord for ${silentFor}. Prometheus or Alertmanager is down, ` +
          'or cannot reach amcord: alerts are not being delivered until this resolves.',
      },
      startsAt: lastSeenAt,
      endsAt: restoredAt ?? Number.MAX_SAFE_INTEGER,
      endsAtIsTimeout: false,
      generatorURL: '',
      updatedAt: restoredAt ?? lastSeenAt,
    };
    const resolved = restoredAt !== undefined;
    return {
      route: 'dead-mans-switch',
      groupKey: GROUP_KEY,
      receiver: 'dead-mans-switch',
      groupLabels: { alertname: PIPELINE_DOWN_ALERT },
      externalUrl: '',
      at: restoredAt ?? this.options.clock.now(),
      firing: resolved ? [] : [alert],
      resolved: resolved ? [alert] : [],
      newlyFiring: resolved ? [] : [alert.fingerprint],
      reason: resolved ? 'all-resolved' : 'first',
    };
  }
}
