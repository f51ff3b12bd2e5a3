import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../store/database.js';
import { EngineStore } from '../store/engine-store.js';
import { OutboxStore } from '../store/outbox-store.js';
import type { IncomingAlert } from './alert.js';
import { Dispatcher, MAINTENANCE_INTERVAL_MS, type GroupingOptions } from './dispatcher.js';
import { fingerprintOf } from './fingerprint.js';
import type { Notification } from './notification.js';
import type { EngineRepository, FlushChanges, IngestChanges, StoredGroup } from './ports.js';

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
  store: EngineRepository;
  sent: Notification[];
  /** What was sent, readably: flush time after T0, instances firing and resolved, and why. */
  transcript: () => { at: number; firing: string[]; resolved: string[]; reason: string }[];
  /** Makes the sink throw (a failed send) until called with false. */
  failSends: (failing: boolean) => void;
}

const open: Db[] = [];
const running: Dispatcher[] = [];

/** The engine's SQLite storage, recording what each flush hands on, and failing commits on request. */
class RecordingRepository implements EngineRepository {
  readonly sent: Notification[] = [];
  /** Every ingest commit, as handed to storage. */
  readonly ingests: IngestChanges[] = [];
  failing = false;
  failIngest = false;
  private readonly inner: EngineStore;

  constructor(db: Db) {
    this.inner = new EngineStore(db, new OutboxStore(db));
  }

  loadGroups(route: string): Promise<StoredGroup[]> {
    return this.inner.loadGroups(route);
  }

  saveIngest(changes: IngestChanges): Promise<void> {
    this.ingests.push(changes);
    if (this.failIngest) return Promise.reject(new Error('disk full'));
    return this.inner.saveIngest(changes);
  }

  async saveFlush(changes: FlushChanges): Promise<void> {
    if (this.failing) throw new Error('Discord is down');
    await this.inner.saveFlush(changes);
    if (changes.sent?.notification) this.sent.push(changes.sent.notification);
  }

  removeGroups(groupKeys: readonly string[], now: number): Promise<void> {
    return this.inner.removeGroups(groupKeys, now);
  }

  lastNotification(groupKey: string, receiver: string, now: number) {
    return this.inner.lastNotification(groupKey, receiver, now);
  }
}

async function harness(grouping: Partial<GroupingOptions> = {}, db: Db = openDatabase(':memory:')): Promise<Harness> {
  open.push(db);
  const store = new RecordingRepository(db);
  const { sent } = store;
  const dispatcher = new Dispatcher({
    store,
    clock: { now: () => Date.now() },
    logger: pino({ level: 'silent' }),
    route: ROUTE,
    receiver: RECEIVER,
    grouping: { ...defaults, ...grouping },
  });
  await dispatcher.start();
  running.push(dispatcher);
  const instances = (alerts: Notification['firing']) => alerts.map((alert) => alert.labels['instance'] ?? '?');
  return {
    dispatcher,
    store,
    sent,
    transcript: () =>
      sent.map((n) => ({ at: n.at - T0, firing: instances(n.firing), resolved: instances(n.resolved), reason: n.reason })),
    failSends: (value) => {
      store.failing = value;
    },
  };
}

const advanceTo = (offset: number): Promise<void> => vi.advanceTimersByTimeAsync(T0 + offset - Date.now()).then(() => undefined);

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});

afterEach(() => {
  for (const dispatcher of running.splice(0)) dispatcher.stop();
  for (const db of open.splice(0)) db.close();
  vi.useRealTimers();
});

describe('rule 1: grouping', () => {
  it('puts alerts with the same group_by labels into one group', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a'), disk('b'), { ...disk('a'), labels: { alertname: 'CpuBusy', instance: 'a' } }], '');
    expect(dispatcher.snapshot().map((group) => [group.groupKey, group.groupLabels, group.alerts.size])).toEqual([
      [diskKey, { alertname: 'DiskFull' }, 2],
      [`${ROUTE}:{alertname="CpuBusy"}`, { alertname: 'CpuBusy' }, 1],
    ]);
    await advanceTo(GROUP_WAIT);
    expect(transcript().map(({ firing }) => firing)).toEqual([['a', 'b'], ['a']]);
  });

  it('puts every alert of the route into one group for an empty group_by', async () => {
    const { dispatcher } = await harness({ groupBy: [] });
    await dispatcher.ingest([disk('a'), { ...disk('b'), labels: { alertname: 'CpuBusy' } }], '');
    expect(dispatcher.snapshot().map((group) => group.groupKey)).toEqual([`${ROUTE}:{}`]);
  });

  it("gives every label set its own group for group_by '...'", async () => {
    const { dispatcher, transcript } = await harness({ groupBy: 'all' });
    await dispatcher.ingest([disk('a'), disk('b')], '');
    expect(dispatcher.snapshot().map((group) => group.groupKey)).toEqual([
      `${ROUTE}:{alertname="DiskFull", instance="a"}`,
      `${ROUTE}:{alertname="DiskFull", instance="b"}`,
    ]);
    await advanceTo(GROUP_WAIT);
    expect(transcript().map(({ firing }) => firing)).toEqual([['a'], ['b']]);
  });
});

describe('rule 2: group_wait', () => {
  it('holds a new group for group_wait, then flushes it', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT - 1);
    expect(transcript()).toEqual([]);
    await advanceTo(GROUP_WAIT);
    expect(transcript()).toEqual([{ at: GROUP_WAIT, firing: ['a'], resolved: [], reason: 'first' }]);
  });

  it('flushes at once when startsAt + group_wait is already past', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a', { startsAt: T0 - GROUP_WAIT - 1 })], '');
    await advanceTo(0);
    expect(transcript()).toEqual([{ at: 0, firing: ['a'], resolved: [], reason: 'first' }]);
  });

  it('waits when startsAt + group_wait is exactly now (strictly before, as Alertmanager)', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a', { startsAt: T0 - GROUP_WAIT })], '');
    await advanceTo(GROUP_WAIT - 1);
    expect(transcript()).toEqual([]);
  });

  it('flushes at once when an old alert joins a group still in its group_wait', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(300);
    await dispatcher.ingest([disk('b', { startsAt: T0 - 60_000 })], '');
    await advanceTo(300);
    expect(transcript()).toEqual([{ at: 300, firing: ['a', 'b'], resolved: [], reason: 'first' }]);
    // Re-armed from that flush.
    await advanceTo(300 + GROUP_INTERVAL);
    expect(transcript()).toHaveLength(1);
  });

  it('applies only before the first flush: afterwards an old alert waits for the next tick', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 100);
    await dispatcher.ingest([disk('b', { startsAt: T0 - 60_000 })], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL - 1);
    expect(transcript()).toHaveLength(1);
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()[1]).toEqual({ at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a', 'b'], resolved: [], reason: 'new-firing' });
  });
});

describe('rule 3: alerts joining an existing group', () => {
  it('wait for the next tick; the timer is not touched', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 10);
    await dispatcher.ingest([disk('b')], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL - 1);
    expect(transcript()).toHaveLength(1);
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()[1]).toMatchObject({ at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a', 'b'], reason: 'new-firing' });
  });

  it('join during group_wait and go out with the first flush', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT / 2);
    await dispatcher.ingest([disk('b')], '');
    await advanceTo(GROUP_WAIT);
    expect(transcript()).toEqual([{ at: GROUP_WAIT, firing: ['a', 'b'], resolved: [], reason: 'first' }]);
  });
});

describe('rule 4: ticks', () => {
  it('re-arm to group_interval at every tick, whether or not anything is sent', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 5_000);
    await dispatcher.ingest([disk('b')], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL + 5_000);
    await dispatcher.ingest([disk('c')], '');
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(transcript().map(({ at }) => at)).toEqual([GROUP_WAIT, GROUP_WAIT + GROUP_INTERVAL, GROUP_WAIT + 2 * GROUP_INTERVAL]);
  });

  it('count an alert as resolved at tick T when its endsAt <= T', async () => {
    const tick = GROUP_WAIT + GROUP_INTERVAL;
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a', { endsAt: T0 + tick }), disk('b', { endsAt: T0 + tick + 1 })], '');
    await advanceTo(tick);
    expect(transcript()[1]).toEqual({ at: tick, firing: ['b'], resolved: ['a'], reason: 'newly-resolved' });
  });

  it('resolve an alert that is not reported again within resolve_timeout', async () => {
    const { dispatcher, transcript } = await harness({ resolveTimeoutMs: 15_000 });
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript().map(({ at, firing, resolved }) => ({ at, firing, resolved }))).toEqual([
      { at: GROUP_WAIT, firing: ['a'], resolved: [] },
      { at: GROUP_WAIT + 2 * GROUP_INTERVAL, firing: [], resolved: ['a'] },
    ]);
  });

  it('belong to their due time when the timer fires a little late, so lag cannot bring a repeat forward', async () => {
    // Timers that are never advanced; the test fires ticks by hand, each 3 ms late.
    let now = T0;
    const db = openDatabase(':memory:');
    open.push(db);
    const store = new RecordingRepository(db);
    const { sent } = store;
    const dispatcher = new Dispatcher({
      store,
      clock: { now: () => now },
      logger: pino({ level: 'silent' }),
      route: ROUTE,
      receiver: RECEIVER,
      grouping: { ...defaults, repeatIntervalMs: GROUP_INTERVAL },
    });
    running.push(dispatcher);
    await dispatcher.ingest([disk('a')], '');
    for (let tick = 0; tick < 4; tick += 1) {
      now = T0 + GROUP_WAIT + tick * GROUP_INTERVAL + 3;
      await dispatcher.tick();
    }
    expect(sent.map((notification) => notification.at - T0)).toEqual([GROUP_WAIT, GROUP_WAIT + 2 * GROUP_INTERVAL]);
  });
});

describe('rule 5: dedup at each flush', () => {
  it('notifies for the first firing alerts, new firing alerts, newly resolved ones, all resolved, and repeats', async () => {
    const { dispatcher, transcript } = await harness();
    const tick = (n: number) => GROUP_WAIT + n * GROUP_INTERVAL;
    await dispatcher.ingest([disk('a'), disk('b'), disk('c')], '');
    await advanceTo(tick(0) + 1);
    await dispatcher.ingest([disk('d')], '');
    await advanceTo(tick(1) + 1);
    await dispatcher.ingest([disk('d', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(tick(2) + 1);
    // Unchanged until the repeat: the entry from tick 2 is older than now - repeat_interval at tick 9.
    await advanceTo(tick(9) + 1);
    await dispatcher.ingest(['a', 'b', 'c'].map((instance) => disk(instance, { startsAt: T0, endsAt: Date.now() })), '');
    await advanceTo(tick(12));
    expect(transcript()).toEqual([
      { at: tick(0), firing: ['a', 'b', 'c'], resolved: [], reason: 'first' },
      { at: tick(1), firing: ['a', 'b', 'c', 'd'], resolved: [], reason: 'new-firing' },
      { at: tick(2), firing: ['a', 'b', 'c'], resolved: ['d'], reason: 'newly-resolved' },
      { at: tick(9), firing: ['a', 'b', 'c'], resolved: [], reason: 'repeat' },
      { at: tick(10), firing: [], resolved: ['a', 'b', 'c'], reason: 'all-resolved' },
    ]);
  });

  it('sends nothing for a group whose alerts fired and resolved between two ticks', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 1);
    await dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    await dispatcher.ingest([disk('b')], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL + 2);
    await dispatcher.ingest([disk('b', { endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    // b fired and resolved between ticks after the all-resolved notification: nothing about it.
    expect(transcript().map(({ reason }) => reason)).toEqual(['first', 'all-resolved']);
  });

  it('sends a resolved-only group never announced as firing to nobody', async () => {
    const { dispatcher, transcript, store } = await harness();
    await dispatcher.ingest([disk('a', { startsAt: T0 - 60_000, endsAt: T0 - 1 })], '');
    await advanceTo(GROUP_WAIT);
    expect(transcript()).toEqual([]);
    expect(await store.lastNotification(diskKey, RECEIVER, Date.now())).toBeUndefined();
  });
});

describe('rule 6: without send_resolved', () => {
  it('strips resolved alerts from what is sent, and ignores newly resolved ones', async () => {
    const { dispatcher, transcript } = await harness({ sendResolved: false });
    await dispatcher.ingest([disk('a'), disk('b')], '');
    await advanceTo(GROUP_WAIT + 1);
    await dispatcher.ingest([disk('b', { startsAt: T0, endsAt: Date.now() }), disk('c')], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()).toEqual([
      { at: GROUP_WAIT, firing: ['a', 'b'], resolved: [], reason: 'first' },
      { at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a', 'c'], resolved: [], reason: 'new-firing' },
    ]);
  });

  it('sends nothing for a resolved-only flush but logs it as done', async () => {
    const { dispatcher, transcript, store } = await harness({ sendResolved: false });
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 1);
    await dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()).toHaveLength(1);
    expect(await store.lastNotification(diskKey, RECEIVER, Date.now())).toEqual({
      firing: [],
      resolved: [fingerprintOf({ alertname: 'DiskFull', instance: 'a' })],
      at: Date.now(),
    });
    // The log forgot a as firing, so its return is news.
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript()[1]).toMatchObject({ firing: ['a'], reason: 'new-firing' });
  });
});

describe('rule 7: the notification log', () => {
  it('is written only when the sink succeeds; a failed flush is retried at the next tick', async () => {
    const { dispatcher, transcript, store, failSends, sent } = await harness();
    failSends(true);
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL - 1);
    expect(await store.lastNotification(diskKey, RECEIVER, Date.now())).toBeUndefined();
    // The group still holds its alert and its next tick is one interval on, not at once.
    expect(dispatcher.snapshot()[0]?.alerts.size).toBe(1);
    expect(dispatcher.snapshot()[0]?.nextFlushAt).toBe(T0 + GROUP_WAIT + GROUP_INTERVAL);
    failSends(false);
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(transcript()).toEqual([{ at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a'], resolved: [], reason: 'first' }]);
    expect((await store.lastNotification(diskKey, RECEIVER, Date.now()))?.at).toBe(sent[0]?.at);
  });

  it('keeps resolved alerts in the group when their flush failed', async () => {
    const { dispatcher, transcript, failSends } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 1);
    await dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    failSends(true);
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect(dispatcher.snapshot()[0]?.alerts.size).toBe(1);
    failSends(false);
    await advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript().map(({ resolved }) => resolved)).toEqual([[], ['a']]);
    expect(dispatcher.snapshot()[0]?.alerts.size).toBe(0);
  });

  it('expires entries 2 × repeat_interval after they were written', async () => {
    const { dispatcher, store } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT);
    const loggedAt = Date.now();
    expect(await store.lastNotification(diskKey, RECEIVER, loggedAt + 2 * REPEAT_INTERVAL - 1)).toBeDefined();
    expect(await store.lastNotification(diskKey, RECEIVER, loggedAt + 2 * REPEAT_INTERVAL)).toBeUndefined();
  });
});

describe('rule 8: after a flush', () => {
  it('drops resolved alerts from the group, and removes the empty group at the 30 s maintenance', async () => {
    const { dispatcher } = await harness();
    await dispatcher.ingest([disk('a'), disk('b')], '');
    await advanceTo(GROUP_WAIT + 1);
    await dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL);
    expect([...(dispatcher.snapshot()[0]?.alerts.keys() ?? [])]).toEqual([fingerprintOf({ alertname: 'DiskFull', instance: 'b' })]);
    await dispatcher.ingest([disk('b', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(dispatcher.groupCount).toBe(1);
    await advanceTo(MAINTENANCE_INTERVAL_MS - 1);
    expect(dispatcher.groupCount).toBe(1);
    await advanceTo(MAINTENANCE_INTERVAL_MS);
    expect(dispatcher.groupCount).toBe(0);
  });

  it('lets an alert rejoin an empty group before maintenance on its ticks, and start afresh after it', async () => {
    const { dispatcher, transcript } = await harness();
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + 1);
    await dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    // Empty but kept: b waits for the group's next tick, not for a group_wait.
    await dispatcher.ingest([disk('b')], '');
    await advanceTo(GROUP_WAIT + 2 * GROUP_INTERVAL);
    expect(transcript().at(-1)).toMatchObject({ at: GROUP_WAIT + 2 * GROUP_INTERVAL, firing: ['b'] });
    await dispatcher.ingest([disk('b', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    await advanceTo(2 * MAINTENANCE_INTERVAL_MS);
    expect(dispatcher.groupCount).toBe(0);
    await dispatcher.ingest([disk('c')], '');
    await advanceTo(2 * MAINTENANCE_INTERVAL_MS + GROUP_WAIT);
    expect(transcript().at(-1)).toMatchObject({ at: 2 * MAINTENANCE_INTERVAL_MS + GROUP_WAIT, firing: ['c'], reason: 'new-firing' });
  });
});

describe('consequences', () => {
  const repeats = async (repeatIntervalMs: number, ticks: number): Promise<number[]> => {
    const { dispatcher, transcript } = await harness({ repeatIntervalMs });
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + ticks * GROUP_INTERVAL);
    return transcript().map(({ at }) => (at - GROUP_WAIT) / GROUP_INTERVAL);
  };

  it('repeat_interval == group_interval repeats every two intervals', async () => {
    expect(await repeats(GROUP_INTERVAL, 6)).toEqual([0, 2, 4, 6]);
  });

  it('repeat_interval < group_interval repeats every interval', async () => {
    expect(await repeats(GROUP_INTERVAL / 2, 3)).toEqual([0, 1, 2, 3]);
  });

  it('repeat_interval a multiple of group_interval repeats one tick after the multiple', async () => {
    expect(await repeats(3 * GROUP_INTERVAL, 8)).toEqual([0, 4, 8]);
  });

  it('a resolved-only flush after the log entry expired sends nothing', async () => {
    // 2 × repeat_interval is shorter than group_interval: every entry is gone by the next tick.
    const { dispatcher, transcript } = await harness({ repeatIntervalMs: GROUP_INTERVAL / 4 });
    await dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    await dispatcher.ingest([disk('a', { startsAt: T0, endsAt: Date.now() })], '');
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(transcript()).toEqual([
      { at: GROUP_WAIT, firing: ['a'], resolved: [], reason: 'first' },
      { at: GROUP_WAIT + GROUP_INTERVAL, firing: ['a'], resolved: [], reason: 'first' },
    ]);
  });
});

describe('group commit', () => {
  it('commits webhooks that arrive while a batch waits for its turn in one transaction, each alert once', async () => {
    const { dispatcher, store, transcript } = await harness();
    const repository = store as RecordingRepository;
    const webhooks = [
      dispatcher.ingest([disk('a')], 'http://am-1'),
      dispatcher.ingest([disk('b'), disk('a')], 'http://am-2'),
      dispatcher.ingest([{ ...disk('c'), labels: { alertname: 'CpuBusy', instance: 'c' } }], ''),
    ];
    await Promise.all(webhooks);
    expect(repository.ingests).toHaveLength(1);
    const [batch] = repository.ingests;
    expect(batch?.groups.map((group) => group.groupKey).sort()).toEqual([`${ROUTE}:{alertname="CpuBusy"}`, diskKey].sort());
    expect(batch?.alerts.map(({ alert }) => alert.labels['instance']).sort()).toEqual(['a', 'b', 'c']);
    // The webhooks apply in the order they came: the last external URL given wins.
    expect(dispatcher.snapshot().find((group) => group.groupKey === diskKey)?.externalUrl).toBe('http://am-2');
    await advanceTo(GROUP_WAIT);
    expect(transcript().map(({ firing }) => firing)).toEqual([['a', 'b'], ['c']]);
  });

  it('starts a new batch once a batch is committing, so no webhook waits for more than one commit before its own', async () => {
    const { dispatcher, store } = await harness();
    const repository = store as RecordingRepository;
    const first = dispatcher.ingest([disk('a')], '');
    await Promise.resolve();
    await Promise.resolve();
    // The first batch's commit has begun: this one goes into the next.
    const second = dispatcher.ingest([disk('b')], '');
    await Promise.all([first, second]);
    expect(repository.ingests.map((changes) => changes.alerts.map(({ alert }) => alert.labels['instance']))).toEqual([['a'], ['b']]);
  });

  it('rejects every webhook of a batch whose commit failed, and changes nothing', async () => {
    const { dispatcher, store } = await harness();
    const repository = store as RecordingRepository;
    repository.failIngest = true;
    const outcomes = await Promise.allSettled([dispatcher.ingest([disk('a')], ''), dispatcher.ingest([disk('b')], '')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(dispatcher.snapshot()).toEqual([]);
    repository.failIngest = false;
    await dispatcher.ingest([disk('c')], '');
    expect(dispatcher.snapshot()[0]?.alerts.size).toBe(1);
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

  it('resumes groups from the store and flushes overdue ones at once, without repeating what was logged', async () => {
    const first = await harness({}, openDatabase(dataDir));
    await first.dispatcher.ingest([disk('a'), { ...disk('x'), labels: { alertname: 'CpuBusy', instance: 'x' } }], '');
    await advanceTo(GROUP_WAIT);
    expect(first.sent).toHaveLength(2);
    await first.dispatcher.ingest([disk('b')], '');
    crash();

    // Down for three intervals; a, b and x are still firing (the resolve timeout is 5 min).
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL + 500);
    const second = await harness({}, openDatabase(dataDir));
    expect(second.dispatcher.groupCount).toBe(2);
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL + 500);
    // DiskFull is overdue and has news (b); CpuBusy is overdue but unchanged, so it stays quiet.
    expect(second.transcript()).toEqual([{ at: GROUP_WAIT + 3 * GROUP_INTERVAL + 500, firing: ['a', 'b'], resolved: [], reason: 'new-firing' }]);
    // And keeps ticking from there.
    await advanceTo(GROUP_WAIT + 4 * GROUP_INTERVAL + 500 - 1);
    expect(second.sent).toHaveLength(1);
    expect(second.dispatcher.snapshot().every((group) => group.nextFlushAt === T0 + GROUP_WAIT + 4 * GROUP_INTERVAL + 500)).toBe(true);
  });

  it('keeps a group in its group_wait waiting only for the rest of it', async () => {
    const first = await harness({}, openDatabase(dataDir));
    await first.dispatcher.ingest([disk('a')], '');
    await advanceTo(GROUP_WAIT / 2);
    crash();
    const second = await harness({}, openDatabase(dataDir));
    await advanceTo(GROUP_WAIT - 1);
    expect(second.sent).toEqual([]);
    await advanceTo(GROUP_WAIT);
    expect(second.transcript()).toEqual([{ at: GROUP_WAIT, firing: ['a'], resolved: [], reason: 'first' }]);
  });

  it('announces at once what resolved while it was down', async () => {
    const first = await harness({ resolveTimeoutMs: 3 * GROUP_INTERVAL }, openDatabase(dataDir));
    await first.dispatcher.ingest([disk('a'), disk('b')], '');
    await advanceTo(GROUP_WAIT + GROUP_INTERVAL + 1);
    await first.dispatcher.ingest([disk('b')], '');
    crash();
    // a's timeout (3 intervals from T0) passes during the downtime; b's, renewed, does not.
    await advanceTo(3 * GROUP_INTERVAL + 2_000);
    const second = await harness({ resolveTimeoutMs: 3 * GROUP_INTERVAL }, openDatabase(dataDir));
    await advanceTo(3 * GROUP_INTERVAL + 2_000);
    expect(second.transcript()).toEqual([{ at: 3 * GROUP_INTERVAL + 2_000, firing: ['b'], resolved: ['a'], reason: 'newly-resolved' }]);
  });
});

describe('high availability', () => {
  // Two Alertmanager replicas each send the same group; their alerts started long ago.
  const fromReplica = (): IncomingAlert[] => [disk('a', { startsAt: T0 - 600_000 }), disk('b', { startsAt: T0 - 600_000 })];

  it('gives one notification when both replicas arrive before the flush', async () => {
    const { dispatcher, sent } = await harness();
    await dispatcher.ingest(fromReplica(), 'http://am-1');
    await dispatcher.ingest(fromReplica(), 'http://am-2');
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.firing).toHaveLength(2);
  });

  it('gives one notification when the second replica arrives after it', async () => {
    const { dispatcher, sent } = await harness();
    await dispatcher.ingest(fromReplica(), 'http://am-1');
    await advanceTo(20);
    await dispatcher.ingest(fromReplica(), 'http://am-2');
    await advanceTo(GROUP_WAIT + 3 * GROUP_INTERVAL);
    expect(sent.map((notification) => notification.at - T0)).toEqual([0]);
  });
});
