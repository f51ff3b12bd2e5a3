import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnAmcord, type SpawnedAmcord } from '../e2e/support-cli.js';
import { postToAmcord, webhookPayload } from '../e2e/support-payloads.js';
import { readState } from '../e2e/support-state.js';
import { runAmcordToExit } from './support-exit.js';

/**
 * Two amcord processes on one data directory would both flush the same groups and, after a
 * Discord outage, both deliver the same message. The built program, run as users run it: the
 * second refuses to start and names the first; a first killed with -9 leaves no stale lock.
 */
describe('one amcord process per data directory', () => {
  let workDir: string;
  let dataDir: string;
  let configPath: string;
  const processes: SpawnedAmcord[] = [];

  beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'amcord-faults-lock-'));
    dataDir = join(workDir, 'data');
    configPath = join(workDir, 'amcord.yml');
    writeFileSync(
      configPath,
      toYaml({ data_dir: dataDir, server: { host: '127.0.0.1', port: 0 }, log: { level: 'info', format: 'json' }, grouping: { group_wait: '1h' } }),
    );
  });

  afterAll(async () => {
    for (const amcord of processes) await amcord.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const serveExpectingRefusal = () => runAmcordToExit(['serve', '--config', configPath]);

  const alert = (name: string) => webhookPayload([{ labels: { alertname: name, instance: 'host-1:9100' }, annotations: {}, startsAt: new Date() }]);

  it('refuses a second process naming the directory and the first pid, and starts again after kill -9', { timeout: 60_000 }, async () => {
    const first = await spawnAmcord({ configPath });
    processes.push(first);
    await postToAmcord(first.url, alert('BeforeTheSecond'));

    const second = await serveExpectingRefusal();
    expect(second.timedOut, 'the second amcord exits by itself').toBe(false);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`data directory ${dataDir} is in use by another amcord (pid ${first.pid} on host `);
    expect(second.stderr).toContain('Only one amcord may use a data directory at a time');

    // The refusal left the first one working, and still the only one.
    await postToAmcord(first.url, alert('AfterTheSecond'));
    expect(readState(dataDir).alerts).toBe(2);
    expect((await serveExpectingRefusal()).status).toBe(1);

    first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const restarted = await spawnAmcord({ configPath });
    processes.push(restarted);
    await postToAmcord(restarted.url, alert('AfterTheRestart'));
    expect(readState(dataDir).alerts).toBe(3);
    const third = await serveExpectingRefusal();
    expect(third.stderr).toContain(`(pid ${restarted.pid} on host `);
  });
});
