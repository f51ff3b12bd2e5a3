/**
 * The storage ports as the engine and delivery rely on them, held to the same assertions on
 * every backend: SQLite under a data directory, and a real PostgreSQL. Each test opens the state
 * through app/state.ts, the way amcord does, on a fresh data directory or database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CleanupStack } from '../../src/app/cleanup-stack.js';
import { openState } from '../../src/app/open-state.js';
import type { State } from '../../src/app/state.js';
import { asLeader } from './support-leader.js';
import { loadConfig } from '../../src/config/load.js';
import type { EngineAlert } from '../../src/engine/alert.js';
import type { Notification } from '../../src/engine/notification.js';
import type { FlushChanges, GroupState } from '../../src/engine/ports.js';
import { createLogger } from '../../src/log/logger.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';

/** A place for one test's state: the environment that points amcord at it. */
interface Backend {
  name: string;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** A new, empty place to keep state. */
  fresh(): Promise<Record<string, string>>;
}

const sqlite = (): Backend => {
  const dirs: string[] = [];
  return {
    name: 'SQLite',
    setUp: () => Promise.resolve(),
    tearDown: () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
    fresh: () => {
      const dir = mkdtempSync(join(tmpdir(), 'amcord-contract-'));
      dirs.push(dir);
      return Promise.resolve({ AMCORD_DATA_DIR: dir });
    },
  };
};

const postgres = (): Backend => {
  let server: RunningPostgres | undefined;
  let databases = 0;
  return {
    name: 'PostgreSQL',
    setUp: async () => {
      server = await startPostgres();
    },
    tearDown: async () => {
      await server?.destroy();
    },
    fresh: async () => {
      if (!server) throw new Error('PostgreSQL is not running');
      databases += 1;
      return { AMCORD_STORAGE_POSTGRES_URL: await server.createDatabase(`contract_${databases}`) };
    },
  };
};

const T0 = Date.UTC(2026, 10, 1, 12);
const MINUTE = 60_000;

/** Label order on purpose not sorted: messages show labels as Alertmanager sent them. */
function alert(name: string, instance: string, overrides: Partial<EngineAlert> = {}): EngineAlert {
  return {
    fingerprint: `${name}-${instance}`,
    labels: { severity: 'warning', alertname: name, instance, zone: 'b', app: 'x' },
    annotations: { summary: `${name} on ${instance}`, description: 'ünïcode ✓ and "quotes"' },
    startsAt: T0,
    endsAt: T0 + 5 * MINUTE,
    endsAtIsTimeout: true,
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
    updatedAt: T0,
    ...overrides,
  };
}

function group(groupKey: string, overrides: Partial<GroupState> = {}): GroupState {
  return { groupKey, route: 'default', groupLabels: { alertname: groupKey }, externalUrl: 'http://am:9093', nextFlushAt: T0 + 30_000, hasFlushed: false, ...overrides };
}

function notification(groupKey: string, reason: Notification['reason'], firing: EngineAlert[] = [alert(groupKey, 'a')], at = T0): Notification {
  return {
    route: 'default',
    groupKey,
    receiver: 'default',
    groupLabels: { alertname: groupKey },
    externalUrl: 'http://am:9093',
    at,
    firing,
    resolved: [],
    newlyFiring: firing.map((entry) => entry.fingerprint),
    reason,
  };
}

function flush(groupKey: string, sentNotification: Notification | undefined, removedAlerts: string[] = []): FlushChanges {
  return {
    group: group(groupKey, { hasFlushed: true, nextFlushAt: T0 + 5 * MINUTE }),
    removedAlerts,
    sent: {
      receiver: 'default',
      log: { firing: sentNotification?.firing.map((entry) => entry.fingerprint) ?? [], resolved: removedAlerts, at: sentNotification?.at ?? T0 },
      logExpiresAt: T0 + 8 * 60 * MINUTE,
      notification: sentNotification,
    },
  };
}

describe.each([sqlite(), postgres()])('the storage ports on $name', (backend) => {
  const stacks: CleanupStack[] = [];
  let env: Record<string, string>;

  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());
  afterEach(async () => {
    for (const stack of stacks.splice(0)) await stack.unwind();
  });

  /** Opens the state the way amcord does; `fresh` first gives the test its own empty place. */
  async function open(options: { fresh: boolean } = { fresh: false }): Promise<{ state: State; close: () => Promise<void> }> {
    if (options.fresh) env = await backend.fresh();
    const stack = new CleanupStack(createLogger({ level: 'silent', format: 'json' }));
    stacks.push(stack);
    const state = await asLeader(await openState(loadConfig({ env }).config, stack));
    return { state, close: () => stack.unwind() };
  }

  /** Closes and opens again: what a restart of amcord finds. */
  async function reopen(close: () => Promise<void>): Promise<State> {
    await close();
    return (await open()).state;
  }

  it('keeps what a webhook changed: groups of a route with their alerts, as written', async () => {
    const { state, close } = await open({ fresh: true });
    expect(state.storageStatus()).toBeUndefined();
    const first = alert('DiskFull', 'nas');
    await state.engine.saveIngest({
      groups: [group('g1'), group('g2', { route: 'other' })],
      alerts: [
        { groupKey: 'g1', alert: first },
        { groupKey: 'g1', alert: alert('DiskFull', 'pi', { endsAtIsTimeout: false, endsAt: T0 + MINUTE }) },
        { groupKey: 'g2', alert: alert('Other', 'x') },
      ],
    });
    // The same alert again (Alertmanager repeats itself): updated, and twice in one webhook is fine.
    const renewed = { ...first, endsAt: T0 + 10 * MINUTE, updatedAt: T0 + MINUTE, annotations: { summary: 'changed' } };
    await state.engine.saveIngest({
      groups: [group('g1', { externalUrl: 'http://am2:9093', nextFlushAt: T0 + 60_000 })],
      alerts: [
        { groupKey: 'g1', alert: { ...renewed, updatedAt: T0 + 1 } },
        { groupKey: 'g1', alert: renewed },
      ],
    });

    const after = await reopen(close);
    const groups = await after.engine.loadGroups('default');
    expect(groups.map(({ alerts, ...rest }) => ({ ...rest, alerts: [...alerts.keys()].sort() }))).toEqual([
      { ...group('g1', { externalUrl: 'http://am2:9093', nextFlushAt: T0 + 60_000 }), alerts: ['DiskFull-nas', 'DiskFull-pi'] },
    ]);
    const stored = groups[0]?.alerts.get('DiskFull-nas');
    expect(stored).toEqual(renewed);
    expect(Object.keys(stored?.labels ?? {})).toEqual(['severity', 'alertname', 'instance', 'zone', 'app']);
    expect(groups[0]?.alerts.get('DiskFull-pi')?.endsAtIsTimeout).toBe(false);
    expect((await after.engine.loadGroups('other')).map((entry) => entry.groupKey)).toEqual(['g2']);
    expect(await after.engine.loadGroups('nowhere')).toEqual([]);
  });

  it('commits a flush with its notification log entry and its outbox entry, and drops the resolved alerts', async () => {
    const { state, close } = await open({ fresh: true });
    const firing = alert('A', 'one');
    await state.engine.saveIngest({ groups: [group('g')], alerts: [{ groupKey: 'g', alert: firing }, { groupKey: 'g', alert: alert('A', 'two') }] });
    const sent = notification('g', 'first', [firing], T0 + 30_000);
    await state.engine.saveFlush(flush('g', sent, ['A-two']));

    const after = await reopen(close);
    const [stored] = await after.engine.loadGroups('default');
    expect(stored?.hasFlushed).toBe(true);
    expect(stored?.nextFlushAt).toBe(T0 + 5 * MINUTE);
    expect([...(stored?.alerts.keys() ?? [])]).toEqual(['A-one']);
    expect(await after.engine.lastNotification('g', 'default', T0 + MINUTE)).toEqual({ firing: ['A-one'], resolved: ['A-two'], at: T0 + 30_000 });
    // Expired at logExpiresAt: a notification that old no longer counts.
    expect(await after.engine.lastNotification('g', 'default', T0 + 8 * 60 * MINUTE)).toBeUndefined();
    expect(await after.engine.lastNotification('g', 'elsewhere', T0)).toBeUndefined();

    const head = await after.outbox.head('default');
    expect(head).toMatchObject({ destination: 'default', groupKey: 'g', kind: 'post', attempts: 0, nextAttemptAt: T0 + 30_000, attemptStartedAt: undefined });
    expect(head?.notification).toEqual(sent);
    expect(await after.outbox.depth()).toEqual([{ destination: 'default', state: 'pending', count: 1 }]);
  });

  it('commits a flush that notifies nobody (only resolved alerts, without send_resolved) without an outbox entry', async () => {
    const { state } = await open({ fresh: true });
    await state.engine.saveIngest({ groups: [group('g')], alerts: [{ groupKey: 'g', alert: alert('A', 'one') }] });
    await state.engine.saveFlush(flush('g', undefined, ['A-one']));
    expect(await state.outbox.head('default')).toBeUndefined();
    expect(await state.engine.lastNotification('g', 'default', T0)).toEqual({ firing: [], resolved: ['A-one'], at: T0 });
    expect((await state.engine.loadGroups('default'))[0]?.alerts.size).toBe(0);
  });

  it('removes empty groups with their alerts, and expired notification log entries', async () => {
    const { state } = await open({ fresh: true });
    await state.engine.saveIngest({ groups: [group('gone'), group('kept')], alerts: [{ groupKey: 'gone', alert: alert('A', 'x') }, { groupKey: 'kept', alert: alert('B', 'y') }] });
    await state.engine.saveFlush(flush('kept', notification('kept', 'first', [alert('B', 'y')])));
    await state.engine.removeGroups(['gone'], T0 + 9 * 60 * MINUTE);
    expect((await state.engine.loadGroups('default')).map((entry) => entry.groupKey)).toEqual(['kept']);
    expect(await state.engine.lastNotification('kept', 'default', T0)).toBeUndefined();
    await state.engine.removeGroups([], T0);
  });

  it('merges queued notifications of a group into its waiting entry; a post stays a post', async () => {
    const { state } = await open({ fresh: true });
    await state.outbox.enqueue('default', 'post', notification('g', 'first'), T0);
    await state.outbox.enqueue('default', 'edit', notification('g', 'newly-resolved', [], T0 + 1), T0 + 1);
    await state.outbox.enqueue('default', 'edit', notification('h', 'all-resolved', [], T0 + 2), T0 + 2);
    await state.outbox.enqueue('default', 'post', notification('h', 'new-firing', undefined, T0 + 3), T0 + 3);
    await state.outbox.enqueue('default', 'edit', notification('i', 'newly-resolved', [], T0 + 4), T0 + 4);
    await state.outbox.enqueue('default', 'edit', notification('i', 'all-resolved', [], T0 + 5), T0 + 5);
    await state.outbox.enqueue('other', 'post', notification('g', 'first'), T0);

    // What a storm digest names: every waiting entry of the destination, oldest first, merges included.
    expect((await state.outbox.waiting('default')).map((entry) => [entry.groupKey, entry.kind])).toEqual([
      ['g', 'post'],
      ['h', 'post'],
      ['i', 'edit'],
    ]);
    expect((await state.outbox.waiting('other')).map((entry) => entry.groupKey)).toEqual(['g']);
    const entries = [];
    for (let entry = await state.outbox.head('default'); entry; entry = await state.outbox.head('default')) {
      entries.push(entry);
      await state.outbox.sending(entry, T0 + 10);
      await state.outbox.delivered(entry, undefined, T0 + 10);
    }
    expect(entries.map((entry) => [entry.groupKey, entry.kind, entry.notification.reason])).toEqual([
      ['g', 'post', 'newly-resolved'],
      ['h', 'post', 'new-firing'],
      ['i', 'edit', 'all-resolved'],
    ]);
    expect((await state.outbox.head('other'))?.groupKey).toBe('g');
    expect(await state.outbox.waiting('default')).toEqual([]);
  });

  it('keeps, in a merge, the resolutions only the older notification carried', async () => {
    const { state } = await open({ fresh: true });
    // a resolved at one flush and left the group; b resolved at the next, while both waited.
    await state.outbox.enqueue('default', 'edit', { ...notification('g', 'newly-resolved', [alert('g', 'b')]), resolved: [alert('g', 'a')] }, T0);
    await state.outbox.enqueue('default', 'edit', { ...notification('g', 'all-resolved', [], T0 + 1), resolved: [alert('g', 'b')] }, T0 + 1);
    const entry = await state.outbox.head('default');
    expect(entry?.notification.firing).toEqual([]);
    expect(entry?.notification.resolved.map((resolved) => resolved.labels.instance)).toEqual(['b', 'a']);
  });

  it('never merges into an entry being sent, and merges again once it is rescheduled', async () => {
    const { state } = await open({ fresh: true });
    await state.outbox.enqueue('default', 'post', notification('g', 'first'), T0);
    const head = await state.outbox.head('default');
    if (!head) throw new Error('no head');
    await state.outbox.sending(head, T0 + 1);
    await state.outbox.enqueue('default', 'edit', notification('g', 'newly-resolved', [], T0 + 2), T0 + 2);
    expect((await state.outbox.depth())[0]?.count).toBe(2);

    await state.outbox.retryLater(head, T0 + 60_000, 'Discord answered 503');
    const again = await state.outbox.head('default');
    expect(again).toMatchObject({ id: head.id, attempts: 1, nextAttemptAt: T0 + 60_000, attemptStartedAt: undefined, kind: 'post' });
    expect(again?.notification.reason).toBe('first');
    // Not in flight any more: the next notification merges into the later, still waiting entry.
    await state.outbox.enqueue('default', 'edit', notification('g', 'all-resolved', [], T0 + 3), T0 + 3);
    expect((await state.outbox.depth())[0]?.count).toBe(2);
  });

  it('sends what was merged into the head entry between reading it and marking it as being sent', async () => {
    const { state } = await open({ fresh: true });
    await state.outbox.enqueue('default', 'edit', notification('g', 'newly-resolved', [], T0), T0);
    const head = await state.outbox.head('default');
    if (!head) throw new Error('no head');
    // A flush lands in between (the engine and the worker run concurrently).
    await state.outbox.enqueue('default', 'post', notification('g', 'new-firing', undefined, T0 + 1), T0 + 1);
    await state.outbox.sending(head, T0 + 2);
    // An edit merged with newly firing alerts is a post: people are told about them.
    expect(head.kind).toBe('post');
    expect(head.notification.reason).toBe('new-firing');
    await state.outbox.delivered(head, undefined, T0 + 3);
    expect(await state.outbox.head('default')).toBeUndefined();
  });

  it('records deliveries: the entry leaves, a post becomes the living message, an edit keeps it', async () => {
    const { state, close } = await open({ fresh: true });
    await state.outbox.enqueue('default', 'post', notification('g', 'first'), T0);
    const post = await state.outbox.head('default');
    if (!post) throw new Error('no head');
    await state.outbox.sending(post, T0 + 1);
    await state.outbox.delivered(post, 'message-1', T0 + 2);
    await state.outbox.enqueue('default', 'edit', notification('g', 'all-resolved', [], T0 + 3), T0 + 3);
    const edit = await state.outbox.head('default');
    if (!edit) throw new Error('no head');
    await state.outbox.sending(edit, T0 + 4);
    await state.outbox.delivered(edit, undefined, T0 + 5);

    const after = await reopen(close);
    expect(await after.outbox.head('default')).toBeUndefined();
    expect(await after.outbox.livingMessage('default', 'g')).toBe('message-1');
    expect(await after.outbox.livingMessage('other', 'g')).toBeUndefined();
    expect(await after.outbox.depth()).toEqual([]);
  });

  it('keeps the start of an attempt that never settled across a restart', async () => {
    const { state, close } = await open({ fresh: true });
    await state.outbox.enqueue('default', 'post', notification('g', 'first'), T0);
    const head = await state.outbox.head('default');
    if (!head) throw new Error('no head');
    await state.outbox.sending(head, T0 + 7);
    const after = await reopen(close);
    expect(await after.outbox.head('default')).toMatchObject({ id: head.id, attemptStartedAt: T0 + 7, attempts: 0 });
  });

  it('sets a refused message aside as dead: counted, never the head again', async () => {
    const { state } = await open({ fresh: true });
    await state.outbox.enqueue('default', 'post', notification('bad', 'first'), T0);
    await state.outbox.enqueue('default', 'post', notification('good', 'first'), T0 + 1);
    const bad = await state.outbox.head('default');
    if (!bad) throw new Error('no head');
    await state.outbox.sending(bad, T0 + 2);
    await state.outbox.bury(bad, 'Discord answered 400: Invalid Form Body');
    expect((await state.outbox.head('default'))?.groupKey).toBe('good');
    // A dead entry takes no merges: the group's next notification waits on its own.
    await state.outbox.enqueue('default', 'edit', notification('bad', 'all-resolved', [], T0 + 3), T0 + 3);
    const depth = await state.outbox.depth();
    expect([...depth].sort((a, b) => a.state.localeCompare(b.state))).toEqual([
      { destination: 'default', state: 'dead', count: 1 },
      { destination: 'default', state: 'pending', count: 2 },
    ]);
  });

  it('prunes living message ids of gone groups with nothing waiting, and old dead entries', async () => {
    const { state } = await open({ fresh: true });
    const deliver = async (groupKey: string, messageId: string, at: number): Promise<void> => {
      await state.outbox.enqueue('default', 'post', notification(groupKey, 'first'), at);
      const head = await state.outbox.head('default');
      if (!head) throw new Error('no head');
      await state.outbox.sending(head, at);
      await state.outbox.delivered(head, messageId, at);
    };
    await deliver('gone', 'm-gone', T0);
    await deliver('still-grouped', 'm-grouped', T0);
    await deliver('waiting', 'm-waiting', T0);
    await deliver('recent', 'm-recent', T0 + 10 * MINUTE);
    await state.engine.saveIngest({ groups: [group('still-grouped')], alerts: [] });
    // Still waiting to edit its message: the id must stay.
    await state.outbox.enqueue('default', 'edit', notification('waiting', 'all-resolved', [], T0), T0);
    for (const [groupKey, at] of [['dead-old', T0], ['dead-new', T0 + 10 * MINUTE]] as const) {
      await state.outbox.enqueue('refusing', 'post', notification(groupKey, 'first'), at);
      const head = await state.outbox.head('refusing');
      if (!head) throw new Error('no head');
      await state.outbox.bury(head, 'refused');
    }

    await state.outbox.prune(T0 + MINUTE, T0 + MINUTE);
    expect(await state.outbox.livingMessage('default', 'gone')).toBeUndefined();
    expect(await state.outbox.livingMessage('default', 'still-grouped')).toBe('m-grouped');
    expect(await state.outbox.livingMessage('default', 'waiting')).toBe('m-waiting');
    expect(await state.outbox.livingMessage('default', 'recent')).toBe('m-recent');
    expect((await state.outbox.depth()).find((row) => row.state === 'dead')?.count).toBe(1);
  });

  it('keeps silence targets, and forgets those unused since a time', async () => {
    const { state, close } = await open({ fresh: true });
    const silence = { id: 'silence-1', endsAt: T0 + 60 * MINUTE, link: 'http://am:9093/#/silences/silence-1', actorId: '345678901234567890' };
    await state.silenceTargets.put('ref-old', { groupLabels: { alertname: 'Old' } }, T0);
    await state.silenceTargets.put('ref-new', { groupLabels: { b: '2', a: '1' } }, T0 + 10 * MINUTE);
    await state.silenceTargets.put('ref-new', { groupLabels: { b: '2', a: '1' }, silence }, T0 + 11 * MINUTE);

    const after = await reopen(close);
    expect(await after.silenceTargets.get('ref-old')).toEqual({ groupLabels: { alertname: 'Old' } });
    const target = await after.silenceTargets.get('ref-new');
    expect(target).toEqual({ groupLabels: { b: '2', a: '1' }, silence });
    expect(Object.keys(target?.groupLabels ?? {})).toEqual(['b', 'a']);
    await after.silenceTargets.prune(T0 + MINUTE);
    expect(await after.silenceTargets.get('ref-old')).toBeUndefined();
    expect(await after.silenceTargets.get('ref-new')).toBeDefined();
    expect(await after.silenceTargets.get('never')).toBeUndefined();
  });

  it('keeps an incident from its first message: later ones update what it shows, not when it started', async () => {
    const { state, close } = await open({ fresh: true });
    const first = await state.incidents.track({ ref: 'r1', route: 'default', groupKey: 'g', destination: 'default', notification: notification('g', 'first') }, T0);
    expect(first).toMatchObject({ ref: 'r1', firingSince: T0, acknowledgement: undefined, escalatedSteps: 0 });
    const newer = notification('g', 'new-firing', [alert('g', 'a'), alert('g', 'b')], T0 + MINUTE);
    await state.incidents.track({ ref: 'r1', route: 'default', groupKey: 'g', destination: 'default', notification: newer }, T0 + MINUTE);
    await state.incidents.track({ ref: 'r2', route: 'default', groupKey: 'h', destination: 'default', notification: notification('h', 'first') }, T0 + 2 * MINUTE);

    const after = await reopen(close);
    expect(await after.incidents.get('r1')).toEqual({ ref: 'r1', route: 'default', groupKey: 'g', destination: 'default', notification: newer, firingSince: T0, acknowledgement: undefined, escalatedSteps: 0 });
    expect((await after.incidents.list()).map((incident) => [incident.ref, incident.firingSince, incident.groupLabels, incident.externalUrl])).toEqual([
      ['r1', T0, { alertname: 'g' }, 'http://am:9093'],
      ['r2', T0 + 2 * MINUTE, { alertname: 'h' }, 'http://am:9093'],
    ]);
    await after.incidents.clear('r1');
    expect(await after.incidents.get('r1')).toBeUndefined();
    expect((await after.incidents.list()).map((incident) => incident.ref)).toEqual(['r2']);
  });

  it('records an acknowledgement with an edit of the living message, unless an entry of the group waits', async () => {
    const { state, close } = await open({ fresh: true });
    const shown = notification('g', 'first');
    await state.incidents.track({ ref: 'r1', route: 'default', groupKey: 'g', destination: 'default', notification: shown }, T0);
    const acknowledgement = { userId: '345678901234567890', at: T0 + MINUTE };
    expect(await state.incidents.acknowledge('r1', acknowledgement, T0 + MINUTE)).toMatchObject({ ref: 'r1', acknowledgement });
    expect(await state.incidents.acknowledge('nope', acknowledgement, T0 + MINUTE)).toBeUndefined();
    const edit = await state.outbox.head('default');
    expect(edit).toMatchObject({ kind: 'edit', groupKey: 'g', notification: shown });

    // The edit still waits: a takeover changes the record, and that waiting edit shows it.
    const takeover = { userId: '456789012345678901', at: T0 + 2 * MINUTE, tookOverFrom: acknowledgement };
    await state.incidents.acknowledge('r1', takeover, T0 + 2 * MINUTE);
    const after = await reopen(close);
    expect((await after.outbox.depth()).find((row) => row.state === 'pending')?.count).toBe(1);
    expect((await after.incidents.get('r1'))?.acknowledgement).toEqual(takeover);
  });

  it('claims each escalation step once, with its ping in the outbox, and none once acknowledged', async () => {
    const { state, close } = await open({ fresh: true });
    await state.incidents.track({ ref: 'r1', route: 'default', groupKey: 'g', destination: 'default', notification: notification('g', 'first') }, T0);
    const ping = { ...notification('g escalation 0', 'repeat', []), escalation: { groupKey: 'g', step: 0, unacknowledgedForMs: MINUTE, roles: ['111111111111111111'], users: [] } };
    expect(await state.incidents.escalate('r1', 0, ping, T0 + MINUTE)).toBe(true);
    expect(await state.incidents.escalate('r1', 0, ping, T0 + MINUTE)).toBe(false);
    expect(await state.incidents.escalate('r1', 2, ping, T0 + MINUTE)).toBe(false);
    expect(await state.incidents.escalate('nope', 0, ping, T0 + MINUTE)).toBe(false);
    const queued = await state.outbox.head('default');
    expect(queued).toMatchObject({ kind: 'post', groupKey: 'g escalation 0', notification: ping });

    const after = await reopen(close);
    expect((await after.incidents.get('r1'))?.escalatedSteps).toBe(1);
    expect(await after.incidents.escalate('r1', 0, ping, T0 + 2 * MINUTE)).toBe(false);
    await after.incidents.acknowledge('r1', { userId: '345678901234567890', at: T0 + 2 * MINUTE }, T0 + 2 * MINUTE);
    expect(await after.incidents.escalate('r1', 1, { ...ping, groupKey: 'g escalation 1' }, T0 + 3 * MINUTE)).toBe(false);
    expect((await after.incidents.get('r1'))?.escalatedSteps).toBe(1);
    expect((await after.outbox.depth()).find((row) => row.state === 'pending')?.count).toBe(2);
  });

  it('prunes incidents whose group is gone and that were untouched since a time, and keeps the others', async () => {
    const { state } = await open({ fresh: true });
    const group = { groupKey: 'live', route: 'default', groupLabels: {}, externalUrl: '', nextFlushAt: T0, hasFlushed: true };
    await state.engine.saveIngest({ groups: [group], alerts: [] });
    const track = (ref: string, groupKey: string, at: number) =>
      state.incidents.track({ ref, route: 'default', groupKey, destination: 'default', notification: notification(groupKey, 'first') }, at);
    await track('of-live-group', 'live', T0);
    await track('gone-long-ago', 'gone', T0);
    await track('gone-recently', 'gone-too', T0 + 2 * MINUTE);
    await state.incidents.prune(T0 + MINUTE);
    expect((await state.incidents.list()).map((incident) => incident.ref).sort()).toEqual(['gone-recently', 'of-live-group']);
  });

  it('keeps subscriptions per member across a restart: the same matchers once, removed one or all', async () => {
    const { state, close } = await open({ fresh: true });
    const ana = '345678901234567890';
    const bo = '456789012345678901';
    const critical = await state.subscriptions.subscribe(ana, '{severity="critical"}', T0);
    expect(critical).toMatchObject({ userId: ana, matchers: '{severity="critical"}', createdAt: T0 });
    expect(await state.subscriptions.subscribe(ana, '{severity="critical"}', T0 + MINUTE)).toEqual(critical);
    const db = await state.subscriptions.subscribe(ana, '{team="db"}', T0 + MINUTE);
    await state.subscriptions.subscribe(bo, '{severity="critical"}', T0 + 2 * MINUTE);

    const after = await reopen(close);
    expect((await after.subscriptions.ofUser(ana)).map((subscription) => subscription.matchers)).toEqual(['{severity="critical"}', '{team="db"}']);
    expect((await after.subscriptions.list()).map((subscription) => [subscription.userId, subscription.createdAt])).toEqual([
      [ana, T0],
      [ana, T0 + MINUTE],
      [bo, T0 + 2 * MINUTE],
    ]);
    // Someone else's id removes nothing.
    expect(await after.subscriptions.unsubscribe(bo, db.id)).toBe(0);
    expect(await after.subscriptions.unsubscribe(ana, db.id)).toBe(1);
    expect((await after.subscriptions.ofUser(ana)).map((subscription) => subscription.id)).toEqual([critical.id]);
    expect(await after.subscriptions.unsubscribe(bo)).toBe(1);
    expect(await after.subscriptions.ofUser(bo)).toEqual([]);
  });

  it("claims each incident's DM to a member once, with the DM in the outbox, and forgets the claims of ended incidents", async () => {
    const { state, close } = await open({ fresh: true });
    const ana = '345678901234567890';
    const shown = notification('g', 'first');
    await state.incidents.track({ ref: 'r1', route: 'default', groupKey: 'g', destination: 'default', notification: shown }, T0);
    const notice = { userId: ana, ref: 'r1', firingSince: T0, notification: shown };
    expect(await state.subscriptions.notify(notice, T0 + 1)).toBe(true);
    expect(await state.subscriptions.notify(notice, T0 + 2)).toBe(false);
    expect(await state.outbox.head(`dm:${ana}`)).toMatchObject({ destination: `dm:${ana}`, kind: 'post', groupKey: 'g', notification: shown });

    const after = await reopen(close);
    expect(await after.subscriptions.notify(notice, T0 + 3)).toBe(false);
    // The incident still fires: pruning keeps its claim.
    await after.subscriptions.prune();
    expect(await after.subscriptions.notify(notice, T0 + 4)).toBe(false);
    // The group fires anew later: a new incident, a new DM.
    expect(await after.subscriptions.notify({ ...notice, firingSince: T0 + 10 * MINUTE }, T0 + 10 * MINUTE)).toBe(true);
    await after.incidents.clear('r1');
    await after.subscriptions.prune();
    expect(await after.subscriptions.notify(notice, T0 + 11 * MINUTE)).toBe(true);
    expect((await after.outbox.depth()).find((row) => row.destination === `dm:${ana}` && row.state === 'pending')?.count).toBe(1);
  });

  it('keeps the status board message of each channel, replaced when it is posted anew', async () => {
    const { state, close } = await open({ fresh: true });
    expect(await state.statusBoards.messageId('300000000000000001')).toBeUndefined();
    await state.statusBoards.save('300000000000000001', '400000000000000001', T0);
    await state.statusBoards.save('300000000000000002', '400000000000000002', T0);
    await state.statusBoards.save('300000000000000001', '400000000000000003', T0 + MINUTE);
    const after = await reopen(close);
    expect(await after.statusBoards.messageId('300000000000000001')).toBe('400000000000000003');
    expect(await after.statusBoards.messageId('300000000000000002')).toBe('400000000000000002');
  });

  it("keeps the dead man's switch state under its key", async () => {
    const { state, close } = await open({ fresh: true });
    expect(await state.watchdog.get('dead-mans-switch')).toBeUndefined();
    await state.watchdog.put('dead-mans-switch', { lastSeenAt: T0 });
    await state.watchdog.put('dead-mans-switch', { lastSeenAt: T0 + 1, downSince: T0 });
    const after = await reopen(close);
    expect(await after.watchdog.get('dead-mans-switch')).toEqual({ lastSeenAt: T0 + 1, downSince: T0 });
    expect(after.storageStatus()).toBeUndefined();
  });
});
