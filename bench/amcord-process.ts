/**
 * amcord as its own process (`node dist/cli.js`, configured by AMCORD_* variables as a user would),
 * so that its memory and CPU figures are its own, read from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../test/support/processes.js';

/** The repository root: the nearest folder up from this file whose package.json is amcord's. */
export function repoRoot(): string {
  for (let dir = import.meta.dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'amcord') return dir;
    if (dirname(dir) === dir) throw new Error(`no amcord package.json above ${import.meta.dirname}`);
  }
}

export interface ProcSample {
  /** Resident set size now, MB (10^6 bytes). */
  rssMb: number;
  /** Highest resident set size since the process started (VmHWM), MB. */
  peakRssMb: number;
  /** User plus system CPU time since the process started, seconds. */
  cpuSeconds: number;
}

/** CLK_TCK on Linux is 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

export function readProc(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  // Fields after the command name, which is in parentheses and may contain spaces.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const mb = (field: string): number => (kb(field) * 1024) / 1e6;
  return { rssMb: mb('VmRSS'), peakRssMb: mb('VmHWM'), cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND };
}

export interface AmcordProcess {
  url: string;
  pid: number;
  /** Milliseconds from spawn() to the first 200 from GET /readyz. */
  readyMs: number;
  proc(): ProcSample;
  /**
   * A figure from amcord's /metrics: the sum of every series of `name` whose labels include
   * `labels`, or undefined when there is none.
   */
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
  /** The last lines amcord logged, for error messages. */
  logTail(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const leftover of running) leftover.kill('SIGKILL');
  });
}

/** The environment without the developer's own AMCORD_* settings. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => !entry[0].startsWith('AMCORD_') && entry[1] !== undefined),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `node dist/cli.js` on a free loopback port with a fresh data directory; resolves once /readyz answers 200. */
export async function startAmcordProcess(env: Record<string, string>, options: { readyTimeoutMs?: number } = {}): Promise<AmcordProcess> {
  const cli = join(repoRoot(), 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const dataDir = mkdtempSync(join(tmpdir(), 'amcord-bench-'));
  const logPath = join(dataDir, 'amcord.log');
  const logFd = openSync(logPath, 'a');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [cli, 'serve'], {
    env: {
      ...cleanEnv(),
      AMCORD_SERVER_HOST: '127.0.0.1',
      AMCORD_SERVER_PORT: String(port),
      AMCORD_DATA_DIR: join(dataDir, 'data'),
      AMCORD_LOG_FORMAT: 'json',
      AMCORD_LOG_LEVEL: 'info',
      ...env,
    },
    // Logs go to a file: a pipe would make the benchmark process pay for reading them.
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  killOnExit(child);
  const pid = child.pid ?? -1;
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });

  const logTail = (): string => {
    try {
      return readFileSync(logPath, 'utf8').slice(-4_000);
    } catch {
      return '';
    }
  };
  const stop = async (): Promise<void> => {
    if (exit === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = spawnedAt + (options.readyTimeoutMs ?? 20_000);
  let readyMs: number | undefined;
  while (readyMs === undefined) {
    if (exit !== undefined) {
      const tail = logTail();
      await stop();
      throw new Error(`amcord ${exit} before it was ready:\n${tail}`);
    }
    if (performance.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`amcord was not ready within ${options.readyTimeoutMs ?? 20_000} ms:\n${tail}`);
    }
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) readyMs = performance.now() - spawnedAt;
    } catch {
      // not listening yet
    }
    if (readyMs === undefined) await sleep(5);
  }

  return {
    url,
    pid,
    readyMs,
    proc: () => readProc(pid),
    async metric(name, labels = {}) {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      return metricSum(text, name, labels);
    },
    logTail,
    stop,
  };
}

/** Sums the samples of `name` in Prometheus text format whose labels include every one of `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([label, value]) => present.get(label) === value)) sum = (sum ?? 0) + Number(match[3]);
  }
  return sum;
}

/** Samples a process's RSS every `intervalMs` until stopped; VmHWM covers what falls between samples. */
export function watchRss(read: () => ProcSample, intervalMs = 250): { stop(): { maxRssMb: number } } {
  let maxRssMb = 0;
  const take = (): void => {
    try {
      maxRssMb = Math.max(maxRssMb, read().rssMb);
    } catch {
      // the process is gone
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { maxRssMb };
    },
  };
}

/** Busy and total CPU time of the whole machine so far, in seconds summed over all cores. */
export function readMachineCpu(): { busySeconds: number; totalSeconds: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busySeconds: (total - idle) / CLOCK_TICKS_PER_SECOND, totalSeconds: total / CLOCK_TICKS_PER_SECOND };
}

export interface CpuShares {
  /** Percent of one core, per watched process. */
  processes: Record<string, number>;
  /** Percent of the whole machine (all cores) that was busy. */
  machineBusyPercent: number;
  /** Percent of the whole machine used by processes other than the watched ones: other work on the host. */
  othersPercent: number;
}

/** CPU used by some processes, and by everything else on the machine, between start and stop. */
export function meterCpu(pids: Record<string, number>): { stop(): CpuShares } {
  const read = (pid: number): number => {
    try {
      return readProc(pid).cpuSeconds;
    } catch {
      return NaN;
    }
  };
  const machineBefore = readMachineCpu();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, read(pid)]));
  const startedAt = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - startedAt) / 1000;
      const machineAfter = readMachineCpu();
      const used = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, read(pid) - (before[name] ?? NaN)]));
      const machineTotal = machineAfter.totalSeconds - machineBefore.totalSeconds;
      const machineBusy = machineAfter.busySeconds - machineBefore.busySeconds;
      const watched = Object.values(used).filter(Number.isFinite).reduce((sum, value) => sum + value, 0);
      return {
        processes: Object.fromEntries(Object.entries(used).map(([name, value]) => [name, (value / seconds) * 100])),
        machineBusyPercent: (machineBusy / machineTotal) * 100,
        othersPercent: Math.max(0, ((machineBusy - watched) / machineTotal) * 100),
      };
    },
  };
}
