import { z } from 'zod';
import {
  JsonHttpClient,
  type JsonHttpClientOptions,
  type RequestFailure,
  ServiceRequestError,
} from '../http-client/json-http-client.js';

/**
 * Prometheus HTTP API client: instant and range queries with typed results, scrape targets and
 * build info. Sample values arrive as strings ("1", "NaN", "+Inf") and are returned as numbers;
 * timestamps are returned as milliseconds since the epoch.
 */

export type PrometheusClientOptions = JsonHttpClientOptions;

export class PrometheusError extends ServiceRequestError {
  override readonly name = 'PrometheusError';
  /** Prometheus' error class for a refused request: bad_data, execution, timeout, canceled, … */
  readonly errorType: string | undefined;
  /** Prometheus' own error text, e.g. "1:4: parse error: unexpected end of input". */
  readonly prometheusError: string | undefined;
  /** The PromQL expression the request was about, if any. */
  readonly query: string | undefined;

  constructor(failure: RequestFailure, query?: string) {
    const apiError = apiErrorSchema.safeParse(failure.body);
    const errorType = apiError.success ? apiError.data.errorType : undefined;
    const prometheusError = apiError.success ? apiError.data.error : undefined;
    const detail = prometheusError === undefined ? failure.detail : `${errorType}: ${prometheusError}`;
    super('Prometheus', failure, detail, query === undefined ? '' : ` (query: ${query})`);
    this.errorType = errorType;
    this.prometheusError = prometheusError;
    this.query = query;
  }
}

const apiErrorSchema = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });

/** "NaN", "+Inf" and "-Inf" are how Prometheus spells the special floats. */
const sampleValue = z.string().transform((text, context) => {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) {
    context.addIssue({ code: 'custom', message: `not a sample value: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return value;
});
const secondsToMs = (seconds: number): number => Math.round(seconds * 1000);

const samplePair = z
  .tuple([z.number(), sampleValue])
  .transform(([seconds, value]) => ({ timestampMs: secondsToMs(seconds), value }));
const labelSet = z.record(z.string(), z.string());

const vectorResult = z.object({
  resultType: z.literal('vector'),
  result: z.array(
    z
      .object({ metric: labelSet, value: samplePair })
      .transform(({ metric, value }) => ({ metric, timestampMs: value.timestampMs, value: value.value })),
  ),
});
const matrixData = z.object({
  resultType: z.literal('matrix'),
  result: z.array(z.object({ metric: labelSet, values: z.array(samplePair) })),
});
const scalarResult = z.object({ resultType: z.literal('scalar'), result: samplePair });
const stringResult = z.object({
  resultType: z.literal('string'),
  result: z
    .tuple([z.number(), z.string()])
    .transform(([seconds, value]) => ({ timestampMs: secondsToMs(seconds), value })),
});

/** The `{status, data, warnings}` wrapper of every successful Prometheus API answer. */
function envelope<Output>(data: z.ZodType<Output>) {
  return z
    .object({ status: z.literal('success'), data, warnings: z.array(z.string()).default([]) })
    .transform(({ data: payload, warnings }) => ({ payload, warnings }));
}

const instantQueryEnvelope = envelope(
  z.discriminatedUnion('resultType', [vectorResult, scalarResult, matrixData, stringResult]),
);
const rangeQueryEnvelope = envelope(matrixData);

const targetSchema = z
  .object({
    labels: labelSet,
    scrapePool: z.string(),
    scrapeUrl: z.string(),
    lastError: z.string().default(''),
    lastScrape: z
      .string()
      .refine((text) => !Number.isNaN(Date.parse(text)), 'must be an RFC 3339 timestamp')
      .transform((text) => new Date(text)),
    lastScrapeDuration: z.number(),
    health: z.enum(['up', 'down', 'unknown']),
  })
  .transform((target) => ({
    job: target.labels['job'] ?? target.scrapePool,
    instance: target.labels['instance'] ?? '',
    health: target.health,
    lastError: target.lastError,
    lastScrape: target.lastScrape,
    lastScrapeDurationSeconds: target.lastScrapeDuration,
    scrapeUrl: target.scrapeUrl,
    scrapePool: target.scrapePool,
    labels: target.labels,
  }));
const targetsEnvelope = envelope(z.object({ activeTargets: z.array(targetSchema) }));

const buildInfoSchema = z.object({
  version: z.string(),
  revision: z.string().default(''),
  branch: z.string().default(''),
  buildUser: z.string().default(''),
  buildDate: z.string().default(''),
  goVersion: z.string().default(''),
});
const buildInfoEnvelope = envelope(buildInfoSchema);

export type Labels = Record<string, string>;

/** One point of a series; `value` may be NaN or ±Infinity. */
export interface SamplePoint {
  timestampMs: number;
  value: number;
}

/** One element of an instant vector. */
export interface InstantSample extends SamplePoint {
  metric: Labels;
}

export interface RangeSeries {
  metric: Labels;
  values: SamplePoint[];
}

export type InstantQueryResult = (
  | { resultType: 'vector'; result: InstantSample[] }
  | { resultType: 'scalar'; result: SamplePoint }
  /** An instant query of a range selector such as `up[5m]`. */
  | { resultType: 'matrix'; result: RangeSeries[] }
  | { resultType: 'string'; result: { timestampMs: number; value: string } }
) & { warnings: string[] };

export interface RangeQueryResult {
  resultType: 'matrix';
  result: RangeSeries[];
  warnings: string[];
}

export type ScrapeTarget = z.output<typeof targetSchema>;
export type PrometheusBuildInfo = z.output<typeof buildInfoSchema>;

export class PrometheusClient {
  private readonly http: JsonHttpClient;

  constructor(options: PrometheusClientOptions) {
    this.http = new JsonHttpClient(options, (failure) => new PrometheusError(failure));
  }

  /** The base URL without credentials or trailing slash. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Instant query, evaluated at `time` (default: now, as Prometheus sees it). */
  async query(promql: string, time?: Date): Promise<InstantQueryResult> {
    const { payload, warnings } = await this.http.request({
      method: 'GET',
      path: '/api/v1/query',
      query: { query: promql, time },
      schema: instantQueryEnvelope,
      toError: (failure) => new PrometheusError(failure, promql),
    });
    return { ...payload, warnings };
  }

  /** Range query from `start` to `end` inclusive, one point every `stepSeconds`. */
  async queryRange(promql: string, start: Date, end: Date, stepSeconds: number): Promise<RangeQueryResult> {
    if (!(stepSeconds > 0)) throw new RangeError(`stepSeconds must be positive, got ${stepSeconds}`);
    const { payload, warnings } = await this.http.request({
      method: 'GET',
      path: '/api/v1/query_range',
      query: { query: promql, start, end, step: stepSeconds },
      schema: rangeQueryEnvelope,
      toError: (failure) => new PrometheusError(failure, promql),
    });
    return { ...payload, warnings };
  }

  /** Active scrape targets with their health and last scrape error. */
  async targets(): Promise<ScrapeTarget[]> {
    const { payload } = await this.http.request({
      method: 'GET',
      path: '/api/v1/targets',
      query: { state: 'active' },
      schema: targetsEnvelope,
    });
    return payload.activeTargets;
  }

  async buildInfo(): Promise<PrometheusBuildInfo> {
    const { payload } = await this.http.request({
      method: 'GET',
      path: '/api/v1/status/buildinfo',
      schema: buildInfoEnvelope,
    });
    return payload;
  }
}
