import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_INTERVAL_MS } from '../../src/engine/dispatcher.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import { playOnAlertmanager, type AlertmanagerRun } from './alertmanager-run.js';
import { postgresBackend, replayOnEngine, sqliteBackend } from './engine-replay.js';
import { foreignFingerprints, timingGaps, timingTrace, transcript } from './notifications.js';
import { timelines } from './timelines.js';

/**
 * How far apart the two sides' notification times (and timeout-derived ends) may be. The engine
 * replays the posts at the moments they were actually sent, so its ticks fall where Alertmanager's
 * do; what is left is Alertmanager's real-time lag: the post reaching it, Go timer wake-ups, and
 * the webhook reaching the receiver, all on a 2-core machine running several Alertmanagers.
 * Measured: under 20 ms; the margin is for a machine busy with other test files.
 */
const TIME_TOLERANCE_MS = 250;

describe('grouping and repeat suppression: amcord engine vs Alertmanager 0.25, on SQLite and on PostgreSQL', () => {
  const runs = new Map<string, PromiseSettledResult<AlertmanagerRun>>();
  let postgres: RunningPostgres;
  let databases = 0;

  beforeAll(async () => {
    // All timelines at once, each on its own Alertmanager: the suite takes as long as the longest.
    const [settled, server] = await Promise.all([Promise.allSettled(timelines.map((timeline) => playOnAlertmanager(timeline))), startPostgres()]);
    postgres = server;
    timelines.forEach((timeline, index) => runs.set(timeline.name, settled[index] as PromiseSettledResult<AlertmanagerRun>));
  }, 90_000);
  afterAll(async () => {
    await postgres?.destroy();
  });

  /** An empty database for each replay. */
  const freshUrl = (): Promise<string> => {
    databases += 1;
    return postgres.createDatabase(`replay_${databases}`);
  };

  it.each(timelines.map((timeline) => [timeline.name, timeline] as const))('%s', async (_name, timeline) => {
    const run = runs.get(timeline.name);
    if (run?.status !== 'fulfilled') throw run?.reason ?? new Error('the timeline did not run');
    const { t0, launchedAt, notifications, posts } = run.value;

    // Neither side may reach its 30 s empty-group maintenance within the timeline: its phase
    // relative to t0 differs between the two (it starts with each process).
    expect(t0 + timeline.durationMs).toBeLessThan(launchedAt + MAINTENANCE_INTERVAL_MS);

    expect(foreignFingerprints(notifications)).toEqual([]);
    for (const backend of [sqliteBackend, postgresBackend(freshUrl)]) {
      const engine = await replayOnEngine(timeline, run.value, backend);
      const trace = `${backend.name}\n${timingTrace(notifications, engine, posts, t0)}`;
      expect(transcript(engine, t0), trace).toEqual(transcript(notifications, t0));
      expect(timingGaps(notifications, engine, t0, TIME_TOLERANCE_MS), trace).toEqual([]);
    }
  });
});
