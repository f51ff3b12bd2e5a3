/**
 * Every command ends on SIGTERM and SIGINT, whoever its parent is. In a container the CLI is
 * PID 1, where the kernel drops a signal the process has no handler for, so each command must
 * handle them itself: a handled signal shows as an exit code (128 + the signal's number, or 0
 * after a clean shutdown) rather than as death by the signal.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitUntil } from './support/processes.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
/** How long a process may take to be gone after the signal that should end it. */
const EXIT_BOUND_MS = 5_000;
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AMCORD_')));

/** Running, and not a zombie waiting for its parent. */
function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "<pid> (<command>) <state> …"; the command may itself contain parentheses.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** The exit, once the process has ended; fails if it takes longer than `EXIT_BOUND_MS`. */
  exit: () => Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started: ChildProcess[] = [];
const strays: number[] = [];

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of strays.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

function start(command: string, args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...cleanEnv(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return {
    child,
    output: () => output,
    exit: async () => {
      await waitUntil(() => child.exitCode !== null || child.signalCode !== null, { timeoutMs: EXIT_BOUND_MS, description: `${command} ${args.join(' ')} to exit` });
      return { code: child.exitCode, signal: child.signalCode };
    },
  };
}

async function serveEnv(): Promise<Record<string, string>> {
  return {
    AMCORD_SERVER_PORT: String(await freePort()),
    AMCORD_SERVER_HOST: '127.0.0.1',
    AMCORD_LOG_FORMAT: 'json',
    AMCORD_DATA_DIR: mkdtempSync(join(tmpdir(), 'amcord-signals-data-')),
  };
}

const untilListening = (cli: Started) =>
  waitUntil(() => cli.output().includes('amcord is listening'), { timeoutMs: 15_000, description: `amcord to listen; output so far:\n${cli.output()}` });

/**
 * A configuration file that is a FIFO: writing it completes only once the CLI has opened it,
 * which it does after installing its signal handlers; so a signal sent after `written` finds
 * them in place (Node's own start-up handler would otherwise end the process by the signal).
 */
function configFifo(text: string): { path: string; written: () => Promise<void> } {
  const path = join(mkdtempSync(join(tmpdir(), 'amcord-signals-')), 'amcord.yml');
  execFileSync('mkfifo', [path]);
  return { path, written: () => writeFile(path, text) };
}

describe('commands waiting on input end on a signal', () => {
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`render, reading stdin that never ends, exits ${code} on ${signal}`, async () => {
      const config = configFifo('log: { level: info }\n');
      const cli = start(process.execPath, [CLI, 'render', '--config', config.path]);
      await config.written();
      cli.child.kill(signal);
      expect(await cli.exit()).toEqual({ code, signal: null });
    });
  }

  it('register-commands, waiting on a Discord API that never answers, exits 143 on SIGTERM', async () => {
    let requests = 0;
    const silent: Server = createServer(() => {
      requests += 1; // and never answer
    });
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening));
    try {
      const path = join(mkdtempSync(join(tmpdir(), 'amcord-signals-')), 'amcord.yml');
      const { port } = silent.address() as AddressInfo;
      writeFileSync(
        path,
        `bot:\n  enabled: true\n  token: test-token\n  application_id: "123456789012345678"\n  guild_id: "234567890123456789"\n  api_base: http://127.0.0.1:${port}/api\n`,
      );
      const cli = start(process.execPath, [CLI, 'register-commands', '--config', path]);
      await waitUntil(() => requests > 0, { timeoutMs: 15_000, description: 'the PUT of the commands' });
      cli.child.kill('SIGTERM');
      expect(await cli.exit()).toEqual({ code: 143, signal: null });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((closed) => silent.close(() => closed()));
    }
  });
});

describe('serve and signals', () => {
  it('a second signal during a slow shutdown exits at once', async () => {
    const env = await serveEnv();
    const cli = start(process.execPath, [CLI], env);
    await untilListening(cli);
    // A webhook whose body never finishes keeps the HTTP server, and so the shutdown, waiting.
    const socket: Socket = connect(Number(env.AMCORD_SERVER_PORT), '127.0.0.1');
    try {
      await new Promise<void>((connected) => socket.once('connect', connected));
      socket.write('POST /alerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      cli.child.kill('SIGTERM');
      await waitUntil(() => cli.output().includes('shutting down'), { timeoutMs: EXIT_BOUND_MS, description: 'the shutdown to begin' });
      cli.child.kill('SIGINT');
      expect(await cli.exit()).toEqual({ code: 130, signal: null });
      expect(cli.output()).toContain('SIGINT again, exiting without finishing the shutdown');
    } finally {
      socket.destroy();
    }
  });

  // `npm start` runs the start script through `sh -c`; npm forwards SIGTERM to its child, which
  // must therefore be node itself and not a shell that dies and leaves node running.
  // --ignore-scripts skips the prestart build: test/global-setup.ts has built dist/ already.
  for (const [launcher, command, args] of [
    ['node dist/cli.js', process.execPath, [CLI]],
    ['npm start', 'npm', ['start', '--silent', '--ignore-scripts']],
  ] as const) {
    it(`${launcher}: SIGTERM to it leaves no amcord process behind`, async () => {
      const cli = start(command, [...args], await serveEnv());
      await untilListening(cli);
      const listening = cli.output().split('\n').find((line) => line.includes('amcord is listening')) ?? '';
      const amcordPid = (JSON.parse(listening) as { pid: number }).pid;
      strays.push(amcordPid);
      cli.child.kill('SIGTERM');
      await waitUntil(() => !isRunning(amcordPid), { timeoutMs: EXIT_BOUND_MS, description: `amcord (pid ${amcordPid}) to be gone after SIGTERM to ${launcher}` });
      expect(cli.output()).toContain('amcord stopped');
    });
  }
});
