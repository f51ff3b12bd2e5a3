/** The built CLI run to the end, for start-ups that must refuse: it has to exit on its own. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');

export interface Exited {
  /** The exit code, or null when it had to be killed. */
  status: number | null;
  stderr: string;
  /** Still running after the timeout (so it started instead of refusing), and killed. */
  timedOut: boolean;
}

/** Runs `node dist/cli.js <args>` with a clean environment; one still running after timeoutMs is killed. */
export function runAmcordToExit(args: readonly string[], options: { timeoutMs?: number } = {}): Promise<Exited> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AMCORD_'))),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let timedOut = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 15_000);
    child.once('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stderr, timedOut });
    });
  });
}
