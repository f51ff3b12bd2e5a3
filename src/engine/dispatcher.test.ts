import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../store/database.js';
import { EngineStore } from '../store/engine-store.js';
import type { IncomingAlert } from './alert.js';
import { Dispatcher, MAINTENANCE_INTERVAL_MS, type GroupingOptions } from './dispatcher.js';
import { fingerprintOf } from './fingerprint.js';
import type { Notification } from './notification.js';

const T0 = Date.UTC(2026, 10, 25, 12);
const ROUTE = '{}';
const RECEIVER = 'discord';
const GROUP_WAIT = 1_000;
const GROUP_INTERVAL = 10_000;
const REPEAT_INTERVAL = 60_000;
const RESOLVE_TIMEOUT = 300_000;
const defaults: GroupingOptions = {
  groupBy: ['alertname'],
  groupWaitMs: GROUP_WAIT,
  groupIntervalMs: GROUP_INTERVAL,
  repeatIntervalMs: REPEAT_INTERVAL,
  sendResolved: true,
  resolveTimeoutMs: RESOLVE_TIMEOUT,
};

/** A DiskFull alert on `instance`, starting now unless told otherwise. */
function disk(instance: string, times: { startsAt?: number; endsAt?: number } = {}): IncomingAlert {
  return {
    labels: { alertname: 'DiskFull', instance },
    annotations: {},
    startsAt: times.startsAt ?? Date.now(),
    endsAt: times.endsAt,
    generatorURL: '',
  };
}

const diskKey = `${ROUTE}:{alertname="DiskFull"}`;

interface Harness {
  dispatcher: Dispatcher;
  store: EngineStore;
  sent: Notification[];
  /** What was sent, readably: flush time after T0, instances firing and resolved, and why. */
  transcript: () => { at: number; firing: string[]; resolved: string[]; reason: string }[];
  /** Makes the sink throw (a failed send) until called with false. */
  failSends: (failing: boolean) => void;
}

const open: Db[] = [];
const running: Dispatcher[] = [];

function harness(grouping: Partial<GroupingOptions> = {}, db: Db = openDatabase(':memory:')): Harness {
  open.push(db);
  const sent: Notification[] = [];
  let failing = false;
  const store = new EngineStore(db);
  const dispatcher = new Dispatcher({
    store,
    clock: { now: () => Date.now() },
    logger: pino({ level: 'silent' }),
    route: ROUTE,
    receiver: RECEIVER,
    grouping: { ...defaults, ...grouping },
    sink: (notification) => {
      if (failing) throw new Error('Discord is down');
      sent.push(notification);
    },
  });
  dispatcher.start();
  running.push(dispatcher);
  const instances = (alerts: Notification['firing']) => alerts.map((alert) => alert.labels['instance'] ?? '?');
  return {
    dispatcher,
    store,
    sent,
    transcript: () =>
      sent.map((n) => ({ at: n.at - T0, firing: instances(n.firing), resolved: instances(n.resolved), reason: n.reason })),
    failSends: (value) => {
      failing = value;
    },
  };
}

const advanceTo = (offset: number): void => {
  vi.advanceTimersByTime(T0 + offset - Date.now());
};

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});

afterEach(() => {
  for (const dispatcher of running.splice(0)) dispatcher.stop();
  for (const db of open.splice(0)) db.close();
  vi.useRealTimers();
});

describe('rule 1: grouping', () => {
  it('puts alerts with the same group_by labels into one group', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a'), disk('b'), { ...disk('a'), labels: { alertname: 'CpuBusy', instance: 'a' } }], '');
    expect(dispatcher.snapshot().map((group) => [group.groupKey, group.groupLabels, group.alerts.size])).toEqual([
      [diskKey, { alertname: 'DiskFull' }, 2],
      [`${ROUTE}:{alertname="CpuBusy"}`, { alertname: 'CpuBusy' }, 1],
    ]);
    advanceTo(GROUP_WAIT);
    expect(transcript().map(({ firing }) => firing)).toEqual([['a', 'b'], ['a']]);
  });

  it('puts every alert of the route into one group for an empty group_by', () => {
    const { dispatcher } = harness({ groupBy: [] });
    dispatcher.ingest([disk('a'), { ...disk('b'), labels: { alertname: 'CpuBusy' } }], '');
    expect(dispatcher.snapshot().map((group) => group.groupKey)).toEqual([`${ROUTE}:{}`]);
  });

  it("gives every label set its own group for group_by '...'", () => {
    const { dispatcher, transcript } = harness({ groupBy: 'all' });
    dispatcher.ingest([disk('a'), disk('b')], '');
    expect(dispatcher.snapshot().map((group) => group.groupKey)).toEqual([
      `${ROUTE}:{alertname="DiskFull", instance="a"}`,
      `${ROUTE}:{alertname="DiskFull", instance="b"}`,
    ]);
    advanceTo(GROUP_WAIT);
    expect(transcript().map(({ firing }) => firing)).toEqual([['a'], ['b']]);
  });
});

describe('rule 2: group_wait', () => {
  it('holds a new group for group_wait, then flushes it', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT - 1);
    expect(transcript()).toEqual([]);
    advanceTo(GROUP_WAIT);
    expect(transcript()).toEqual([{ at: GROUP_WAIT, firing: ['a'], resolved: [], reason: 'first' }]);
  });

  it('flushes at once when startsAt + group_wait is already past', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a', { startsAt: T0 - GROUP_WAIT - 1 })], '');
    advanceTo(0);
    expect(transcript()).toEqual([{ at: 0, firing: ['a'], resolved: [], reason: 'first' }]);
  });

  it('waits when startsAt + group_wait is exactly now (strictly before, as Alertmanager)', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a', { startsAt: T0 - GROUP_WAIT })], '');
    advanceTo(GROUP_WAIT - 1);
    expect(transcript()).toEqual([]);
  });

  it('flushes at once when an old alert joins a group still in its group_wait', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(300);
    dispatcher.ingest([disk('b', { startsAt: T0 - 60_000 })], '');
    advanceTo(300);
    expect(transcript()).toEqual([{ at: 300, firing: ['a', 'b'], resolved: [], reason: 'first' }]);
    // Re-armed from that flush.
    advanceTo(300 + GROUP_INTERVAL);
    expect(transcript()).toHaveLength(1);
  });

  it('applies only before the first flush: afterwards an old alert waits for the next tick', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 100);
    dispatcher.ingest([disk('b', { startsAt: T0 - 60_000 })], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL - 1);
    expect(transcript()).toHaveLength(1);
    advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()[1]).toEqual({ at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a', 'b'], resolved: [], reason: 'new-firing' });
  });
});

describe('rule 3: alerts joining an existing group', () => {
  it('wait for the next tick; the timer is not touched', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 10);
    dispatcher.ingest([disk('b')], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL - 1);
    expect(transcript()).toHaveLength(1);
    advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()[1]).toMatchObject({ at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a', 'b'], reason: 'new-firing' });
  });

  it('join during group_wait and go out with the first flush', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT / 2);
    dispatcher.ingest([disk('b')], '');
    advanceTo(GROUP_WAIT);
    expect(transcript()).toEqual([{ at: GROUP_WAIT, firing: ['a', 'b'], resolved: [], reason: 'first' }]);
  });
});

describe('rule 4: ticks', () => {
  it('re-arm to group_interval at every tick, whether or not anything is sent', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 5_000);
    dispatcher.ingest([disk('b')], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL + 5_000);
    dispatcher.ingest([disk('c')], '');
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(transcript().map(({ at }) => at)).toEqual([GROUP_WAIT, GROUP_WAIT + GROUP_INTERVAL, GROUP_WAIT + 2 * GROUP_INTERVAL]);
  });

  it('count an alert as resolved at tick T when its endsAt <= T', () => {
    const tick = GROUP_WAIT + GROUP_INTERVAL;
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a', { endsAt: T0 + tick }), disk('b', { endsAt: T0 + tick + 1 })], '');
    advanceTo(tick);
    expect(transcript()[1]).toEqual({ at: tick, firing: ['b'], resolved: ['a'], reason: 'newly-resolved' });
  });

  it('resolve an alert that is not reported again within resolve_timeout', () => {
    const { dispatcher, transcript } = harness({ resolveTimeoutMs: 15_000 });
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript().map(({ at, firing, resolved }) => ({ at, firing, resolved }))).toEqual([
      { at: GROUP_WAIT, firing: ['a'], resolved: [] },
      { at: GROUP_WAIT + 2 * GROUP_INTERVAL, firing: [], resolved: ['a'] },
    ]);
  });

  it('belong to their due time when the timer fires a little late, so lag cannot bring a repeat forward', () => {
    // Timers that are never advanced; the test fires ticks by hand, each 3 ms late.
    let now = T0;
    const db = openDatabase(':memory:');
    open.push(db);
    const sent: Notification[] = [];
    const dispatcher = new Dispatcher({
      store: new EngineStore(db),
      clock: { now: () => now },
      logger: pino({ level: 'silent' }),
      route: ROUTE,
      receiver: RECEIVER,
      grouping: { ...defaults, repeatIntervalMs: GROUP_INTERVAL },
      sink: (notification) => sent.push(notification),
    });
    running.push(dispatcher);
    dispatcher.ingest([disk('a')], '');
    for (let tick = 0; tick < 4; tick += 1) {
      now = T0 + GROUP_WAIT + tick * GROUP_INTERVAL + 3;
      dispatcher.tick();
    }
    expect(sent.map((notification) => notification.at - T0)).toEqual([GROUP_WAIT, GROUP_WAIT + 2 * GROUP_INTERVAL]);
  });
});

describe('rule 5: dedup at each flush', () => {
  it('notifies for the first firing alerts, new firing alerts, newly resolved ones, all resolved, and repeats', () => {
    const { dispatcher, transcript } = harness();
    const tick = (n: number) => GROUP_WAIT + n * GROUP_INTERVAL;
    dispatcher.ingest([disk('a'), disk('b'), disk('c')], '');
    advanceTo(tick(0) + 1);
    dispatcher.ingest([disk('d')], '');
    advanceTo(tick(1) + 1);
    dispatcher.ingest([disk('d', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(tick(2) + 1);
    // Unchanged until the repeat: the entry from tick 2 is older than now - repeat_interval at tick 9.
    advanceTo(tick(9) + 1);
    dispatcher.ingest(['a', 'b', 'c'].map((instance) => disk(instance, { startsAt: T0, endsAt: Date.now() })), '');
    advanceTo(tick(12));
    expect(transcript()).toEqual([
      { at: tick(0), firing: ['a', 'b', 'c'], resolved: [], reason: 'first' },
      { at: tick(1), firing: ['a', 'b', 'c', 'd'], resolved: [], reason: 'new-firing' },
      { at: tick(2), firing: ['a', 'b', 'c'], resolved: ['d'], reason: 'newly-resolved' },
      { at: tick(9), firing: ['a', 'b', 'c'], resolved: [], reason: 'repeat' },
      { at: tick(10), firing: [], resolved: ['a', 'b', 'c'], reason: 'all-resolved' },
    ]);
  });

  it('sends nothing for a group whose alerts fired and resolved between two ticks', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 1);
    dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    dispatcher.ingest([disk('b')], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL + 2);
    dispatcher.ingest([disk('b', { endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    // b fired and resolved between ticks after the all-resolved notification: nothing about it.
    expect(transcript().map(({ reason }) => reason)).toEqual(['first', 'all-resolved']);
  });

  it('sends a resolved-only group never announced as firing to nobody', () => {
    const { dispatcher, transcript, store } = harness();
    dispatcher.ingest([disk('a', { startsAt: T0 - 60_000, endsAt: T0 - 1 })], '');
    advanceTo(GROUP_WAIT);
    expect(transcript()).toEqual([]);
    expect(store.lastNotification(diskKey, RECEIVER, Date.now())).toBeUndefined();
  });
});

describe('rule 6: without send_resolved', () => {
  it('strips resolved alerts from what is sent, and ignores newly resolved ones', () => {
    const { dispatcher, transcript } = harness({ sendResolved: false });
    dispatcher.ingest([disk('a'), disk('b')], '');
    advanceTo(GROUP_WAIT + 1);
    dispatcher.ingest([disk('b', { startsAt: T0, endsAt: Date.now() }), disk('c')], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()).toEqual([
      { at: GROUP_WAIT, firing: ['a', 'b'], resolved: [], reason: 'first' },
      { at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a', 'c'], resolved: [], reason: 'new-firing' },
    ]);
  });

  it('sends nothing for a resolved-only flush but logs it as done', () => {
    const { dispatcher, transcript, store } = harness({ sendResolved: false });
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 1);
    dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()).toHaveLength(1);
    expect(store.lastNotification(diskKey, RECEIVER, Date.now())).toEqual({
      firing: [],
      resolved: [fingerprintOf({ alertname: 'DiskFull', instance: 'a' })],
      at: Date.now(),
    });
    // The log forgot a as firing, so its return is news.
    advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript()[1]).toMatchObject({ firing: ['a'], reason: 'new-firing' });
  });
});

describe('rule 7: the notification log', () => {
  it('is written only when the sink succeeds; a failed flush is retried at the next tick', () => {
    const { dispatcher, transcript, store, failSends, sent } = harness();
    failSends(true);
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL - 1);
    expect(store.lastNotification(diskKey, RECEIVER, Date.now())).toBeUndefined();
    // The group still holds its alert and its next tick is one interval on, not at once.
    expect(dispatcher.snapshot()[0]?.alerts.size).toBe(1);
    expect(dispatcher.snapshot()[0]?.nextFlushAt).toBe(T0 + GROUP_WAIT + GROUP_INTERVAL);
    failSends(false);
    advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()).toEqual([{ at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a'], resolved: [], reason: 'first' }]);
    expect(store.lastNotification(diskKey, RECEIVER, Date.now())?.at).toBe(sent[0]?.at);
  });

  it('keeps resolved alerts in the group when their flush failed', () => {
    const { dispatcher, transcript, failSends } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 1);
    dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    failSends(true);
    advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(dispatcher.snapshot()[0]?.alerts.size).toBe(1);
    failSends(false);
    advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript().map(({ resolved }) => resolved)).toEqual([[], ['a']]);
    expect(dispatcher.snapshot()[0]?.alerts.size).toBe(0);
  });

  it('expires entries 2 × repeat_interval after they were written', () => {
    const { dispatcher, store } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT);
    const loggedAt = Date.now();
    expect(store.lastNotification(diskKey, RECEIVER, loggedAt + 2 * REPEAT_INTERVAL - 1)).toBeDefined();
    expect(store.lastNotification(diskKey, RECEIVER, loggedAt + 2 * REPEAT_INTERVAL)).toBeUndefined();
  });
});

describe('rule 8: after a flush', () => {
  it('drops resolved alerts from the group, and removes the empty group at the 30 s maintenance', () => {
    const { dispatcher } = harness();
    dispatcher.ingest([disk('a'), disk('b')], '');
    advanceTo(GROUP_WAIT + 1);
    dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect([...(dispatcher.snapshot()[0]?.alerts.keys() ?? [])]).toEqual([fingerprintOf({ alertname: 'DiskFull', instance: 'b' })]);
    dispatcher.ingest([disk('b', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(dispatcher.groupCount).toBe(1);
    advanceTo(MAINTENANCE_INTERVAL_MS - 1);
    expect(dispatcher.groupCount).toBe(1);
    advanceTo(MAINTENANCE_INTERVAL_MS);
    expect(dispatcher.groupCount).toBe(0);
  });

  it('lets an alert rejoin an empty group before maintenance on its ticks, and start afresh after it', () => {
    const { dispatcher, transcript } = harness();
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + 1);
    dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    // Empty but kept: b waits for the group's next tick, not for a group_wait.
    dispatcher.ingest([disk('b')], '');
    advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript().at(-1)).toMatchObject({ at: GROUP_WAIT + 2 * GROUP_INTERVAL, firing: ['b'] });
    dispatcher.ingest([disk('b', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    advanceTo(2 * MAINTENANCE_INTERVAL_MS);
    expect(dispatcher.groupCount).toBe(0);
    dispatcher.ingest([disk('c')], '');
    advanceTo(2 * MAINTENANCE_INTERVAL_MS + GROUP_WAIT);
    expect(transcript().at(-1)).toMatchObject({ at: 2 * MAINTENANCE_INTERVAL_MS + GROUP_WAIT, firing: ['c'], reason: 'new-firing' });
  });
});

describe('consequences', () => {
  const repeats = (repeatIntervalMs: number, ticks: number): number[] => {
    const { dispatcher, transcript } = harness({ repeatIntervalMs });
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + ticks * GROUP_INTERVAL);
    return transcript().map(({ at }) => (at - GROUP_WAIT) / GROUP_INTERVAL);
  };

  it('repeat_interval == group_interval repeats every two intervals', () => {
    expect(repeats(GROUP_INTERVAL, 6)).toEqual([0, 2, 4, 6]);
  });

  it('repeat_interval < group_interval repeats every interval', () => {
    expect(repeats(GROUP_INTERVAL / 2, 3)).toEqual([0, 1, 2, 3]);
  });

  it('repeat_interval a multiple of group_interval repeats one tick after the multiple', () => {
    expect(repeats(3 * GROUP_INTERVAL, 8)).toEqual([0, 4, 8]);
  });

  it('a resolved-only flush after the log entry expired sends nothing', () => {
    // 2 × repeat_interval is shorter than group_interval: every entry is gone by the next tick.
    const { dispatcher, transcript } = harness({ repeatIntervalMs: GROUP_INTERVAL / 4 });
    dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(transcript()).toEqual([
      { at: GROUP_WAIT, firing: ['a'], resolved: [], reason: 'first' },
      { at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a'], resolved: [], reason: 'first' },
    ]);
  });
});

describe('restart', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'amcord-engine-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Stops the running dispatcher and closes its database, as a process exit would. */
  const crash = (): void => {
    for (const dispatcher of running.splice(0)) dispatcher.stop();
    for (const db of open.splice(0)) db.close();
  };

  it('resumes groups from the store and flushes overdue ones at once, without repeating what was logged', () => {
    const first = harness({}, openDatabase(dataDir));
    first.dispatcher.ingest([disk('a'), { ...disk('x'), labels: { alertname: 'CpuBusy', instance: 'x' } }], '');
    advanceTo(GROUP_WAIT);
    expect(first.sent).toHaveLength(2);
    first.dispatcher.ingest([disk('b')], '');
    crash();

    // Down for three intervals; a, b and x are still firing (the resolve timeout is 5 min).
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL + 500);
    const second = harness({}, openDatabase(dataDir));
    expect(second.dispatcher.groupCount).toBe(2);
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL + 500);
    // DiskFull is overdue and has news (b); CpuBusy is overdue but unchanged, so it stays quiet.
    expect(second.transcript()).toEqual([{ at: GROUP_WAIT + 3 * GROUP_INTERVAL + 500, firing: ['a', 'b'], resolved: [], reason: 'new-firing' }]);
    // And keeps ticking from there.
    advanceTo(GROUP_WAIT + 4 * GROUP_INTERVAL + 500 - 1);
    expect(second.sent).toHaveLength(1);
    expect(second.dispatcher.snapshot().every((group) => group.nextFlushAt === T0 + GROUP_WAIT + 4 * GROUP_INTERVAL + 500)).toBe(true);
  });

  it('keeps a group in its group_wait waiting only for the rest of it', () => {
    const first = harness({}, openDatabase(dataDir));
    first.dispatcher.ingest([disk('a')], '');
    advanceTo(GROUP_WAIT / 2);
    crash();
    const second = harness({}, openDatabase(dataDir));
    advanceTo(GROUP_WAIT - 1);
    expect(second.sent).toEqual([]);
    advanceTo(GROUP_WAIT);
    expect(second.transcript()).toEqual([{ at: GROUP_WAIT, firing: ['a'], resolved: [], reason: 'first' }]);
  });

  it('announces at once what resolved while it was down', () => {
    const first = harness({ resolveTimeoutMs: 3 * GROUP_INTERVAL }, openDatabase(dataDir));
    first.dispatcher.ingest([disk('a'), disk('b')], '');
    advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    first.dispatcher.ingest([disk('b')], '');
    crash();
    // a's timeout (3 intervals from T0) passes during the downtime; b's, renewed, does not.
    advanceTo(3 * GROUP_INTERVAL + 2_000);
    const second = harness({ resolveTimeoutMs: 3 * GROUP_INTERVAL }, openDatabase(dataDir));
    advanceTo(3 * GROUP_INTERVAL + 2_000);
    expect(second.transcript()).toEqual([{ at: 3 * GROUP_INTERVAL + 2_000, firing: ['b'], resolved: ['a'], reason: 'newly-resolved' }]);
  });
});

describe('high availability', () => {
  // Two Alertmanager replicas each send the same group; their alerts started long ago.
  const fromReplica = (): IncomingAlert[] => [disk('a', { startsAt: T0 - 600_000 }), disk('b', { startsAt: T0 - 600_000 })];

  it('gives one notification when both replicas arrive before the flush', () => {
    const { dispatcher, sent } = harness();
    dispatcher.ingest(fromReplica(), 'http://am-1');
    dispatcher.ingest(fromReplica(), 'http://am-2');
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.firing).toHaveLength(2);
  });

  it('gives one notification when the second replica arrives after it', () => {
    const { dispatcher, sent } = harness();
    dispatcher.ingest(fromReplica(), 'http://am-1');
    advanceTo(20);
    dispatcher.ingest(fromReplica(), 'http://am-2');
    advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(sent.map((notification) => notification.at - T0)).toEqual([0]);
  });
});
