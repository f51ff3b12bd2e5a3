import { firing, resolved, step, type Timeline } from './timeline.js';

/**
 * The scripted histories. Timers are scaled to seconds: group_wait 1s and group_interval 2s, so a
 * group created at t=0 ticks at 1, 3, 5, 7, … s. Every post lands at least 0.5 s away from a tick,
 * and every scripted end at least 0.5 s away from the tick that must see it, so real-time jitter
 * in Alertmanager cannot change which tick sees what.
 */
const HOUR = 3_600_000;
const base: Timeline['grouping'] = {
  groupBy: ['alertname'],
  groupWaitMs: 1_000,
  groupIntervalMs: 2_000,
  repeatIntervalMs: HOUR,
  resolveTimeoutMs: HOUR,
  sendResolved: true,
};

const disk = (instance: string) => ({ alertname: 'DiskFull', instance });
const flap = (instance: string) => ({ alertname: 'Flapping', instance });

export const timelines: Timeline[] = [
  {
    name: 'new-group',
    grouping: base,
    // One notification after group_wait, then silence: the repeat interval is an hour.
    steps: [step(0, firing(disk('a'), 0), firing(disk('b'), 0))],
    durationMs: 6_000,
  },
  {
    name: 'old-alert-flushes-at-once',
    grouping: base,
    // startsAt + group_wait already past: the first flush is immediate. After that first flush the
    // rule no longer applies, so an equally old alert joining waits for the next tick (t=2).
    steps: [step(0, firing(disk('a'), -60)), step(0.5, firing(disk('b'), -60))],
    durationMs: 5_000,
  },
  {
    name: 'alerts-join-group',
    grouping: base,
    steps: [
      step(0, firing(disk('a'), 0)),
      step(2, firing(disk('b'), 2)),
      // A second alertname starts its own group with its own group_wait (ticks 5, 7, …).
      step(4, firing(disk('c'), 4), firing({ alertname: 'CpuBusy', instance: 'a' }, 4)),
    ],
    durationMs: 8_000,
  },
  {
    name: 'partial-resolve',
    grouping: base,
    steps: [step(0, firing(disk('a'), 0), firing(disk('b'), 0), firing(disk('c'), 0)), step(2, resolved(disk('b'), 0, 2))],
    durationMs: 8_000,
  },
  {
    name: 'full-resolve',
    grouping: base,
    steps: [step(0, firing(disk('a'), 0), firing(disk('b'), 0)), step(2, resolved(disk('a'), 0, 2), resolved(disk('b'), 0, 2))],
    durationMs: 8_000,
  },
  {
    name: 'resolve-timeout',
    grouping: { ...base, resolveTimeoutMs: 3_000 },
    steps: [
      // a carries an explicit end 20 s ahead, as Prometheus sends; b has none and times out at 3.5.
      step(0, { ...firing(disk('a'), 0), endsAt: 20_000 }),
      step(0.5, firing(disk('b'), 0)),
      // Reported without an end: the explicit end still rules (it is later), but the merged alert
      // now carries the timeout flag, so the next report without an end shortens it (to 7.5).
      step(2, firing(disk('a'), 0)),
      step(4.5, firing(disk('a'), 0)),
    ],
    durationMs: 11_000,
  },
  {
    name: 'repeat-after-repeat-interval',
    grouping: { ...base, repeatIntervalMs: 5_000 },
    // Logged at 1; a repeat needs a tick later than 1 + 5 = 6, so it comes at 7, then at 13.
    steps: [step(0, firing(disk('a'), 0))],
    durationMs: 14_000,
  },
  {
    name: 'repeat-equal-to-group-interval',
    grouping: { ...base, repeatIntervalMs: 2_000 },
    // The tick one interval later is not later than log time + repeat_interval: every second tick.
    steps: [step(0, firing(disk('a'), 0))],
    durationMs: 14_000,
  },
  {
    name: 'repeat-below-group-interval',
    grouping: { ...base, repeatIntervalMs: 1_000 },
    steps: [step(0, firing(disk('a'), 0))],
    durationMs: 8_000,
  },
  {
    name: 'flapping',
    grouping: base,
    steps: [
      step(0, firing(flap('a'), 0)),
      step(2, resolved(flap('a'), 0, 2)),
      // Back while its now empty group still exists: it joins it and waits for the tick at 5.
      step(4, firing(flap('a'), 4)),
      step(4.5, resolved(flap('a'), 4, 4.5)),
      step(6, firing(flap('a'), 6)),
      // Resolved and back within one interval; no overlap, so the new report replaces the old.
      step(8, resolved(flap('a'), 6, 8)),
      step(8.5, firing(flap('a'), 8.5)),
      step(10, firing(flap('b'), 10)),
    ],
    durationMs: 12_000,
  },
  {
    name: 'send-resolved-false',
    grouping: { ...base, sendResolved: false },
    steps: [
      step(0, firing(disk('a'), 0), firing(disk('b'), 0)),
      step(2, resolved(disk('a'), 0, 2)),
      step(4, resolved(disk('b'), 0, 4)),
      step(6, firing(disk('a'), 6)),
    ],
    durationMs: 10_000,
  },
  {
    name: 'group-by-all',
    grouping: { ...base, groupBy: 'all' },
    steps: [step(0, firing(disk('a'), 0), firing(disk('b'), 0)), step(2, firing(disk('a'), 0), resolved(disk('b'), 0, 2))],
    durationMs: 6_000,
  },
  {
    name: 'resolved-after-log-expired',
    // The log entry expires 2 × 0.5 s after each send, before the next tick can read it.
    grouping: { ...base, repeatIntervalMs: 500 },
    steps: [step(0, firing(disk('a'), 0)), step(4, resolved(disk('a'), 0, 4))],
    durationMs: 8_000,
  },
];
