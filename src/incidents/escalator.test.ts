import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualTime } from '../../test/support/manual-time.js';
import { createLogger } from '../log/logger.js';
import type { Notification } from '../engine/notification.js';
import type { EscalationStep } from '../routing/routes.js';
import { openDatabase, type Db } from '../store/database.js';
import { IncidentStore } from '../store/incident-store.js';
import { OutboxStore } from '../store/outbox-store.js';
import { Escalator } from './escalator.js';
import { incidentRef, Incidents } from './incidents.js';
import type { IncidentSummary } from './ports.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 3);
const STEPS: EscalationStep[] = [
  { afterMs: 5 * MINUTE, roles: ['100000000000000001'], users: [] },
  { afterMs: 15 * MINUTE, roles: ['100000000000000002'], users: [] },
];

function firing(groupKey: string): Notification {
  const alert = { fingerprint: 'f1', labels: { alertname: groupKey }, annotations: {}, startsAt: T0, endsAt: T0 + 60 * MINUTE, endsAtIsTimeout: true, generatorURL: '', updatedAt: T0 };
  return { route: 'critical', groupKey, receiver: 'oncall', groupLabels: { alertname: groupKey }, externalUrl: 'http://am', at: T0, firing: [alert], resolved: [], newlyFiring: ['f1'], reason: 'first' };
}

describe('escalation, on real storage with an injected clock', () => {
  let db: Db;
  let outbox: OutboxStore;
  let time: ManualTime;
  let incidents: Incidents;
  let store: IncidentStore;
  let stillFiring: boolean;
  let silenced: boolean;
  const pings: Array<{ groupKey: string; step: number }> = [];

  const escalator = () =>
    new Escalator({
      incidents: store,
      stepsOf: (route) => (route === 'critical' ? STEPS : []),
      isFiring: (incident: IncidentSummary) => (incident.route === 'critical' ? stillFiring : undefined),
      isSilenced: () => Promise.resolve(silenced),
      clock: time,
      sleep: time.sleep,
      logger: createLogger({ level: 'silent', format: 'json' }),
      intervalMs: 1_000,
      onPing: (incident, step) => pings.push({ groupKey: incident.groupKey, step }),
    });

  /** The pings waiting in the outbox, as step numbers. */
  async function queuedSteps(): Promise<number[]> {
    const steps: number[] = [];
    for (let entry = await outbox.head('oncall'); entry; entry = await outbox.head('oncall')) {
      if (entry.notification.escalation) steps.push(entry.notification.escalation.step);
      await outbox.sending(entry, time.now());
      await outbox.delivered(entry, undefined, time.now());
    }
    return steps;
  }

  beforeEach(async () => {
    db = openDatabase(':memory:');
    outbox = new OutboxStore(db);
    store = new IncidentStore(db, outbox);
    time = new ManualTime(T0);
    incidents = new Incidents(store, time);
    stillFiring = true;
    silenced = false;
    pings.length = 0;
    await incidents.shown(firing('g'), 'oncall');
  });

  afterEach(() => db.close());

  it('pings each step at its time, once, and stops when someone acknowledges', async () => {
    const loop = escalator();
    await loop.tick();
    expect(await queuedSteps()).toEqual([]);
    await time.advance(T0 + 5 * MINUTE - time.now());
    await loop.tick();
    await loop.tick();
    expect(await queuedSteps()).toEqual([0]);
    await time.advance(T0 + 10 * MINUTE - time.now());
    await loop.tick();
    expect(await queuedSteps()).toEqual([]);

    const outcome = await incidents.acknowledge(incidentRef(firing('g')), '300000000000000001');
    expect(outcome.kind).toBe('acknowledged');
    await queuedSteps();
    await time.advance(T0 + 20 * MINUTE - time.now());
    await loop.tick();
    expect(await queuedSteps()).toEqual([]);
    expect(pings).toEqual([{ groupKey: 'g', step: 0 }]);
  });

  it('neither skips nor repeats a step across a restart', async () => {
    await time.advance(T0 + 5 * MINUTE - time.now());
    await escalator().tick();
    expect(await queuedSteps()).toEqual([0]);
    // A new process on the same storage, long after: the next step still goes out, once.
    await time.advance(T0 + 40 * MINUTE - time.now());
    const restarted = escalator();
    await restarted.tick();
    await restarted.tick();
    expect(await queuedSteps()).toEqual([1]);
    await escalator().tick();
    expect(await queuedSteps()).toEqual([]);
  });

  it('waits while the group is silenced, and resumes if the silence ends first', async () => {
    silenced = true;
    await time.advance(T0 + 6 * MINUTE - time.now());
    await escalator().tick();
    expect(await queuedSteps()).toEqual([]);
    silenced = false;
    await escalator().tick();
    expect(await queuedSteps()).toEqual([0]);
  });

  it('ends the incident of a group the engine no longer has firing, and of one that resolved', async () => {
    stillFiring = false;
    await time.advance(T0 + 6 * MINUTE - time.now());
    await escalator().tick();
    expect(await queuedSteps()).toEqual([]);
    expect(await incidents.open()).toEqual([]);

    await incidents.shown(firing('h'), 'oncall');
    expect((await incidents.open()).map((incident) => incident.groupKey)).toEqual(['h']);
    await incidents.shown({ ...firing('h'), firing: [], reason: 'all-resolved' }, 'oncall');
    expect(await incidents.open()).toEqual([]);
  });

  it('runs on its own timer until stopped', async () => {
    const loop = escalator();
    loop.start();
    await time.advance(5 * MINUTE + 1_000);
    await loop.stop();
    expect(pings).toEqual([{ groupKey: 'g', step: 0 }]);
  });
});

describe('acknowledging', () => {
  it('records who, lets a second person take over, and ignores the same person twice', async () => {
    const db = openDatabase(':memory:');
    const time = new ManualTime(T0);
    const incidents = new Incidents(new IncidentStore(db, new OutboxStore(db)), time);
    const ref = incidentRef(firing('g'));
    expect(await incidents.acknowledge(ref, '300000000000000001')).toEqual({ kind: 'unknown' });
    expect(await incidents.shown(firing('g'), 'oncall')).toEqual({ acknowledgement: undefined, started: true });
    await time.advance(T0 + MINUTE - time.now());
    expect(await incidents.acknowledge(ref, '300000000000000001')).toMatchObject({ kind: 'acknowledged', incident: { acknowledgement: { userId: '300000000000000001', at: T0 + MINUTE } } });
    expect((await incidents.acknowledge(ref, '300000000000000001')).kind).toBe('already');
    await time.advance(T0 + 2 * MINUTE - time.now());
    const takeover = await incidents.acknowledge(ref, '300000000000000002');
    expect(takeover).toMatchObject({
      kind: 'acknowledged',
      incident: { acknowledgement: { userId: '300000000000000002', at: T0 + 2 * MINUTE, tookOverFrom: { userId: '300000000000000001', at: T0 + MINUTE } } },
    });
    expect(await incidents.shown(firing('g'), 'oncall')).toEqual({
      acknowledgement: { userId: '300000000000000002', at: T0 + 2 * MINUTE, tookOverFrom: { userId: '300000000000000001', at: T0 + MINUTE } },
      started: false,
    });
    expect(await incidents.shown({ ...firing('g'), firing: [], reason: 'all-resolved' }, 'oncall')).toBeUndefined();
    expect(await incidents.acknowledge(ref, '300000000000000001')).toEqual({ kind: 'unknown' });
    db.close();
  });
});
