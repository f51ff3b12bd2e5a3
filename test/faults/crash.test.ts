import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/processes.js';
import { startRig, UNRECORDED_AT_EXIT, type Rig } from './harness.js';

/** FAULT_SEED=<n> replays a run; otherwise each run picks its own and names it in the test title. */
const SEED = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const BURSTS = 4;
const GROUPS = ['StormDisk', 'StormCpu', 'StormMem', 'StormNet', 'StormPods', 'StormCerts', 'StormBackup', 'StormDns'];

/** mulberry32: small, seedable, good enough to pick kill points. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * A storm of alerts through Alertmanager into a rate-limited Discord, with amcord killed with -9
 * at seeded random points (while it takes webhooks, or after a random number of requests to
 * Discord) and started again on the same data directory each time.
 */
describe('SIGKILL and restart at random points of a storm', () => {
  let rig: Rig | undefined;
  afterAll(async () => {
    await rig?.close();
  });

  it(`every accepted alert is shown, none twice (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const random = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    // Four requests a second reach this webhook: the storm takes a while to drain.
    rig = await startRig({ name: 'storm', discord: { rateLimit: { limit: 2, windowMs: 500 } } });
    const current = rig;
    await current.start();

    const plan: string[] = [];
    const firing: Array<ReturnType<Rig['alerts']>[number]> = [];
    for (let burst = 0; burst < BURSTS; burst += 1) {
      // New groups, new alerts in groups already shown, and resolutions of earlier ones: new
      // messages, edits, and notifications of one group merged while they wait in the outbox.
      const alerts = Array.from({ length: 4 + Math.floor(random() * 4) }, () => current.alerts(pick(GROUPS), 1)).flat();
      await current.fire(alerts);
      // Only alerts Discord already shows: one that resolves before its group's first flush is
      // never shown, as in Alertmanager, and is no loss.
      const shown = JSON.stringify(current.discord.messages().map((message) => message.embeds));
      const resolving = firing.filter((alert) => shown.includes(alert.id) && random() < 0.4);
      if (resolving.length > 0) await current.resolve(resolving);
      firing.splice(0, firing.length, ...firing.filter((alert) => !resolving.includes(alert)), ...alerts);

      // Each group of the burst posts at least once, so this many requests will come.
      const afterRequests = Math.floor(random() * (new Set(alerts.map((alert) => alert.group)).size + 1));
      plan.push(`burst ${burst}: ${alerts.length} fired, ${resolving.length} resolved, kill after ${afterRequests} more requests to Discord`);
      const before = current.discord.requests.length;
      await waitUntil(() => current.discord.requests.length >= before + afterRequests, {
        timeoutMs: 15_000,
        intervalMs: 5,
        description: `${afterRequests} more requests to Discord (${plan.join('; ')})`,
      });
      await current.kill();
      expect(await current.amcord.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await current.start();
    }

    const verdict = await current.check({ allow: [UNRECORDED_AT_EXIT], timeoutMs: 60_000 }).catch((error: unknown) => {
      throw new Error(`seed ${SEED} (${plan.join('; ')}): ${(error as Error).message}`, { cause: error });
    });
    // Each kill can land between Discord's answer and the commit at most once.
    expect(verdict.explained.length).toBeLessThanOrEqual(BURSTS);
  });
});
