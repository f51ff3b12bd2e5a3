/**
 * `npm run bench`: ingest, storm and footprint benchmarks on loopback. Prints a table and writes
 * the figures as JSON to bench/results/ (bench-<time>.json and latest.json).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './amcord-process.js';
import { formatCharts, runCharts } from './charts.js';
import { benchConfigFromEnv, type BenchConfig } from './config.js';
import { formatGraphLatency, runGraphLatency } from './graph-latency.js';
import { runIngest } from './ingest.js';
import { runOnPostgres } from './postgres.js';
import { evaluateTargets, formatReport, pictureTargets, type BenchReport, type Machine } from './report.js';
import { runRender } from './render.js';
import { runStorm, type StormResult } from './storm.js';

export function machine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  return { nproc: cpus().length, cpuModel, memoryGiB: totalmem() / 2 ** 30, node: process.version, platform: `${process.platform} ${process.arch}` };
}

/** The commit measured, and whether the work tree differed from it; null outside a git checkout. */
export function revision(): BenchReport['revision'] {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { cwd: repoRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', 'HEAD'), modified: git('status', '--porcelain', '--untracked-files=no').length > 0 };
  } catch {
    return null;
  }
}

export interface RunOptions {
  /** Where the JSON goes; default bench/results. */
  resultsDir?: string;
  /** Progress and the final table; default stdout. */
  print?: (text: string) => void;
  command?: string;
}

/** Runs every scenario, writes the JSON report and returns it with the path it was written to. */
export async function runBench(config: BenchConfig, options: RunOptions = {}): Promise<{ report: BenchReport; path: string }> {
  const print = options.print ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const startedAt = new Date();
  const started = performance.now();
  print(`ingest: ${config.ingest.fullSpeedSeconds} s at full speed, then ${config.ingest.fixedRateSeconds} s at ${config.ingest.fixedRate} req/s…`);
  const ingest = await runIngest(config.ingest, { idleSettleMs: Math.min(1_000, config.footprint.idleSettleMs) });
  print(`storm: ${config.storm.alerts} alerts in ${config.storm.groups} groups (at most ${config.storm.timeoutSeconds} s)…`);
  const storm = await runStorm(config.storm, config.footprint);
  const stormSweep: StormResult[] = [];
  for (const { alerts, groups } of config.storm.sweep) {
    print(`storm: ${alerts} alerts in ${groups} groups…`);
    stormSweep.push(await runStorm({ ...config.storm, alerts, groups }, { idleSettleMs: Math.min(1_000, config.footprint.idleSettleMs) }));
  }
  print('postgresql: ingest and the storm with the state in PostgreSQL…');
  const postgres = await runOnPostgres(config);
  print(`render: one group of ${config.render.sizes.join(', ')} alerts…`);
  const render = runRender(config.render);
  print('charts: one alert and a group of 10 series, drawn in a child process…');
  const charts = await runCharts(config.scale);
  print(`pictures and delivery: ${config.graphLatency.rounds} alerts to an amcord drawing graphs and one without…`);
  const graphLatency = await runGraphLatency(config.graphLatency);
  const wallSeconds = (performance.now() - started) / 1000;
  const report: BenchReport = {
    schemaVersion: 1,
    scale: config.scale,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds,
    command: options.command ?? (config.scale === 'full' ? 'npm run bench' : `BENCH_SCALE=${config.scale} npm run bench`),
    machine: machine(),
    revision: revision(),
    config,
    ingest,
    storm,
    stormSweep,
    postgres,
    render,
    charts,
    graphLatency,
    footprint: {
      readyMs: storm.footprint.readyMs,
      rssAfterStartMb: storm.footprint.rssAfterStartMb,
      idleRssMb: storm.footprint.idleRssMb,
      peakRssMb: storm.footprint.peakRssMb,
    },
    targets: [...evaluateTargets(ingest, storm, wallSeconds, config), ...pictureTargets(charts, graphLatency)],
  };
  const dir = options.resultsDir ?? join(repoRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(report, null, 2)}\n`;
  const path = join(dir, `bench-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, text);
  writeFileSync(join(dir, 'latest.json'), text);
  print('');
  print(formatReport(report));
  print(formatCharts(charts));
  print(formatGraphLatency(graphLatency));
  print('');
  print(`JSON: ${path}`);
  return { report, path };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runBench(benchConfigFromEnv()).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
