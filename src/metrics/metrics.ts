import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { GRAPH_OUTCOMES, GRAPH_USES } from '../graphs/outcomes.js';
/** post: a new message; edit: the living message updated (the outbox's kinds). */
type OutboxKind = 'post' | 'edit';

/** Why a delivery attempt failed, as the outbox worker reports it. */
export const FAILURE_REASONS = ['unavailable', 'unconfirmed', 'rejected', 'gone', 'unauthorized', 'error'] as const;

/** The scopes Discord names in X-RateLimit-Scope on a 429. */
const RATE_LIMIT_SCOPES = ['user', 'shared', 'global'] as const;

/** A delivery's requests when all goes well: a new message (POST ?wait=true) and an edit, answered 200. */
const DELIVERY_REQUESTS = [
  { method: 'POST', status: '200' },
  { method: 'PATCH', status: '200' },
] as const;

/** A destination as the delivery counters see it: preview destinations print, they never send. */
export interface DeliveredTo {
  readonly name: string;
  readonly printsOnly?: boolean;
}

export interface MetricsSources {
  /** Waiting and dead outbox entries per destination. */
  outboxDepth: () => Promise<Array<{ destination: string; state: string; count: number }>>;
  activeGroups: () => number;
  /** Whether this replica leads (always, on SQLite). */
  isLeader: () => boolean;
}

/** The outbox depth's destination label for every subscriber's DMs. */
const DIRECT_MESSAGES = 'direct-messages';

/** Why a leader stopped leading (cluster/leadership.ts), seeded at 0. */
const STEP_DOWN_CAUSES = ['taken-over', 'refused-write', 'failed-start', 'lapsed', 'shutdown'] as const;

/**
 * amcord's own metrics on /metrics. Labels never carry a URL, token or user text: destinations
 * are named by their config name, not their webhook.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly webhooks = new Counter({
    name: 'amcord_webhooks_received_total',
    help: 'Alertmanager webhook requests, by outcome (accepted, unauthorized, invalid, too_large, unavailable, error).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly alertsReceived = new Counter({
    name: 'amcord_alerts_received_total',
    help: 'Alerts received in accepted webhooks, by status.',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  readonly notificationsSent = new Counter({
    name: 'amcord_notifications_sent_total',
    help: 'Notifications delivered to Discord, by destination and kind (post or edit).',
    labelNames: ['destination', 'kind'] as const,
    registers: [this.registry],
  });

  readonly notificationsPrinted = new Counter({
    name: 'amcord_notifications_printed_total',
    help: 'Notifications only printed on stdout (preview: a destination without a Discord webhook or channel), by destination and kind.',
    labelNames: ['destination', 'kind'] as const,
    registers: [this.registry],
  });

  readonly notificationsFailed = new Counter({
    name: 'amcord_notifications_failed_total',
    help: 'Failed delivery attempts, by destination and reason; failed notifications stay in the outbox.',
    labelNames: ['destination', 'reason'] as const,
    registers: [this.registry],
  });

  readonly discordRequests = new Histogram({
    name: 'amcord_discord_request_duration_seconds',
    help: 'Duration of HTTP requests to Discord, by method and status code.',
    labelNames: ['method', 'status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'amcord_discord_rate_limited_total',
    help: '429 answers from Discord, by scope (user, shared, global).',
    labelNames: ['scope'] as const,
    registers: [this.registry],
  });

  readonly commands = new Counter({
    name: 'amcord_commands_total',
    help: 'Slash commands and buttons handled, by command and outcome.',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly leadershipChanges = new Counter({
    name: 'amcord_leadership_changes_total',
    help: 'Times this replica took the lease (change="acquired") or stopped leading (change="lost"), by cause.',
    labelNames: ['change', 'cause'] as const,
    registers: [this.registry],
  });

  readonly storageErrors = new Counter({
    name: 'amcord_storage_errors_total',
    help: 'Writes to the state database that failed because it could not take them (unreachable, full, read-only).',
    registers: [this.registry],
  });

  readonly graphs = new Counter({
    name: 'amcord_graphs_total',
    help: 'Pictures, by use (alert: with a firing message; graph: /graph; status: /status and the status board) and outcome: drawn, or why there was none (no_expression, unparsable, prometheus_timeout, prometheus_error, empty, render_error).',
    labelNames: ['use', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly acknowledgements = new Counter({
    name: 'amcord_acknowledgements_total',
    help: 'Alert groups acknowledged from Discord (button or /ack), by kind: acknowledged (the first) or taken_over (from someone else).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly escalationPings = new Counter({
    name: 'amcord_escalation_pings_total',
    help: 'Escalation steps queued for groups still firing unacknowledged and unsilenced, by route.',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  readonly directMessages = new Counter({
    name: 'amcord_direct_messages_total',
    help: 'DMs to subscribers (/subscribe) of new firing groups, by outcome: sent, or refused (the member takes no DMs and was dropped).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricsSources, destinations: readonly string[]) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'amcord_outbox_depth',
      help: 'Messages waiting in the outbox (state="pending") or refused for good (state="dead"), by destination.',
      labelNames: ['destination', 'state'] as const,
      registers: [this.registry],
      async collect() {
        // Read first: while storage cannot answer, the gauge keeps its last values.
        const rows = await sources.outboxDepth().catch(() => undefined);
        if (!rows) return;
        this.reset();
        for (const destination of destinations) this.set({ destination, state: 'pending' }, 0);
        // DMs wait under one destination per member (dm:<user id>): counted together, one series.
        const counts = new Map<string, { destination: string; state: string; count: number }>();
        for (const row of rows) {
          const destination = row.destination.startsWith('dm:') ? DIRECT_MESSAGES : row.destination;
          const key = `${destination}\n${row.state}`;
          const total = counts.get(key) ?? { destination, state: row.state, count: 0 };
          total.count += row.count;
          counts.set(key, total);
        }
        for (const row of counts.values()) this.set({ destination: row.destination, state: row.state }, row.count);
      },
    });
    new Gauge({
      name: 'amcord_active_groups',
      help: 'Aggregation groups currently held.',
      registers: [this.registry],
      collect() {
        this.set(sources.activeGroups());
      },
    });
    new Gauge({
      name: 'amcord_leader',
      help: '1 on the replica that delivers (the leader), 0 on one that stands by.',
      registers: [this.registry],
      collect() {
        this.set(sources.isLeader() ? 1 : 0);
      },
    });
    this.leadershipChanges.inc({ change: 'acquired', cause: 'elected' }, 0);
    for (const cause of STEP_DOWN_CAUSES) this.leadershipChanges.inc({ change: 'lost', cause }, 0);
    this.storageErrors.inc(0);
    // Present from the start at 0, so that rate() and increase() see the first event (a series
    // that appears with it has no earlier sample) and a dashboard shows zero rather than no data.
    for (const scope of RATE_LIMIT_SCOPES) this.rateLimited.inc({ scope }, 0);
    for (const status of ['firing', 'resolved']) this.alertsReceived.inc({ status }, 0);
    for (const labels of DELIVERY_REQUESTS) this.discordRequests.zero(labels);
    for (const use of GRAPH_USES) for (const outcome of GRAPH_OUTCOMES) this.graphs.inc({ use, outcome }, 0);
    for (const kind of ['acknowledged', 'taken_over']) this.acknowledgements.inc({ kind }, 0);
    for (const outcome of ['sent', 'refused']) this.directMessages.inc({ outcome }, 0);
    for (const destination of destinations) {
      for (const reason of FAILURE_REASONS) this.notificationsFailed.inc({ destination, reason }, 0);
      for (const kind of ['post', 'edit']) this.notificationsSent.inc({ destination, kind }, 0);
    }
  }

  /** One notification delivered: sent to Discord, or only printed when its destination is a preview. */
  countDelivered(destination: DeliveredTo, kind: OutboxKind): void {
    const counter = destination.printsOnly ? this.notificationsPrinted : this.notificationsSent;
    counter.inc({ destination: destination.name, kind });
  }
}
