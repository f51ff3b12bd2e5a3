/** In-memory stand-ins for the Alertmanager and Prometheus clients, for the bot's unit tests. */
import type { AlertmanagerAlert, GetAlertsOptions, NewSilence, Silence } from '../../src/alertmanager/api.js';
import { type Matcher, matches, parseMatchers } from '../../src/alertmanager/matchers.js';
import type { Actor } from '../../src/bot/interactions/actor.js';
import type { BotAlertmanager, BotClients, BotPrometheus } from '../../src/bot/clients.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import type { InstantQueryResult, InstantSample, ScrapeTarget } from '../../src/prometheus/client.js';

export const NOW = new Date('2026-05-01T12:00:00Z');
export const UI_URL = 'http://alertmanager.example:9093';

export function firingAlert(labels: Record<string, string>, overrides: Partial<AlertmanagerAlert> = {}): AlertmanagerAlert {
  return {
    labels,
    annotations: {},
    startsAt: new Date(NOW.getTime() - 600_000),
    endsAt: new Date(NOW.getTime() + 300_000),
    updatedAt: NOW,
    fingerprint: Object.values(labels).join('-'),
    generatorURL: '',
    receivers: [{ name: 'discord' }],
    status: { state: 'active', silencedBy: [], inhibitedBy: [] },
    ...overrides,
  };
}

export class FakeAlertmanager implements BotAlertmanager {
  alerts: AlertmanagerAlert[] = [];
  silences: Silence[] = [];
  /** Every call fails with this while set, as an unreachable Alertmanager would. */
  failure: Error | undefined;
  /** Only creating silences fails with this while set. */
  createFailure: Error | undefined;
  readonly created: NewSilence[] = [];

  getAlerts(options: GetAlertsOptions = {}): Promise<AlertmanagerAlert[]> {
    if (this.failure) return Promise.reject(this.failure);
    const filter: Matcher[] = (options.filter ?? []).flatMap((item) => (typeof item === 'string' ? parseMatchers(item) : [item]));
    return Promise.resolve(this.alerts.filter((alert) => matches(filter, alert.labels)));
  }

  getSilences(): Promise<Silence[]> {
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(structuredClone(this.silences));
  }

  createSilence(silence: NewSilence): Promise<string> {
    const failure = this.failure ?? this.createFailure;
    if (failure) return Promise.reject(failure);
    this.created.push(silence);
    const id = `00000000-0000-4000-8000-${String(this.silences.length + 1).padStart(12, '0')}`;
    const matchers = typeof silence.matchers === 'string' ? parseMatchers(silence.matchers) : [...silence.matchers];
    this.silences.push({
      id,
      status: { state: 'active' },
      updatedAt: NOW,
      matchers,
      startsAt: new Date(silence.startsAt),
      endsAt: new Date(silence.endsAt),
      createdBy: silence.createdBy,
      comment: silence.comment,
    });
    return Promise.resolve(id);
  }

  expireSilence(id: string): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const silence = this.silences.find((candidate) => candidate.id === id);
    if (silence) silence.status.state = 'expired';
    return Promise.resolve();
  }
}

export function sample(metric: Record<string, string>, value: number): InstantSample {
  return { metric, value, timestampMs: NOW.getTime() };
}

export function target(job: string, instance: string, health: ScrapeTarget['health'] = 'up'): ScrapeTarget {
  return {
    job,
    instance,
    health,
    lastError: health === 'up' ? '' : 'connection refused',
    lastScrape: NOW,
    lastScrapeDurationSeconds: 0.01,
    scrapeUrl: `http://${instance}/metrics`,
    scrapePool: job,
    labels: { job, instance },
  };
}

/** Answers each exact PromQL text with its samples; any other query gets an empty vector, as for absent metrics. */
export class FakePrometheus implements BotPrometheus {
  readonly answers = new Map<string, InstantSample[]>();
  scrapeTargets: ScrapeTarget[] = [];
  failure: Error | undefined;
  readonly queries: string[] = [];

  answer(promql: string, samples: InstantSample[]): this {
    this.answers.set(promql, samples);
    return this;
  }

  query(promql: string): Promise<InstantQueryResult> {
    this.queries.push(promql);
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve({ resultType: 'vector', result: this.answers.get(promql) ?? [], warnings: [] });
  }

  targets(): Promise<ScrapeTarget[]> {
    if (this.failure) return Promise.reject(this.failure);
    return Promise.resolve(this.scrapeTargets);
  }
}

export function fakeClients(): BotClients & { alertmanager: FakeAlertmanager; prometheus: FakePrometheus } {
  return { alertmanager: new FakeAlertmanager(), prometheus: new FakePrometheus(), alertmanagerUiUrl: UI_URL };
}

export const ALICE: Actor = { id: '512345678901234567', tag: 'alice', displayName: 'Alice', roleIds: ['100000000000000001'] };

export function silentLogger(): Logger {
  return createLogger({ level: 'silent', format: 'json' });
}
