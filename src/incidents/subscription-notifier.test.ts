import { beforeEach, describe, expect, it } from 'vitest';
import { ManualTime } from '../../test/support/manual-time.js';
import type { Notification } from '../engine/notification.js';
import { createLogger } from '../log/logger.js';
import { openDatabase } from '../store/database.js';
import { IncidentStore } from '../store/incident-store.js';
import { OutboxStore } from '../store/outbox-store.js';
import { SubscriptionStore } from '../store/subscription-store.js';
import { Incidents } from './incidents.js';
import { SubscriptionNotifier } from './subscription-notifier.js';
import { canonicalMatchers, dmDestination, dmRecipient } from './subscriptions.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 1, 3);
const ANA = '345678901234567890';
const BO = '456789012345678901';

function firing(groupKey: string, severity: string): Notification {
  const alert = { fingerprint: groupKey, labels: { alertname: groupKey, severity }, annotations: {}, startsAt: T0, endsAt: T0 + 60 * MINUTE, endsAtIsTimeout: true, generatorURL: '', updatedAt: T0 };
  return { route: 'default', groupKey, receiver: 'default', groupLabels: { alertname: groupKey }, externalUrl: 'http://am', at: T0, firing: [alert], resolved: [], newlyFiring: [groupKey], reason: 'first' };
}

describe('subscriptions: DMs of new firing groups, on real storage with an injected clock', () => {
  let time: ManualTime;
  let outbox: OutboxStore;
  let subscriptions: SubscriptionStore;
  let incidents: Incidents;
  let queued: string[];
  let notifier: SubscriptionNotifier;
  let store: IncidentStore;

  /** The DMs waiting for a member, by group, taken out of the outbox as if delivered. */
  async function dms(userId: string): Promise<string[]> {
    const groups: string[] = [];
    for (let entry = await outbox.head(dmDestination(userId)); entry; entry = await outbox.head(dmDestination(userId))) {
      groups.push(entry.groupKey);
      await outbox.sending(entry, time.now());
      await outbox.delivered(entry, '1', time.now());
    }
    return groups;
  }

  beforeEach(() => {
    const db = openDatabase(':memory:');
    time = new ManualTime(T0);
    outbox = new OutboxStore(db);
    store = new IncidentStore(db, outbox);
    subscriptions = new SubscriptionStore(db, outbox);
    incidents = new Incidents(store, time);
    queued = [];
    notifier = newNotifier();
  });

  it('DMs each member once per new matching group: a critical one, not a warning, not one from before they subscribed', async () => {
    await incidents.shown(firing('Old', 'critical'), 'default');
    await time.advance(MINUTE);
    await subscriptions.subscribe(ANA, canonicalMatchers(undefined), time.now());
    await subscriptions.subscribe(ANA, canonicalMatchers('alertname=~"Disk.*"'), time.now());
    await subscriptions.subscribe(BO, canonicalMatchers('severity="warning"'), time.now());
    await time.advance(MINUTE);
    await incidents.shown(firing('DiskFull', 'critical'), 'default');
    await incidents.shown(firing('CpuHigh', 'warning'), 'default');

    await notifier.tick();
    await notifier.tick();
    expect(await dms(ANA)).toEqual(['DiskFull']);
    expect(await dms(BO)).toEqual(['CpuHigh']);
    expect(queued).toEqual([ANA, BO]);

    // Later notifications of the same incident send nothing more, after a restart too.
    await incidents.shown({ ...firing('DiskFull', 'critical'), reason: 'repeat' }, 'default');
    await newNotifier().tick();
    expect(await dms(ANA)).toEqual([]);
  });

  it('DMs a group that resolved and fires again anew, and nobody after they unsubscribed', async () => {
    await subscriptions.subscribe(ANA, canonicalMatchers(''), T0);
    await time.advance(MINUTE);
    await incidents.shown(firing('DiskFull', 'critical'), 'default');
    await notifier.tick();
    await incidents.shown({ ...firing('DiskFull', 'critical'), firing: [], reason: 'all-resolved' }, 'default');
    await time.advance(MINUTE);
    await incidents.shown(firing('DiskFull', 'critical'), 'default');
    await notifier.tick();
    expect(await dms(ANA)).toEqual(['DiskFull']);
    expect(queued).toEqual([ANA, ANA]);

    expect(await subscriptions.unsubscribe(ANA)).toBe(1);
    await time.advance(MINUTE);
    await incidents.shown(firing('Other', 'critical'), 'default');
    await notifier.tick();
    expect(await dms(ANA)).toEqual([]);
  });

  it('names DM destinations by member, and only those', () => {
    expect(dmRecipient(dmDestination(ANA))).toBe(ANA);
    expect(dmRecipient('default')).toBeUndefined();
    expect(dmRecipient('dm:someone')).toBeUndefined();
    expect(canonicalMatchers(' severity = critical ')).toBe('{severity="critical"}');
    expect(() => canonicalMatchers('severity=~"("')).toThrow();
  });

  function newNotifier(): SubscriptionNotifier {
    return new SubscriptionNotifier({
      incidents: store,
      subscriptions,
      clock: time,
      sleep: time.sleep,
      logger: createLogger({ level: 'silent', format: 'json' }),
      intervalMs: 1_000,
      pruneEvery: 1,
      onQueued: (userId) => queued.push(userId),
    });
  }
});
