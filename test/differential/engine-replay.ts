import { pino } from 'pino';
import { vi } from 'vitest';
import { Dispatcher } from '../../src/engine/dispatcher.js';
import type { FlushChanges } from '../../src/engine/ports.js';
import type { EngineAlert } from '../../src/engine/alert.js';
import { openDatabase } from '../../src/store/database.js';
import { EngineStore } from '../../src/store/engine-store.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import type { ObservedAlert, ObservedNotification } from './notifications.js';
import type { PlayedTimeline, Timeline } from './timeline.js';

/** Alertmanager's root route key, so the engine's group keys read exactly like its webhooks'. */
const ROOT_ROUTE_KEY = '{}';

/**
 * Replays a timeline, as it was actually played against Alertmanager, through amcord's engine
 * under fake timers: each batch is ingested at the moment it was sent, with the same alerts and
 * absolute times, in simulated time.
 */
export async function replayOnEngine(timeline: Timeline, played: PlayedTimeline): Promise<ObservedNotification[]> {
  const notifications: ObservedNotification[] = [];
  vi.useFakeTimers({ now: played.t0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const db = openDatabase(':memory:');
  try {
    const store = new EngineStore(db, new OutboxStore(db));
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
        loadGroups: (route) => store.loadGroups(route),
        saveIngest: (changes) => store.saveIngest(changes),
        saveFlush: (changes) => store.saveFlush(changes).then(() => record(changes)),
        removeGroups: (groupKeys, now) => store.removeGroups(groupKeys, now),
        lastNotification: (groupKey, receiver, now) => store.lastNotification(groupKey, receiver, now),
      },
      clock: { now: () => Date.now() },
      logger: pino({ level: 'silent' }),
      route: ROOT_ROUTE_KEY,
      receiver: 'recorder',
      grouping: timeline.grouping,
    });
    await dispatcher.start();
    for (const post of played.posts) {
      await vi.advanceTimersByTimeAsync(post.sentAt - Date.now());
      await dispatcher.ingest(
        post.alerts.map((alert) => ({ ...alert, generatorURL: '' })),
        'http://alertmanager.invalid',
      );
    }
    await vi.advanceTimersByTimeAsync(played.t0 + timeline.durationMs - Date.now());
    dispatcher.stop();
    return notifications;
  } finally {
    db.close();
    vi.useRealTimers();
  }
}

const toObserved = (alert: EngineAlert): ObservedAlert => ({
  fingerprint: alert.fingerprint,
  labels: alert.labels,
  startsAt: alert.startsAt,
  endsAt: alert.endsAt,
});
