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
      kv: new KvStore(db),
      logger: pino({ level: 'silent' }),
      notify: (notification, kind) => sent.push({ kind, notification }),
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

  it('stays quiet while the watchdog keeps arriving', () => {
    const watchdog = makeSwitch();
    watchdog.start();
    for (let minute = 0; minute < 60; minute += 4) {
      vi.advanceTimersByTime(4 * MINUTE);
      watchdog.seen();
    }
    expect(sent).toEqual([]);
    watchdog.stop();
  });

  it('posts once when the watchdog stops, and turns that message into "restored" when it returns', () => {
    const watchdog = makeSwitch();
    watchdog.start();
    watchdog.seen();
    vi.advanceTimersByTime(5 * MINUTE - 1);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.kind).toBe('post');
    expect(sent[0]?.notification.firing[0]?.labels).toEqual({ alertname: PIPELINE_DOWN_ALERT, severity: 'critical' });
    expect(sent[0]?.notification.firing[0]?.annotations.summary).toBe('The monitoring pipeline is down');

    vi.advanceTimersByTime(30 * MINUTE);
    expect(sent).toHaveLength(1);

    watchdog.seen();
    expect(sent).toHaveLength(2);
    expect(sent[1]?.kind).toBe('edit');
    const [restored] = sent[1]?.notification.resolved ?? [];
    expect(restored && restored.endsAt - restored.startsAt).toBe(35 * MINUTE);
    watchdog.stop();
  });

  it('remembers an outage across a restart: no second "down", and "restored" still comes', () => {
    const first = makeSwitch();
    first.start();
    vi.advanceTimersByTime(6 * MINUTE);
    first.stop();
    expect(sent.map((entry) => entry.kind)).toEqual(['post']);

    const second = makeSwitch();
    second.start();
    vi.advanceTimersByTime(20 * MINUTE);
    expect(sent.map((entry) => entry.kind)).toEqual(['post']);
    second.seen();
    expect(sent.map((entry) => entry.kind)).toEqual(['post', 'edit']);
    second.stop();
  });

  it('recognises only the configured alert name', () => {
    const watchdog = makeSwitch();
    expect(watchdog.isWatchdog({ alertname: 'Watchdog' })).toBe(true);
    expect(watchdog.isWatchdog({ alertname: 'DiskSpaceLow' })).toBe(false);
  });
});
