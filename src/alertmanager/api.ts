import { z } from 'zod';
import {
  JsonHttpClient,
  type JsonHttpClientOptions,
  type RequestFailure,
  ServiceRequestError,
} from '../http-client/json-http-client.js';
import { formatMatcher, formatMatchers, type Matcher, parseMatchers } from './matchers.js';

/**
 * Alertmanager API v2 client for the bot: alerts, silences, status. Responses are validated;
 * fields newer Alertmanagers add are ignored. Timestamps come back as Dates (milliseconds;
 * Alertmanager's nanoseconds are cut).
 */

export type AlertmanagerClientOptions = JsonHttpClientOptions;

export class AlertmanagerError extends ServiceRequestError {
  override readonly name = 'AlertmanagerError';

  constructor(failure: RequestFailure) {
    super('Alertmanager', failure);
  }
}

const timestamp = z
  .string()
  .refine((text) => !Number.isNaN(Date.parse(text)), 'must be an RFC 3339 timestamp')
  .transform((text) => new Date(text));
const labelSet = z.record(z.string(), z.string());

const matcherSchema = z.object({
  name: z.string(),
  value: z.string(),
  isRegex: z.boolean(),
  // Alertmanager before 0.22 had no negative matchers and omitted the field.
  isEqual: z.boolean().default(true),
});

const alertSchema = z.object({
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  endsAt: timestamp,
  updatedAt: timestamp,
  fingerprint: z.string(),
  generatorURL: z.string().default(''),
  receivers: z.array(z.object({ name: z.string() })).default([]),
  status: z.object({
    state: z.enum(['unprocessed', 'active', 'suppressed']),
    silencedBy: z.array(z.string()).default([]),
    inhibitedBy: z.array(z.string()).default([]),
  }),
});

const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  updatedAt: timestamp,
  matchers: z.array(matcherSchema),
  startsAt: timestamp,
  endsAt: timestamp,
  createdBy: z.string(),
  comment: z.string(),
});

const statusSchema = z.object({
  versionInfo: z.object({
    version: z.string(),
    revision: z.string().default(''),
    branch: z.string().default(''),
    buildUser: z.string().default(''),
    buildDate: z.string().default(''),
    goVersion: z.string().default(''),
  }),
  uptime: timestamp,
  cluster: z.object({
    status: z.string(),
    name: z.string().optional(),
    peers: z.array(z.object({ name: z.string(), address: z.string() })).default([]),
  }),
  config: z.object({ original: z.string() }),
});

const createdSilenceSchema = z.object({ silenceID: z.string() });
const emptyBody = z.unknown();

export type AlertmanagerAlert = z.output<typeof alertSchema>;
export type Silence = z.output<typeof silenceSchema>;
export type AlertmanagerStatus = z.output<typeof statusSchema>;

/** A matcher object or matcher text such as `severity=~"warn|crit"` or `{a="x",b="y"}`. */
export type MatcherFilter = string | Matcher;

export interface GetAlertsOptions {
  /** Alertmanager's defaults are all true: alerts of every kind are returned. */
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  unprocessed?: boolean;
  /** Only alerts matching every matcher. */
  filter?: readonly MatcherFilter[];
  /** Regex on the receiver name. */
  receiver?: string;
}

export interface NewSilence {
  /** At least one must not match the empty string, or Alertmanager refuses the silence. */
  matchers: readonly Matcher[] | string;
  startsAt: Date | string;
  endsAt: Date | string;
  createdBy: string;
  comment: string;
  /** Set to update an existing silence. */
  id?: string;
}

/** An alert as Prometheus posts it; endsAt defaults to now + resolve_timeout. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: Date | string;
  endsAt?: Date | string;
  generatorURL?: string;
}

export class AlertmanagerClient {
  private readonly http: JsonHttpClient;

  constructor(options: AlertmanagerClientOptions) {
    this.http = new JsonHttpClient(options, (failure) => new AlertmanagerError(failure));
  }

  /** The base URL without credentials or trailing slash. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  async getAlerts(options: GetAlertsOptions = {}): Promise<AlertmanagerAlert[]> {
    return await this.http.request({
      method: 'GET',
      path: '/api/v2/alerts',
      query: {
        active: options.active,
        silenced: options.silenced,
        inhibited: options.inhibited,
        unprocessed: options.unprocessed,
        receiver: options.receiver,
        filter: toFilterParameters(options.filter),
      },
      schema: z.array(alertSchema),
    });
  }

  /** Silences of every state (active, pending, expired), optionally only those matching `filter`. */
  async getSilences(filter?: readonly MatcherFilter[]): Promise<Silence[]> {
    return await this.http.request({
      method: 'GET',
      path: '/api/v2/silences',
      query: { filter: toFilterParameters(filter) },
      schema: z.array(silenceSchema),
    });
  }

  /** Creates (or, with `id`, updates) a silence and returns its id. */
  async createSilence(silence: NewSilence): Promise<string> {
    const matchers = typeof silence.matchers === 'string' ? parseMatchers(silence.matchers) : silence.matchers;
    const created = await this.http.request({
      method: 'POST',
      path: '/api/v2/silences',
      body: {
        ...(silence.id === undefined ? {} : { id: silence.id }),
        matchers: matchers.map(({ name, value, isRegex, isEqual }) => ({ name, value, isRegex, isEqual })),
        startsAt: toTimestamp(silence.startsAt),
        endsAt: toTimestamp(silence.endsAt),
        createdBy: silence.createdBy,
        comment: silence.comment,
      },
      schema: createdSilenceSchema,
    });
    return created.silenceID;
  }

  /** Expires a silence now. Expiring an already expired silence succeeds. */
  async expireSilence(id: string): Promise<void> {
    await this.http.request({
      method: 'DELETE',
      path: `/api/v2/silence/${encodeURIComponent(id)}`,
      schema: emptyBody,
    });
  }

  async getStatus(): Promise<AlertmanagerStatus> {
    return await this.http.request({ method: 'GET', path: '/api/v2/status', schema: statusSchema });
  }

  async postAlerts(alerts: readonly PostableAlert[]): Promise<void> {
    await this.http.request({
      method: 'POST',
      path: '/api/v2/alerts',
      body: alerts.map((alert) => ({
        ...alert,
        startsAt: alert.startsAt === undefined ? undefined : toTimestamp(alert.startsAt),
        endsAt: alert.endsAt === undefined ? undefined : toTimestamp(alert.endsAt),
      })),
      schema: emptyBody,
    });
  }
}

/**
 * Link to Alertmanager's "new silence" form, prefilled: `<externalURL>/#/silences/new?filter=…`.
 * Matcher text is parsed first, so a malformed matcher throws MatcherParseError instead of
 * producing a link that opens an empty form.
 */
export function silenceLink(externalUrl: string, matchers: readonly Matcher[] | string): string {
  const list = typeof matchers === 'string' ? parseMatchers(matchers) : matchers;
  return `${externalUrl.replace(/\/+$/, '')}/#/silences/new?filter=${encodeURIComponent(formatMatchers(list))}`;
}

/** Alertmanager takes one matcher per `filter` parameter. */
function toFilterParameters(filter: readonly MatcherFilter[] | undefined): string[] | undefined {
  if (filter === undefined) return undefined;
  return filter.flatMap((item) => (typeof item === 'string' ? parseMatchers(item) : [item])).map(formatMatcher);
}

function toTimestamp(value: Date | string): string {
  if (typeof value === 'string') return value;
  if (Number.isNaN(value.getTime())) throw new RangeError('Invalid Date passed as a silence or alert time');
  return value.toISOString();
}
