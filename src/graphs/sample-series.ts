import { SEVERITY_RANK, severityOf } from '../severity/severity.js';
import { expressionOf, GraphUnavailableError, lookShade, sourceOf, type AlertGraphRequest } from './alert-graph.js';
import type { ChartSeries, ChartSpec } from './chart.js';
import { chartQueryFor, PromqlSyntaxError, type Threshold } from './promql.js';

/**
 * A picture of a notification without Prometheus, for the preview page and `amcord render`: the
 * alerts' own expression, threshold and unit, with made-up series that cross the threshold when
 * each alert started (and come back under it when resolved). The subtitle says they are samples.
 */

const POINTS = 240;

export interface SampleOptions {
  rangeMs: number;
  maxSeries: number;
  now: number;
  /** Why there are no real series, shown under the title. */
  reason: string;
}

export function sampleChartSpec(request: AlertGraphRequest, options: SampleOptions): ChartSpec {
  const source = sourceOf(request.alerts);
  if (!source) throw new GraphUnavailableError('no_expression', 'no graph: the alert does not say which expression it comes from');
  let chart;
  try {
    chart = chartQueryFor(source.expression);
  } catch (error) {
    if (!(error instanceof PromqlSyntaxError)) throw error;
    throw new GraphUnavailableError('unparsable', `no graph: its expression cannot be read (${error.message})`, { cause: error });
  }
  const startMs = options.now - options.rangeMs;
  const alerts = request.alerts
    .filter((alert) => expressionOf(alert.generatorURL)?.expression === source.expression)
    .sort((a, b) => SEVERITY_RANK[severityOf(b.labels)] - SEVERITY_RANK[severityOf(a.labels)])
    .slice(0, options.maxSeries);
  const perLook = new Map<string, number>();
  const series: ChartSeries[] = alerts.map((alert, index) => {
    const look = request.resolved ? 'resolved' : severityOf(alert.labels);
    const shadeIndex = perLook.get(look) ?? 0;
    perLook.set(look, shadeIndex + 1);
    // An alert that started before the window (or at an unknown time) crosses at 60 % of it.
    const crossAt = alert.startsAt > startMs && alert.startsAt < options.now ? alert.startsAt : startMs + options.rangeMs * 0.6;
    return {
      name: alert.labels['instance'] ?? alert.labels['alertname'] ?? `series ${index + 1}`,
      color: lookShade(look, shadeIndex),
      points: samplePoints(chart.threshold, { startMs, endMs: options.now, crossAt, resolved: request.resolved, seed: index, ceiling: chart.unit === 'percent' ? 100 : chart.unit === 'ratio' ? 1 : Infinity }),
    };
  });
  return {
    title: request.title,
    subtitle: `sample series (${options.reason}) · ${chart.query}`,
    unit: chart.unit,
    startMs,
    endMs: options.now,
    series,
    threshold: chart.threshold,
  };
}

/** Below the threshold's firing side until `crossAt`, past it after, back at the end when resolved. */
function samplePoints(threshold: Threshold | undefined, at: { startMs: number; endMs: number; crossAt: number; resolved: boolean; seed: number; ceiling: number }): Array<readonly [number, number]> {
  const value = threshold?.value ?? 1;
  const scale = Math.abs(value) || 1;
  const firesBelow = threshold?.comparison === '<' || threshold?.comparison === '<=';
  const firesAt = threshold?.comparison === '==' ? value : undefined;
  const okValue = firesAt !== undefined ? value + scale : firesBelow ? value + 0.25 * scale : value - 0.25 * scale;
  const firingValue = firesAt ?? (firesBelow ? value - 0.06 * scale : value + 0.06 * scale);
  const recoverAt = at.endMs - (at.endMs - at.startMs) * 0.12;
  const step = (at.endMs - at.startMs) / (POINTS - 1);
  return Array.from({ length: POINTS }, (_, index) => {
    const time = at.startMs + index * step;
    const firing = time >= at.crossAt && !(at.resolved && time >= recoverAt);
    const wiggle = firesAt === undefined ? 0.025 * scale * Math.sin(index / 9 + at.seed * 1.7) : 0;
    // A share never goes past its whole (100 %).
    return [Math.round(time), Math.min(at.ceiling, (firing ? firingValue + 0.01 * at.seed * scale : okValue) + wiggle)] as const;
  });
}
