import { pino } from 'pino';
import { vi } from 'vitest';
import { Dispatcher } from '../../src/engine/dispatcher.js';
import type { EngineRepository, FlushChanges } from '../../src/engine/ports.js';
import type { EngineAlert } from '../../src/engine/alert.js';
import { openDatabase } from '../../src/store/database.js';
import { EngineStore } from '../../src/store/engine-store.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { PostgresDatabase } from '../../src/store/postgres/database.js';
import { PostgresEngineStore } from '../../src/store/postgres/engine-store.js';
import { PostgresOutboxStore } from '../../src/store/postgres/outbox-store.js';
import type { ObservedAlert, ObservedNotification } from './notifications.js';
import type { PlayedTimeline, Timeline } from './timeline.js';

/** Alertmanager's root route key, so the engine's group keys read exactly like its webhooks'. */
const ROOT_ROUTE_KEY = '{}';
/** Simulated time moves in steps this long, each step waiting for storage to answer. */
const STEP_MS = 5;

/** Where the engine keeps its groups during a replay: opened before time is faked, closed after. */
export interface ReplayBackend {
  name: string;
  open(): Promise<{ store: EngineRepository; close: () => Promise<void> }>;
}

export const sqliteBackend: ReplayBackend = {
  name: 'SQLite',
  open() {
    const db = openDatabase(':memory:');
    return Promise.resolve({
      store: new EngineStore(db, new OutboxStore(db)),
      close: () => {
        db.close();
        return Promise.resolve();
      },
    });
  },
};

/** PostgreSQL at `url()` (an empty database per replay, from `freshUrl`). */
export function postgresBackend(freshUrl: () => Promise<string>): ReplayBackend {
  return {
    name: 'PostgreSQL',
    async open() {
      const db = await PostgresDatabase.open({ url: await freshUrl() });
      return { store: new PostgresEngineStore(db, new PostgresOutboxStore(db)), close: () => db.close() };
    },
  };
}

/**
 * Replays a timeline, as it was actually played against Alertmanager, through amcord's engine
 * under fake timers: each batch is ingested at the moment it was sent, with the same alerts and
 * absolute times, in simulated time. Time stands still while storage works (a networked
 * database answers in real time), so every flush happens at its simulated moment on any backend.
 */
export async function replayOnEngine(timeline: Timeline, played: PlayedTimeline, backend: ReplayBackend = sqliteBackend): Promise<ObservedNotification[]> {
  const notifications: ObservedNotification[] = [];
  const { store, close } = await backend.open();
  vi.useFakeTimers({ now: played.t0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const pending = new Set<Promise<unknown>>();
  const tracked = <T>(promise: Promise<T>): Promise<T> => {
    pending.add(promise);
    void promise.finally(() => pending.delete(promise)).catch(() => undefined);
    return promise;
  };
  /** Moves simulated time to `to`, letting storage finish what each step started. */
  const advanceTo = async (to: number): Promise<void> => {
    while (Date.now() < to) {
      await vi.advanceTimersByTimeAsync(Math.min(STEP_MS, to - Date.now()));
      while (pending.size > 0) await Promise.allSettled([...pending]);
    }
  };
  try {
    /** What each flush hands to delivery, as the engine committed it. */
    const record = (changes: FlushChanges): void => {
      const notification = changes.sent?.notification;
      if (!notification) return;
      notifications.push({
        groupKey: notification.groupKey,
        at: Date.now(),
        // Alertmanager sends a firing alert's end as unset; only a resolved alert's end is compared.
        firing: notification.firing.map((alert) => ({ ...toObserved(alert), endsAt: undefined })),
        resolved: notification.resolved.map(toObserved),
      });
    };
    const dispatcher = new Dispatcher({
      store: {
        loadGroups: (route) => tracked(store.loadGroups(route)),
        saveIngest: (changes) => tracked(store.saveIngest(changes)),
        saveFlush: (changes) => tracked(store.saveFlush(changes).then(() => record(changes))),
        removeGroups: (groupKeys, now) => tracked(store.removeGroups(groupKeys, now)),
        lastNotification: (groupKey, receiver, now) => tracked(store.lastNotification(groupKey, receiver, now)),
      },
      clock: { now: () => Date.now() },
      logger: pino({ level: 'silent' }),
      route: ROOT_ROUTE_KEY,
      receiver: 'recorder',
      grouping: timeline.grouping,
    });
    await dispatcher.start();
    for (const post of played.posts) {
      await advanceTo(post.sentAt);
      await dispatcher.ingest(
        post.alerts.map((alert) => ({ ...alert, generatorURL: '' })),
        'http://alertmanager.invalid',
      );
    }
    await advanceTo(played.t0 + timeline.durationMs);
    dispatcher.stop();
    return notifications;
  } finally {
    vi.useRealTimers();
    await close();
  }
}

const toObserved = (alert: EngineAlert): ObservedAlert => ({
  fingerprint: alert.fingerprint,
  labels: alert.labels,
  startsAt: alert.startsAt,
  endsAt: alert.endsAt,
});
