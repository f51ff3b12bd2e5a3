/**
 * The built amcord (dist/cli.js, built by test/global-setup.ts) run as its own process, the way
 * users run it, with its JSON log lines collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitUntil } from '../support/processes.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

export interface SpawnedAmcord {
  url: string;
  port: number;
  pid: number;
  /** Every JSON line logged so far. */
  readonly logs: readonly LogLine[];
  /** stdout lines that were not JSON, and stderr. */
  otherOutput(): string;
  /** Resolves once the process has exited: the signal that ended it, or its exit code. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** False once the process has exited. */
  isAlive(): boolean;
  /** SIGTERM, then SIGKILL if it is still there after a while. Safe to call more than once. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whatever a failed or interrupted test left running dies with the test process. */
function killLeftoversOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** A clean environment: no AMCORD_* from the developer's shell. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => !entry[0].startsWith('AMCORD_') && entry[1] !== undefined),
  );
}

/** Starts `node dist/cli.js --config <configPath>` and resolves once it listens. */
export async function spawnAmcord(options: { configPath: string; env?: Record<string, string>; startTimeoutMs?: number }): Promise<SpawnedAmcord> {
  const child: ChildProcess = spawn(process.execPath, [CLI, '--config', options.configPath], {
    env: { ...cleanEnv(), AMCORD_LOG_FORMAT: 'json', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killLeftoversOnExit();
  live.add(child);
  const logs: LogLine[] = [];
  let other = '';
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        other += `${line}\n`;
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (other += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async (): Promise<void> => {
    if (gone) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntil(
      () => {
        if (gone) throw new Error(`amcord exited during start-up:\n${other}`);
        return logs.some((line) => line.msg.startsWith('amcord is listening'));
      },
      { timeoutMs: options.startTimeoutMs ?? 15_000, intervalMs: 25, description: 'amcord to listen' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const listening = logs.find((line) => line.msg.startsWith('amcord is listening'));
  const port = Number(listening?.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid ?? -1,
    logs,
    otherOutput: () => other,
    exited,
    kill: (signal) => void child.kill(signal),
    isAlive: () => !gone,
    stop,
  };
}
