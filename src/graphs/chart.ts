import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import type { EChartsCoreOption } from 'echarts/core';
import { init, setPlatformAPI } from './echarts.js';
import type { Comparison } from './promql.js';
import { axisLabels, formatValue, type Unit } from './units.js';

/**
 * The chart stack: Apache ECharts draws the chart as SVG on the server (no DOM, no canvas, no
 * browser), resvg rasterises it to PNG on a worker thread. Only the shipped DejaVu Sans is
 * registered, and system fonts are not looked at, so every machine and the container draw the
 * same text and none of it can come out as empty boxes. This module is heavy (ECharts) and is
 * loaded on the first picture only (see charts.ts).
 */

// Without a canvas ECharts guesses text widths from Helvetica's; DejaVu Sans is wider, and the
// guess decides where labels go and where a long title is cut.
setPlatformAPI({ measureText: (text, font) => ({ width: dejaVuWidth(text ?? '', font ?? '') }) });

const requireFromHere = createRequire(import.meta.url);
export const FONT_FAMILY = 'DejaVu Sans';
export const FONT_FILES: readonly string[] = [
  requireFromHere.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  requireFromHere.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
];

/** Drawn at this size in CSS pixels and rasterised at twice that, so it stays sharp when Discord scales it. */
const WIDTH = 560;
const HEIGHT = 280;
/** Intervals on the y axis: few enough for 280 px, enough to read a slope. */
const Y_SPLITS = 4;
const SCALE = 2;

/** Discord's dark theme, where most people read their alerts. */
export const BACKGROUND = '#2b2d31';
export const TEXT = '#dbdee1';
export const MUTED = '#949ba4';
export const GRID_LINES = '#3f4147';
/** The threshold: white and dashed, apart from every severity colour. */
export const THRESHOLD_COLOR = '#ffffff';

export interface ChartSeries {
  name: string;
  /** `#rrggbb`. */
  color: string;
  /** [epoch ms, value]; NaN and infinities leave a gap. */
  points: ReadonlyArray<readonly [number, number]>;
}

export interface ChartSpec {
  title: string;
  /** A second line under the title: what is drawn, and what is not. */
  subtitle?: string;
  unit: Unit;
  startMs: number;
  endMs: number;
  series: readonly ChartSeries[];
  threshold?: { value: number; comparison: Comparison } | undefined;
}

export const CHART_SIZE = { width: WIDTH * SCALE, height: HEIGHT * SCALE } as const;

export function chartSvg(spec: ChartSpec): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(chartOption(spec));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export function chartPng(spec: ChartSpec): Promise<Uint8Array> {
  return svgToPng(chartSvg(spec));
}

/**
 * Rasterises an SVG drawn by ECharts at twice its size, with only the shipped font. Synchronous on
 * purpose: it runs on the drawing thread (render-pool.ts), and resvg's renderAsync draws on libuv's
 * threadpool, whose threads each keep a malloc arena of their own. Measured with 80 pictures on the
 * drawing thread: +105 MB RSS after the pictures and +63 MB kept once the thread ended with
 * renderAsync, +86 MB and +26 MB drawn here.
 */
export function svgToPng(svg: string): Promise<Uint8Array> {
  const image = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: SCALE },
    background: BACKGROUND,
    font: { loadSystemFonts: false, fontFiles: [...FONT_FILES], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  }).render();
  return Promise.resolve(image.asPng());
}

/** The time axis' labels: round times only, in UTC. */
export const TIME_LABELS = {
  hideOverlap: true,
  // The chart's ends are rarely round times; their labels would crowd the round ones.
  showMinLabel: false,
  showMaxLabel: false,
  formatter: { year: '{yyyy}', month: '{MMM} {d}', day: '{MMM} {d}', hour: '{HH}:{mm}', minute: '{HH}:{mm}', second: '{HH}:{mm}:{ss}' },
} as const;

function chartOption(spec: ChartSpec): EChartsCoreOption {
  const withLegend = spec.series.length > 1;
  const threshold = spec.threshold && Number.isFinite(spec.threshold.value) ? spec.threshold : undefined;
  const axisLabel = { color: MUTED, fontSize: 11, fontFamily: FONT_FAMILY };
  const range = valueRange(spec.series);
  return {
    animation: false,
    useUTC: true,
    backgroundColor: BACKGROUND,
    textStyle: { fontFamily: FONT_FAMILY, color: TEXT },
    title: {
      text: spec.title,
      subtext: spec.subtitle,
      left: 10,
      top: 6,
      textStyle: { color: TEXT, fontSize: 14, fontWeight: 'bold', fontFamily: FONT_FAMILY, width: WIDTH - 20, overflow: 'truncate' },
      subtextStyle: { color: MUTED, fontSize: 11, fontFamily: FONT_FAMILY, width: WIDTH - 20, overflow: 'truncate' },
      itemGap: 4,
    },
    legend: withLegend
      ? { bottom: 4, left: 10, right: 10, type: 'plain', icon: 'roundRect', itemWidth: 14, itemHeight: 4, textStyle: { color: TEXT, fontSize: 11, fontFamily: FONT_FAMILY } }
      : { show: false },
    grid: { left: 62, right: 18, top: spec.subtitle ? 58 : 40, bottom: withLegend ? 52 : 28 },
    xAxis: {
      type: 'time',
      splitNumber: 5,
      min: spec.startMs,
      max: spec.endMs,
      name: 'UTC',
      nameLocation: 'end',
      nameGap: 4,
      nameTextStyle: { color: MUTED, fontSize: 10, fontFamily: FONT_FAMILY, verticalAlign: 'top', padding: [12, 0, 0, -24] },
      axisLine: { lineStyle: { color: GRID_LINES } },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLabel: { ...axisLabel, ...TIME_LABELS },
    },
    yAxis: {
      type: 'value',
      scale: true,
      // The threshold stays in view even when every value is far from it; otherwise ECharts picks round bounds.
      ...thresholdBounds(range, threshold?.value),
      splitNumber: Y_SPLITS,
      axisLabel: { ...axisLabel, formatter: axisLabels(spec.unit, valueExtent(range, threshold?.value), Y_SPLITS) },
      splitLine: { lineStyle: { color: GRID_LINES } },
    },
    series: spec.series.map((series, index) => ({
      type: 'line',
      name: series.name,
      data: series.points.map(([time, value]) => [time, Number.isFinite(value) ? value : null]),
      showSymbol: !drawsALine(series),
      connectNulls: false,
      lineStyle: { color: series.color, width: 2 },
      itemStyle: { color: series.color },
      z: spec.series.length - index,
      ...(index === 0 && threshold ? { markLine: thresholdLine(threshold, spec.unit) } : {}),
    })),
  };
}

/** A series of a point or two (a node that just started) draws no visible line: show its points. */
export function drawsALine(series: ChartSeries): boolean {
  return series.points.filter(([, value]) => Number.isFinite(value)).length >= 3;
}

type ValueRange = { low: number; high: number };

/** The lowest and highest finite values drawn, or undefined when there is none. */
function valueRange(series: readonly ChartSeries[]): ValueRange | undefined {
  const values = series.flatMap((one) => one.points.map(([, value]) => value)).filter(Number.isFinite);
  return values.length === 0 ? undefined : { low: Math.min(...values), high: Math.max(...values) };
}

/** How far apart the lowest and highest values drawn are, the threshold included. */
function valueExtent(range: ValueRange | undefined, threshold: number | undefined): number {
  if (!range) return 0;
  return threshold === undefined ? range.high - range.low : Math.max(range.high, threshold) - Math.min(range.low, threshold);
}

function thresholdBounds(range: ValueRange | undefined, threshold: number | undefined): { min?: number; max?: number } {
  if (threshold === undefined || !range) return {};
  const { low, high } = range;
  if (threshold < low) return { min: threshold };
  if (threshold > high) return { max: threshold };
  return {};
}

function thresholdLine(threshold: { value: number; comparison: Comparison }, unit: Unit): object {
  return {
    symbol: 'none',
    silent: true,
    animation: false,
    lineStyle: { color: THRESHOLD_COLOR, type: [6, 4], width: 1.5 },
    label: {
      formatter: `${threshold.comparison} ${formatValue(threshold.value, unit)}`,
      position: 'insideEndTop',
      color: THRESHOLD_COLOR,
      fontSize: 11,
      fontFamily: FONT_FAMILY,
    },
    data: [{ yAxis: threshold.value }],
  };
}

/** Advance widths of DejaVu Sans in em, by kind of character: close enough to lay text out. */
function dejaVuWidth(text: string, font: string): number {
  const size = Number.parseFloat(font.split('px')[0]?.split(' ').at(-1) ?? '') || 12;
  let ems = 0;
  for (const char of text) {
    if (char === ' ') ems += 0.318;
    else if (char >= '0' && char <= '9') ems += 0.636;
    else if ('il.,:;|!\'()[]{}'.includes(char)) ems += 0.34;
    else if ('mwMW'.includes(char)) ems += 0.95;
    else if (char >= 'A' && char <= 'Z') ems += 0.72;
    else if (char >= 'a' && char <= 'z') ems += 0.6;
    else ems += 0.7;
  }
  return ems * size * (font.includes('bold') ? 1.1 : 1);
}
