import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/processes.js';
import { errorText, startRig, type Rig } from './harness.js';

/** Small enough to fill in a moment, big enough for amcord's state. */
const TMPFS_SIZE = '2m';

/** Writes a file until the file system has no byte left; bounded by the file system's size. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const chunk of [Buffer.alloc(64 * 1024), Buffer.alloc(512)]) {
      for (let written = 0; written < 64 * 1024 * 1024; written += chunk.length) {
        try {
          writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * amcord's data_dir on a 2 MB tmpfs that the test fills with a file and empties again, with
 * Alertmanager in front retrying whatever amcord cannot take.
 */
describe('the disk under data_dir filling and emptying', () => {
  let mountPoint: string;
  let rig: Rig | undefined;

  beforeAll(() => {
    mountPoint = mkdtempSync(join(tmpdir(), 'amcord-faults-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mountPoint]);
  });
  afterAll(async () => {
    await rig?.close();
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const unavailable = (current: Rig) => current.metric('amcord_webhooks_received_total{outcome="unavailable"}');
  const readyz = async (current: Rig) => {
    const response = await fetch(`${current.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
  };
  /** The outbox worker met the full disk: it records the start of a delivery before sending anything. */
  const deliveriesPaused = (current: Rig) =>
    current.amcord.logs.some((line) => line.msg === 'storage failed to record the start of a delivery; deliveries pause until it recovers' && errorText(line).includes('disk is full'));
  const posts = (current: Rig) => current.discord.requests.filter((request) => request.method === 'POST' && request.webhookId === current.webhook.id).length;

  it('answers 503 and says why on /readyz while full, sends nothing while full (a restart on the full disk included), and delivers everything once when space is back', { timeout: 90_000 }, async () => {
    rig = await startRig({ name: 'disk', dataDir: mountPoint });
    const current = rig;
    await current.start();
    await current.fire(current.alerts('DiskBefore', 1));
    await current.check();

    // A message waits in the outbox for its retry (Discord did not answer) when the disk fills.
    current.discord.hangNext(1, { webhookId: current.webhook.id });
    const [waiting] = current.alerts('DiskWaiting', 1);
    if (!waiting) throw new Error('no alert');
    await current.fire([waiting]);
    await waitUntil(() => current.amcord.logs.some((line) => line.msg === 'delivery failed; will retry'), { timeoutMs: 10_000, description: 'the retry to be scheduled' });
    const fill = join(mountPoint, 'fill');
    fillUp(fill);
    const postsWhenFull = posts(current);

    // What Alertmanager sends now cannot be committed: 503, and Alertmanager tries again.
    await current.fire(current.alerts('DiskWhileFull', 1));
    await waitUntil(async () => (await unavailable(current)) >= 2, { timeoutMs: 20_000, description: 'Alertmanager to be answered 503 twice' });
    expect(await readyz(current)).toEqual({ status: 503, body: { status: 'not ready', reason: 'storage is not accepting writes: database or disk is full' } });

    // The waiting message's retry comes due, but a delivery that could not be recorded would be
    // sent again after a restart: the worker pauses on recording its start and sends nothing.
    await waitUntil(() => deliveriesPaused(current), { timeoutMs: 20_000, description: 'deliveries to pause on the full disk' });
    expect(posts(current)).toBe(postsWhenFull);

    // A restart with the disk still full: amcord starts (the data directory's lock needs no
    // room), answers 503, says why, and still sends nothing.
    await current.stop();
    await current.start();
    await current.fire(current.alerts('DiskAfterRestart', 1));
    await waitUntil(async () => (await unavailable(current)) >= 1 && deliveriesPaused(current), { timeoutMs: 30_000, description: 'the restarted amcord to meet the full disk' });
    expect((await readyz(current)).body.reason).toBe('storage is not accepting writes: database or disk is full');
    expect(posts(current)).toBe(postsWhenFull);
    expect(current.amcord.isAlive()).toBe(true);

    unlinkSync(fill);
    const verdict = await current.check({ timeoutMs: 45_000 });
    expect(verdict.explained).toEqual([]);
    expect((await readyz(current)).status).toBe(200);
  });
});
