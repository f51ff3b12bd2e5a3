import type { EChartsCoreOption } from 'echarts/core';
import { init } from './echarts.js';
import { BACKGROUND, drawsALine, FONT_FAMILY, GRID_LINES, MUTED, svgToPng, TEXT, TIME_LABELS, type ChartSeries } from './chart.js';
import { formatValue, type Unit } from './units.js';

/**
 * The /status picture, like the home dashboard people build in Grafana: a row of figures (nodes
 * up, pods, alerts firing) over small panels of the last hour, one line per node, all in one
 * SVG so that resvg rasterises it once. Part of the chart stack, loaded on the first picture.
 */

const WIDTH = 800;
const HEIGHT = 400;
const MARGIN = 12;
const GAP = 12;
const TILES_TOP = 50;
const TILE_HEIGHT = 64;
const PANELS_TOP = TILES_TOP + TILE_HEIGHT + 34;
const PANEL_HEIGHT = 200;
const TILE_FILL = '#1e1f22';

export interface DashboardTile {
  label: string;
  /** The figure, large: `3/3`, `41`, `0`. */
  value: string;
  /** `#rrggbb`: green when all is well, the severity's colour when not, grey when unknown. */
  color: string;
  /** A small line under the figure: `2 failing`. */
  detail?: string;
}

export interface DashboardPanel {
  title: string;
  unit: Unit;
  /** The y axis' top, e.g. 100 for a percentage; otherwise chosen from the values. */
  max?: number;
  series: readonly ChartSeries[];
  /** Shown in the panel instead of lines, e.g. why it is empty. */
  note?: string;
}

export interface DashboardSpec {
  title: string;
  subtitle?: string;
  startMs: number;
  endMs: number;
  tiles: readonly DashboardTile[];
  panels: readonly DashboardPanel[];
}

export const DASHBOARD_SIZE = { width: WIDTH * 2, height: HEIGHT * 2 } as const;

export function dashboardSvg(spec: DashboardSpec): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(dashboardOption(spec));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

export function dashboardPng(spec: DashboardSpec): Promise<Uint8Array> {
  return svgToPng(dashboardSvg(spec));
}

/** x and width of the i-th of `count` boxes across the picture. */
function column(index: number, count: number): { x: number; width: number } {
  const width = (WIDTH - 2 * MARGIN - (count - 1) * GAP) / count;
  return { x: MARGIN + index * (width + GAP), width };
}

/** As style properties: a `font` shorthand would quote the family inside an SVG attribute. */
function font(size: number, bold = false): { fontSize: number; fontFamily: string; fontWeight: 'bold' | 'normal' } {
  return { fontSize: size, fontFamily: FONT_FAMILY, fontWeight: bold ? 'bold' : 'normal' };
}

function tileElements(tiles: readonly DashboardTile[]): object[] {
  return tiles.flatMap((tile, index) => {
    const { x, width } = column(index, tiles.length);
    return [
      { type: 'rect', shape: { x, y: TILES_TOP, width, height: TILE_HEIGHT, r: 6 }, style: { fill: TILE_FILL } },
      { type: 'rect', shape: { x, y: TILES_TOP, width: 4, height: TILE_HEIGHT, r: [6, 0, 0, 6] }, style: { fill: tile.color } },
      { type: 'text', x: x + 14, y: TILES_TOP + 8, style: { text: tile.label, fill: MUTED, ...font(11) } },
      { type: 'text', x: x + 14, y: TILES_TOP + 24, style: { text: tile.value, fill: tile.color, ...font(22, true) } },
      ...(tile.detail
        ? [{ type: 'text', x: x + width - 10, y: TILES_TOP + 34, style: { text: tile.detail, fill: MUTED, ...font(11), align: 'right' } }]
        : []),
    ];
  });
}

function dashboardOption(spec: DashboardSpec): EChartsCoreOption {
  const panels = spec.panels;
  const grids = panels.map((_, index) => {
    const { x, width } = column(index, panels.length);
    // Room on the left for the y axis' labels.
    return { left: x + 40, top: PANELS_TOP, width: width - 46, height: PANEL_HEIGHT - 30 };
  });
  const names = [...new Set(panels.flatMap((panel) => panel.series.map((series) => series.name)))];
  const axisLabel = { color: MUTED, fontSize: 10, fontFamily: FONT_FAMILY };
  const notes = panels.flatMap((panel, index) => {
    const grid = grids[index];
    if (!grid || (panel.note === undefined && panel.series.length > 0)) return [];
    return [{
      type: 'text',
      x: grid.left + grid.width / 2,
      // Between two grid lines, not on one.
      y: grid.top + grid.height * 0.33,
      style: { text: panel.note ?? 'no data', fill: MUTED, ...font(12), align: 'center' },
    }];
  });
  return {
    animation: false,
    useUTC: true,
    backgroundColor: BACKGROUND,
    textStyle: { fontFamily: FONT_FAMILY, color: TEXT },
    title: [
      {
        text: spec.title,
        subtext: spec.subtitle,
        left: MARGIN,
        top: 8,
        textStyle: { color: TEXT, fontSize: 14, fontWeight: 'bold', fontFamily: FONT_FAMILY },
        subtextStyle: { color: MUTED, fontSize: 11, fontFamily: FONT_FAMILY },
        itemGap: 6,
      },
      ...panels.map((panel, index) => ({
        text: panel.title,
        left: column(index, panels.length).x,
        top: PANELS_TOP - 24,
        textStyle: { color: TEXT, fontSize: 12, fontWeight: 'bold', fontFamily: FONT_FAMILY },
      })),
    ],
    graphic: { elements: [...tileElements(spec.tiles), ...notes] },
    legend: names.length > 0
      ? { data: names, bottom: 8, left: MARGIN, right: MARGIN, icon: 'roundRect', itemWidth: 14, itemHeight: 4, textStyle: { color: TEXT, fontSize: 11, fontFamily: FONT_FAMILY } }
      : { show: false },
    grid: grids,
    xAxis: grids.map((_, index) => ({
      type: 'time',
      gridIndex: index,
      min: spec.startMs,
      max: spec.endMs,
      splitNumber: 3,
      axisLine: { lineStyle: { color: GRID_LINES } },
      axisTick: { show: false },
      splitLine: { show: false },
      axisLabel: { ...axisLabel, ...TIME_LABELS },
    })),
    yAxis: panels.map((panel, index) => ({
      type: 'value',
      gridIndex: index,
      min: 0,
      // Four even steps up to a fixed top (0, 25, 50, 75, 100 %), else ECharts' round ones.
      ...(panel.max === undefined ? { splitNumber: 4 } : { max: panel.max, interval: panel.max / 4 }),
      axisLabel: { ...axisLabel, formatter: (value: number) => formatValue(value, panel.unit) },
      splitLine: { lineStyle: { color: GRID_LINES } },
    })),
    series: panels.flatMap((panel, index) =>
      panel.series.map((series) => ({
        type: 'line',
        name: series.name,
        xAxisIndex: index,
        yAxisIndex: index,
        data: series.points.map(([time, value]) => [time, Number.isFinite(value) ? value : null]),
        showSymbol: !drawsALine(series),
        connectNulls: false,
        lineStyle: { color: series.color, width: 1.5 },
        itemStyle: { color: series.color },
      })),
    ),
  };
}
