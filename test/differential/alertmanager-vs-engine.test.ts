import { beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_INTERVAL_MS } from '../../src/engine/dispatcher.js';
import { playOnAlertmanager, type AlertmanagerRun } from './alertmanager-run.js';
import { replayOnEngine } from './engine-replay.js';
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

describe('grouping and repeat suppression: amcord engine vs Alertmanager 0.25', () => {
  const runs = new Map<string, PromiseSettledResult<AlertmanagerRun>>();

  beforeAll(async () => {
    // All timelines at once, each on its own Alertmanager: the suite takes as long as the longest.
    const settled = await Promise.allSettled(timelines.map((timeline) => playOnAlertmanager(timeline)));
    timelines.forEach((timeline, index) => runs.set(timeline.name, settled[index] as PromiseSettledResult<AlertmanagerRun>));
  }, 90_000);

  it.each(timelines.map((timeline) => [timeline.name, timeline] as const))('%s', async (_name, timeline) => {
    const run = runs.get(timeline.name);
    if (run?.status !== 'fulfilled') throw run?.reason ?? new Error('the timeline did not run');
    const { t0, launchedAt, notifications, posts } = run.value;

    // Neither side may reach its 30 s empty-group maintenance within the timeline: its phase
    // relative to t0 differs between the two (it starts with each process).
    expect(t0 + timeline.durationMs).toBeLessThan(launchedAt + MAINTENANCE_INTERVAL_MS);

    const engine = await replayOnEngine(timeline, run.value);
    const trace = timingTrace(notifications, engine, posts, t0);
    expect(foreignFingerprints(notifications)).toEqual([]);
    expect(transcript(engine, t0), trace).toEqual(transcript(notifications, t0));
    expect(timingGaps(notifications, engine, t0, TIME_TOLERANCE_MS), trace).toEqual([]);
  });
});
