import type { PrometheusClient, RangeSeries } from '../prometheus/client.js';
import { PrometheusError } from '../prometheus/client.js';
import { COLORS, SEVERITY_RANK, severityOf, type Look } from '../severity/severity.js';
import type { ChartSeries, ChartSpec } from './chart.js';
import type { GraphFailure } from './outcomes.js';
import { chartQueryFor, PromqlSyntaxError, type ChartQuery, type Threshold } from './promql.js';

/**
 * The picture of a notification: its alerts' own expression (from each alert's generatorURL)
 * queried over the last while, the series of those alerts drawn in their severity's colour, the
 * threshold as a line. What cannot be drawn says why, in words and as a reason for the metrics.
 */

export interface GraphAlert {
  labels: Readonly<Record<string, string>>;
  startsAt: number;
  generatorURL: string;
}

export interface AlertGraphRequest {
  /** The alerts the message shows: the firing ones, or the resolved ones of a resolution. */
  alerts: readonly GraphAlert[];
  /** Resolved alerts are drawn green, like their embed. */
  resolved: boolean;
  title: string;
}

export interface AlertGraphOptions {
  /** The Prometheus to ask for an alert's generator (its origin, e.g. `http://prom-1:9090`). */
  prometheusFor: (generatorOrigin: string | undefined) => PrometheusClient;
  /** At least this far back; further when the alert started earlier. */
  rangeMs: number;
  /** At most this many series are drawn; the message says how many more there are. */
  maxSeries: number;
  now: number;
}


export class GraphUnavailableError extends Error {
  override readonly name = 'GraphUnavailableError';
  constructor(
    readonly reason: GraphFailure,
    /** For the message: short, and without any URL (a Prometheus URL may carry credentials). */
    readonly shortText: string,
    options?: { cause?: unknown },
  ) {
    super(shortText, options);
  }
}

/** About 240 points across the chart: a smooth line, and a small answer. */
const POINTS = 240;
const MIN_STEP_SECONDS = 1;
/** A chart starts a quarter of its range before the earliest alert began, so the rise is in the picture. */
const LEAD_IN_SHARE = 0.25;
/** Never further back than this, however long an alert has fired. */
const MAX_RANGE_MS = 7 * 86_400_000;

/** What a message's picture shows: its firing alerts, or the resolved ones once none fires. */
export function alertGraphRequest(firing: readonly GraphAlert[], resolvedAlerts: readonly GraphAlert[]): AlertGraphRequest | undefined {
  const resolved = firing.length === 0;
  const alerts = resolved ? resolvedAlerts : firing;
  if (alerts.length === 0) return undefined;
  const alertname = alerts[0]?.labels['alertname'] ?? 'alert';
  const instance = alerts.length === 1 ? alerts[0]?.labels['instance'] : undefined;
  const what = instance ? `${alertname} on ${instance}` : alerts.length > 1 ? `${alertname}: ${alerts.length} ${resolved ? 'resolved' : 'firing'}` : alertname;
  return { alerts, resolved, title: resolved && alerts.length === 1 ? `${what} (resolved)` : what };
}

/** The expression of a Prometheus alert, from its generatorURL (`…/graph?g0.expr=…`). */
export function expressionOf(generatorURL: string): { expression: string; origin: string } | undefined {
  let url: URL;
  try {
    url = new URL(generatorURL);
  } catch {
    return undefined;
  }
  const expression = url.searchParams.get('g0.expr')?.trim();
  return expression ? { expression, origin: url.origin } : undefined;
}

/** Everything a chart needs, from Prometheus. Rejects with GraphUnavailableError. */
export async function alertChartSpec(request: AlertGraphRequest, options: AlertGraphOptions): Promise<ChartSpec> {
  const source = sourceOf(request.alerts);
  if (!source) throw new GraphUnavailableError('no_expression', 'no graph: the alert does not say which expression it comes from');
  let chart: ChartQuery;
  try {
    chart = chartQueryFor(source.expression);
  } catch (error) {
    if (!(error instanceof PromqlSyntaxError)) throw error;
    throw new GraphUnavailableError('unparsable', `no graph: its expression cannot be read (${error.message})`, { cause: error });
  }
  const alerts = request.alerts.filter((alert) => expressionOf(alert.generatorURL)?.expression === source.expression);
  const earliest = Math.min(...alerts.map((alert) => alert.startsAt).filter((time) => time > 0 && time <= options.now));
  const startMs = Math.max(options.now - MAX_RANGE_MS, Math.min(options.now - options.rangeMs, Number.isFinite(earliest) ? earliest - options.rangeMs * LEAD_IN_SHARE : Number.POSITIVE_INFINITY));
  const stepSeconds = Math.max(MIN_STEP_SECONDS, Math.ceil((options.now - startMs) / 1000 / POINTS));

  let series: RangeSeries[];
  try {
    const prometheus = options.prometheusFor(source.origin);
    series = (await prometheus.queryRange(chart.query, new Date(startMs), new Date(options.now), stepSeconds)).result;
  } catch (error) {
    if (error instanceof PrometheusError && error.kind === 'timeout') {
      throw new GraphUnavailableError('prometheus_timeout', 'no graph: Prometheus did not answer in time', { cause: error });
    }
    const why = error instanceof PrometheusError && error.kind === 'http' ? `Prometheus refused the query (HTTP ${error.status ?? '?'})` : 'Prometheus could not be asked';
    throw new GraphUnavailableError('prometheus_error', `no graph: ${why}`, { cause: error });
  }
  const drawable = series.filter((one) => one.values.some((point) => Number.isFinite(point.value)));
  if (drawable.length === 0) throw new GraphUnavailableError('empty', 'no graph: the expression returned no data for this time');

  const picked = pickSeries(drawable, alerts, chart.threshold, request.resolved, options.maxSeries);
  const hidden = picked.total - picked.drawn.length;
  const subtitleParts = [hidden > 0 ? `worst ${picked.drawn.length} of ${picked.total} series` : undefined, chart.query];
  return {
    title: request.title,
    subtitle: subtitleParts.filter((part) => part !== undefined).join(' · '),
    unit: chart.unit,
    startMs,
    endMs: options.now,
    series: picked.drawn,
    threshold: chart.threshold,
  };
}

/** The expression to draw: the most severe alert's, when the alerts come from several rules. */
export function sourceOf(alerts: readonly GraphAlert[]): { expression: string; origin: string } | undefined {
  const ranked = [...alerts].sort((a, b) => SEVERITY_RANK[severityOf(b.labels)] - SEVERITY_RANK[severityOf(a.labels)]);
  for (const alert of ranked) {
    const source = expressionOf(alert.generatorURL);
    if (source) return source;
  }
  return undefined;
}

/**
 * A series belongs to an alert when every label it has is the alert's too: the rule adds labels
 * (severity, …) but keeps the series' own. `__name__` is left out, since a comparison may drop it.
 */
function belongsTo(series: RangeSeries, alert: GraphAlert): boolean {
  return Object.entries(series.metric).every(([name, value]) => name === '__name__' || alert.labels[name] === value);
}

interface Candidate {
  series: RangeSeries;
  look: Look;
  /** How far its last value is past the threshold (or its peak without one): higher is worse. */
  badness: number;
}

function pickSeries(
  series: readonly RangeSeries[],
  alerts: readonly GraphAlert[],
  threshold: Threshold | undefined,
  resolved: boolean,
  maxSeries: number,
): { drawn: ChartSeries[]; total: number } {
  const candidates: Candidate[] = [];
  for (const one of series) {
    const alert = alerts.find((candidate) => belongsTo(one, candidate));
    if (!alert) continue;
    candidates.push({ series: one, look: resolved ? 'resolved' : severityOf(alert.labels), badness: badnessOf(one, threshold) });
  }
  // Labels that match no alert (a rule that relabels): draw the expression's worst series.
  const fallbackLook: Look = resolved ? 'resolved' : 'none';
  const pool = candidates.length > 0 ? candidates : series.map((one) => ({ series: one, look: fallbackLook, badness: badnessOf(one, threshold) }));
  pool.sort((a, b) => SEVERITY_RANK[severityRankOf(b.look)] - SEVERITY_RANK[severityRankOf(a.look)] || b.badness - a.badness);
  const drawn = pool.slice(0, maxSeries);
  const perLook = new Map<Look, number>();
  return {
    total: pool.length,
    drawn: drawn.map((candidate) => {
      const index = perLook.get(candidate.look) ?? 0;
      perLook.set(candidate.look, index + 1);
      return {
        name: seriesName(candidate.series, series),
        color: shade(COLORS[candidate.look], index),
        points: candidate.series.values.map((point) => [point.timestampMs, point.value] as const),
      };
    }),
  };
}

function severityRankOf(look: Look): Exclude<Look, 'resolved'> {
  return look === 'resolved' ? 'none' : look;
}

function badnessOf(series: RangeSeries, threshold: Threshold | undefined): number {
  const values = series.values.map((point) => point.value).filter(Number.isFinite);
  const last = values.at(-1) ?? 0;
  if (!threshold) return Math.max(...values);
  const below = threshold.comparison === '<' || threshold.comparison === '<=';
  return below ? threshold.value - last : last - threshold.value;
}

/** The labels that tell this series from the others drawn with it; its instance when none do. */
function seriesName(series: RangeSeries, all: readonly RangeSeries[]): string {
  const names = Object.keys(series.metric).filter((name) => name !== '__name__');
  const varying = names.filter((name) => all.some((other) => other.metric[name] !== series.metric[name]));
  const shown = varying.length > 0 ? varying : names.filter((name) => name === 'instance');
  const text = shown.map((name) => (name === 'instance' ? (series.metric[name] ?? '') : `${name}=${series.metric[name] ?? ''}`)).join(' ');
  return text === '' ? (series.metric['__name__'] ?? 'value') : text;
}

/** The colour of the `index`-th series of a look (severity or resolved): its colour, then variants. */
export function lookShade(look: Look, index: number): string {
  return shade(COLORS[look], index);
}

/** The severity's colour, then lighter and darker variants, so series of one severity stay apart. */
function shade(color: number, index: number): string {
  const steps = [0, 0.35, -0.3, 0.6, -0.5];
  const amount = steps[index % steps.length] ?? 0;
  const channel = (shift: number): number => {
    const value = (color >> shift) & 0xff;
    return Math.round(amount >= 0 ? value + (255 - value) * amount : value * (1 + amount));
  };
  return `#${[16, 8, 0].map((shift) => channel(shift).toString(16).padStart(2, '0')).join('')}`;
}
