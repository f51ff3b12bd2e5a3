import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Notification } from '../engine/notification.js';
import { openDatabase, type Db } from '../store/database.js';
import { KvStore } from '../store/kv-store.js';
import { DeadMansSwitch, PIPELINE_DOWN_ALERT } from './dead-mans-switch.js';

const MINUTE = 60_000;

describe('DeadMansSwitch', () => {
  let db: Db;
  let sent: Array<{ kind: 'post' | 'edit'; notification: Notification }>;

  const makeSwitch = () =>
    new DeadMansSwitch({
      alertname: 'Watchdog',
      timeoutMs: 5 * MINUTE,
      clock: { now: () => Date.now() },
      state: new KvStore(db),
      logger: pino({ level: 'silent' }),
      notify: (notification, kind) => {
        sent.push({ kind, notification });
        return Promise.resolve();
      },
    });

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 25, 12) });
    db = openDatabase(':memory:');
    sent = [];
  });

  afterEach(() => {
    vi.useRealTimers();
    db.close();
  });

  it('stays quiet while the watchdog keeps arriving', async () => {
    const watchdog = makeSwitch();
    await watchdog.start();
    for (let minute = 0; minute < 60; minute += 4) {
      await vi.advanceTimersByTimeAsync(4 * MINUTE);
      await watchdog.seen();
    }
    expect(sent).toEqual([]);
    watchdog.stop();
  });

  it('posts once when the watchdog stops, and turns that message into "restored" when it returns', async () => {
    const watchdog = makeSwitch();
    await watchdog.start();
    await watchdog.seen();
    await vi.advanceTimersByTimeAsync(5 * MINUTE - 1);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.kind).toBe('post');
    expect(sent[0]?.notification.firing[0]?.labels).toEqual({ alertname: PIPELINE_DOWN_ALERT, severity: 'critical' });
    expect(sent[0]?.notification.firing[0]?.annotations.summary).toBe('The monitoring pipeline is down');

    await vi.advanceTimersByTimeAsync(30 * MINUTE);
    expect(sent).toHaveLength(1);

    await watchdog.seen();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.kind).toBe('edit');
    const [restored] = sent[1]?.notification.resolved ?? [];
    expect(restored && restored.endsAt - restored.startsAt).toBe(35 * MINUTE);
    watchdog.stop();
  });

  it('remembers an outage across a restart: no second "down", and "restored" still comes', async () => {
    const first = makeSwitch();
    await first.start();
    await vi.advanceTimersByTimeAsync(6 * MINUTE);
    first.stop();
    expect(sent.map((entry) => entry.kind)).toEqual(['post']);

    const second = makeSwitch();
    await second.start();
    await vi.advanceTimersByTimeAsync(20 * MINUTE);
    expect(sent.map((entry) => entry.kind)).toEqual(['post']);
    await second.seen();
    expect(sent.map((entry) => entry.kind)).toEqual(['post', 'edit']);
    second.stop();
  });

  it('recognises only the configured alert name', () => {
    const watchdog = makeSwitch();
    expect(watchdog.isWatchdog({ alertname: 'Watchdog' })).toBe(true);
    expect(watchdog.isWatchdog({ alertname: 'DiskSpaceLow' })).toBe(false);
  });
});
