import { PrometheusClient, PrometheusError, type RangeSeries } from '../prometheus/client.js';
import type { Clock } from '../util/sleep.js';
import { alertChartSpec, GraphUnavailableError, type AlertGraphRequest } from './alert-graph.js';
import type { ChartSeries, ChartSpec } from './chart.js';
import type { DashboardPanel, DashboardSpec, DashboardTile } from './dashboard-chart.js';
import { createRenderer } from './render-pool.js';

export type { DashboardTile } from './dashboard-chart.js';
import type { Unit } from './units.js';
import { chartQueryFor } from './promql.js';
import { sampleChartSpec } from './sample-series.js';

/**
 * Pictures for messages and commands. The chart stack (ECharts, resvg, the font) is loaded for
 * the first picture, on a drawing thread that ends when idle (render-pool.ts), so an amcord that
 * does not draw does not carry it in memory.
 */

export interface GraphPicture {
  fileName: string;
  png: Uint8Array;
  /** Alt text for the attachment: what the picture shows, for screen readers. */
  description: string;
}

export interface GrapherOptions {
  /** `prometheus.url`: where queries go unless the generator's origin is mapped. */
  prometheusUrl: string;
  /** Generator origin (`http://prometheus-0:9090`) to the Prometheus amcord can reach for it. */
  prometheusByOrigin?: Readonly<Record<string, string>>;
  /** One query; the picture is given up after it, and the message goes without. */
  timeoutMs: number;
  rangeMs: number;
  maxSeries: number;
  clock: Clock;
  /** Tests replace the renderer to make it fail. */
  render?: (spec: ChartSpec) => Promise<Uint8Array>;
}

export interface QueryGraphRequest {
  query: string;
  rangeMs: number;
  title?: string;
  /** At most this many series are drawn (the highest); default the grapher's maxSeries. */
  maxSeries?: number;
}

export interface DashboardPanelQuery {
  title: string;
  /** Drawn over the range, one line per value of the request's `seriesLabel`. */
  query: string;
  unit: Unit;
  max?: number;
}

export interface DashboardRequest {
  title: string;
  tiles: readonly DashboardTile[];
  panels: readonly DashboardPanelQuery[];
  rangeMs: number;
  /** The label that names a line (`instance`); `names` maps its values to what people call them. */
  seriesLabel: string;
  names?: ReadonlyMap<string, string>;
}

export interface Grapher {
  /** The picture of a notification's alerts. Rejects with GraphUnavailableError. */
  forAlerts(request: AlertGraphRequest): Promise<GraphPicture>;
  /**
   * Any expression over the last `rangeMs`, for /graph; a syntax error rejects with
   * PromqlSyntaxError, anything else with GraphUnavailableError. `cut` is how many series were
   * left out beyond the maximum.
   */
  forQuery(request: QueryGraphRequest): Promise<GraphPicture & { series: number; cut: number }>;
  /**
   * The /status picture: figures over small panels. A panel whose query fails says so in the
   * picture; when every one fails it rejects with GraphUnavailableError.
   */
  forDashboard(request: DashboardRequest): Promise<GraphPicture>;
  /** The picture of a notification from made-up series, when Prometheus cannot be asked (see sample-series.ts). */
  sampleForAlerts(request: AlertGraphRequest, reason: string): Promise<GraphPicture>;
}


/** Lines per dashboard panel: the busiest nodes; more would not be told apart in a small panel. */
const DASHBOARD_MAX_LINES = 8;
const POINTS = 240;

const QUERY_COLORS = ['#3498db', '#f39c12', '#2ecc71', '#e74c3c', '#9b59b6', '#1abc9c', '#e67e22', '#95a5a6', '#f1c40f', '#34495e'];

export function createGrapher(options: GrapherOptions): Grapher {
  const clients = new Map<string, PrometheusClient>();
  const clientFor = (url: string): PrometheusClient => {
    let client = clients.get(url);
    if (!client) {
      client = new PrometheusClient({ baseUrl: url, timeoutMs: options.timeoutMs });
      clients.set(url, client);
    }
    return client;
  };
  const byOrigin = new Map(Object.entries(options.prometheusByOrigin ?? {}).map(([origin, url]) => [originOf(origin), url]));
  const prometheusFor = (origin: string | undefined): PrometheusClient => clientFor((origin && byOrigin.get(origin)) ?? options.prometheusUrl);
  const rangeQuery = async (query: string, startMs: number, endMs: number): Promise<RangeSeries[]> => {
    const stepSeconds = Math.max(1, Math.ceil((endMs - startMs) / 1000 / POINTS));
    try {
      return (await prometheusFor(undefined).queryRange(query, new Date(startMs), new Date(endMs), stepSeconds)).result;
    } catch (error) {
      if (error instanceof PrometheusError && error.kind === 'timeout') throw new GraphUnavailableError('prometheus_timeout', 'Prometheus did not answer in time', { cause: error });
      throw new GraphUnavailableError('prometheus_error', error instanceof PrometheusError && error.prometheusError ? `Prometheus: ${error.prometheusError}` : 'Prometheus could not be asked', { cause: error });
    }
  };
  // Nothing of the chart stack is loaded before the first picture.
  const renderer = createRenderer();
  const render = async (spec: ChartSpec): Promise<Uint8Array> => {
    try {
      return await (options.render ?? ((chart: ChartSpec) => renderer.chart(chart)))(spec);
    } catch (error) {
      throw new GraphUnavailableError('render_error', 'no graph: it could not be drawn', { cause: error });
    }
  };

  return {
    async forAlerts(request) {
      const spec = await alertChartSpec(request, { prometheusFor, rangeMs: options.rangeMs, maxSeries: options.maxSeries, now: options.clock.now() });
      return { fileName: 'graph.png', png: await render(spec), description: describe(spec) };
    },

    async forQuery(request) {
      const chart = chartQueryFor(request.query);
      const now = options.clock.now();
      const startMs = now - request.rangeMs;
      const result = await rangeQuery(request.query, startMs, now);
      const drawable = result.filter((one) => one.values.some((point) => Number.isFinite(point.value)));
      if (drawable.length === 0) throw new GraphUnavailableError('empty', 'the expression returned no data for this time');
      // The highest peaks are what someone asking for a graph looks for first.
      const shown = [...drawable].sort((a, b) => peakOf(b) - peakOf(a)).slice(0, request.maxSeries ?? options.maxSeries);
      const series: ChartSeries[] = shown.map((one, index) => ({
        name: labelText(one.metric),
        color: QUERY_COLORS[index % QUERY_COLORS.length] ?? '#3498db',
        points: one.values.map((point) => [point.timestampMs, point.value] as const),
      }));
      const cut = drawable.length - shown.length;
      const spec: ChartSpec = {
        title: request.title ?? request.query,
        subtitle: cut > 0 ? `highest ${shown.length} of ${drawable.length} series` : undefined,
        unit: chart.unit,
        startMs,
        endMs: now,
        series,
        threshold: undefined,
      };
      return { fileName: 'graph.png', png: await render(spec), description: describe(spec), series: drawable.length, cut };
    },

    async sampleForAlerts(request, reason) {
      const spec = sampleChartSpec(request, { rangeMs: options.rangeMs, maxSeries: options.maxSeries, now: options.clock.now(), reason });
      return { fileName: 'graph.png', png: await render(spec), description: describe(spec) };
    },

    async forDashboard(request) {
      const now = options.clock.now();
      const startMs = now - request.rangeMs;
      const answers = await Promise.allSettled(request.panels.map((panel) => rangeQuery(panel.query, startMs, now)));
      const failed = answers.find((answer) => answer.status === 'rejected');
      if (failed && answers.every((answer) => answer.status === 'rejected')) throw failed.reason;
      const nameOf = (series: RangeSeries): string => {
        const value = series.metric[request.seriesLabel] ?? '';
        return request.names?.get(value) ?? (value || 'value');
      };
      const lines = answers.map((answer) =>
        answer.status === 'fulfilled'
          ? answer.value.filter((one) => one.values.some((point) => Number.isFinite(point.value))).sort((a, b) => lastOf(b) - lastOf(a)).slice(0, DASHBOARD_MAX_LINES)
          : [],
      );
      // One colour per node across every panel, so a node is the same line everywhere.
      const names = [...new Set(lines.flat().map(nameOf))].sort();
      const colorOf = (name: string): string => QUERY_COLORS[names.indexOf(name) % QUERY_COLORS.length] ?? '#3498db';
      const panels: DashboardPanel[] = request.panels.map((panel, index) => {
        const answer = answers[index];
        return {
          title: panel.title,
          unit: panel.unit,
          ...(panel.max === undefined ? {} : { max: panel.max }),
          ...(answer?.status === 'rejected' ? { note: 'Prometheus could not answer' } : {}),
          series: (lines[index] ?? []).map((one) => ({ name: nameOf(one), color: colorOf(nameOf(one)), points: one.values.map((point) => [point.timestampMs, point.value] as const) })),
        };
      });
      const spec: DashboardSpec = { title: request.title, subtitle: `last ${Math.round(request.rangeMs / 60_000)} min · UTC`, startMs, endMs: now, tiles: request.tiles, panels };
      let png: Uint8Array;
      try {
        png = await renderer.dashboard(spec);
      } catch (error) {
        throw new GraphUnavailableError('render_error', 'no picture: it could not be drawn', { cause: error });
      }
      const figures = request.tiles.map((tile) => `${tile.label} ${tile.value}${tile.detail ? ` (${tile.detail})` : ''}`).join(', ');
      const description = `${request.title}: ${figures}; ${panels.map((panel) => panel.title).join(', ')} of ${names.join(', ') || 'no node'} over the last ${Math.round(request.rangeMs / 60_000)} minutes`;
      return { fileName: 'status.png', png, description: description.length > 1000 ? `${description.slice(0, 999)}…` : description };
    },
  };
}

function lastOf(series: RangeSeries): number {
  return series.values.map((point) => point.value).filter(Number.isFinite).at(-1) ?? 0;
}

function peakOf(series: RangeSeries): number {
  return Math.max(...series.values.map((point) => point.value).filter(Number.isFinite));
}

function originOf(text: string): string {
  try {
    return new URL(text).origin;
  } catch {
    return text;
  }
}

function labelText(metric: Readonly<Record<string, string>>): string {
  const name = metric['__name__'] ?? '';
  const labels = Object.entries(metric).filter(([key]) => key !== '__name__').map(([key, value]) => `${key}="${value}"`);
  return labels.length === 0 ? name || 'value' : `${name}{${labels.join(', ')}}`;
}

function describe(spec: ChartSpec): string {
  const threshold = spec.threshold ? `, threshold ${spec.threshold.comparison} ${spec.threshold.value}` : '';
  const text = `Graph of ${spec.subtitle ?? spec.title}: ${spec.series.map((series) => series.name).join(', ')}${threshold}`;
  return text.length > 1000 ? `${text.slice(0, 999)}…` : text;
}
