/**
 * Chart rendering, the way a firing message's picture is drawn (ECharts SVG, resvg PNG), in a
 * child process of its own so its memory is the chart stack's alone: p50/p99 for one alert (one
 * series over an hour, 240 points) and for a group (ten series), and the RSS the stack adds. Drawn
 * as amcord draws (on its drawing thread, ended when idle) and, for comparison, in the process'
 * own thread.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ChartSpec } from '../src/graphs/chart.js';
import { createRenderer, type Renderer } from '../src/graphs/render-pool.js';
import { repoRoot } from './amcord-process.js';
import { percentile } from './percentile.js';

export interface ChartTimes {
  p50Ms: number;
  p99Ms: number;
}

export type ChartsWhere = 'worker' | 'thread';

export interface ChartsRun {
  where: ChartsWhere;
  /** Renders of each case. */
  renders: number;
  alert: ChartTimes;
  group: ChartTimes;
  rssMb: {
    /** The process with amcord's graph modules, before the first picture. */
    before: number;
    /** Once the chart stack is loaded and one picture of each kind drawn. */
    afterFirst: number;
    /** After every render, as a running amcord would be: nothing collected on purpose. */
    afterRenders: number;
    /** A while later: the drawing thread has ended (worker only). */
    afterIdle: number;
    /** After a full garbage collection as well. */
    afterGc: number;
  };
  /** afterRenders - before. */
  addedMb: number;
  /** afterIdle - before: what stays once amcord has stopped drawing. */
  keptMb: number;
}

export interface ChartsResult {
  worker: ChartsRun;
  thread: ChartsRun;
}

const HOUR_MS = 3_600_000;
const POINTS = 240;
const CHILD_FLAG = '--charts-child';
/** The bench ends the drawing thread sooner than amcord (60 s), to measure what ending it gives back. */
const BENCH_IDLE_MS = 500;

function spec(seriesCount: number, now: number): ChartSpec {
  const startMs = now - HOUR_MS;
  return {
    title: seriesCount === 1 ? 'DiskAlmostFull on nas:9100' : `DiskAlmostFull: ${seriesCount} firing`,
    subtitle: '100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes)',
    unit: 'percent',
    startMs,
    endMs: now,
    threshold: { value: 90, comparison: '>' },
    series: Array.from({ length: seriesCount }, (_, index) => ({
      name: `node-${index}:9100`,
      color: ['#e74c3c', '#f39c12', '#3498db'][index % 3] ?? '#e74c3c',
      points: Array.from({ length: POINTS }, (_, step) => [startMs + (step * HOUR_MS) / (POINTS - 1), 80 + 15 * Math.sin(step / 20 + index)] as const),
    })),
  };
}

const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function inThisThread(): Renderer {
  return {
    onWorker: false,
    chart: async (one) => (await import('../src/graphs/chart.js')).chartPng(one),
    dashboard: async (one) => (await import('../src/graphs/dashboard-chart.js')).dashboardPng(one),
  };
}

/** The child's side: measures and prints the result as JSON. */
async function measure(where: ChartsWhere, renders: number): Promise<ChartsRun> {
  const before = rssMb();
  const renderer = where === 'worker' ? createRenderer({ idleMs: BENCH_IDLE_MS }) : inThisThread();
  const now = Date.now();
  const cases = { alert: spec(1, now), group: spec(10, now) };
  for (const one of Object.values(cases)) await renderer.chart(one);
  const afterFirst = rssMb();
  const times: Record<keyof typeof cases, number[]> = { alert: [], group: [] };
  for (let run = 0; run < renders; run += 1) {
    for (const name of ['alert', 'group'] as const) {
      const started = performance.now();
      await renderer.chart(cases[name]);
      times[name].push(performance.now() - started);
    }
  }
  const afterRenders = rssMb();
  await pause(BENCH_IDLE_MS + 1_000);
  const afterIdle = rssMb();
  (globalThis as { gc?: () => void }).gc?.();
  await pause(200);
  const afterGc = rssMb();
  const summary = (values: number[]): ChartTimes => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
  };
  return {
    where,
    renders,
    alert: summary(times.alert),
    group: summary(times.group),
    rssMb: { before, afterFirst, afterRenders, afterIdle, afterGc },
    addedMb: afterRenders - before,
    keptMb: afterIdle - before,
  };
}

/**
 * Each way of drawing in a fresh node process (`--expose-gc` only to read what stays after a full
 * GC). Run from TypeScript sources (the smoke test) without the compiled bench, it measures in
 * this process instead, which only shows that it works.
 */
export async function runCharts(scale: string): Promise<ChartsResult> {
  const renders = scale === 'tiny' ? 10 : 200;
  const script = import.meta.url.endsWith('.ts') ? join(repoRoot(), 'bench', 'results', '.build', 'bench', 'charts.js') : fileURLToPath(import.meta.url);
  const run = async (where: ChartsWhere): Promise<ChartsRun> =>
    existsSync(script)
      ? (JSON.parse(execFileSync(process.execPath, ['--expose-gc', script, CHILD_FLAG, where, String(renders)], { encoding: 'utf8', timeout: 600_000 })) as ChartsRun)
      : measure(where, renders);
  return { worker: await run('worker'), thread: await run('thread') };
}

export function formatCharts(result: ChartsResult): string {
  const fixed = (value: number): string => value.toFixed(1);
  const lines = (run: ChartsRun, label: string): string[] => [
    `  ${label}, ${run.renders} renders each:`,
    `    one alert (1 series, 1 h):  p50 ${fixed(run.alert.p50Ms)} ms, p99 ${fixed(run.alert.p99Ms)} ms`,
    `    a group (10 series, 1 h):   p50 ${fixed(run.group.p50Ms)} ms, p99 ${fixed(run.group.p99Ms)} ms (target p99 < 250 ms)`,
    `    RSS added: ${fixed(run.rssMb.afterFirst - run.rssMb.before)} MB by the first two pictures, ${fixed(run.addedMb)} MB after the renders (target < 40 MB), ${fixed(run.keptMb)} MB a while later, ${fixed(run.rssMb.afterGc - run.rssMb.before)} MB after a full GC`,
  ];
  return ['Charts: ECharts SVG + resvg PNG, each way in a process of its own', ...lines(result.worker, 'on the drawing thread (as amcord draws)'), ...lines(result.thread, 'in the main thread (for comparison)')].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === CHILD_FLAG) {
  measure(process.argv[3] === 'thread' ? 'thread' : 'worker', Number(process.argv[4] ?? 200)).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`charts bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
