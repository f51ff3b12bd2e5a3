import { pino } from 'pino';
import { vi } from 'vitest';
import { Dispatcher } from '../../src/engine/dispatcher.js';
import type { EngineAlert } from '../../src/engine/alert.js';
import { openDatabase } from '../../src/store/database.js';
import { EngineStore } from '../../src/store/engine-store.js';
import type { ObservedAlert, ObservedNotification } from './notifications.js';
import type { PlayedTimeline, Timeline } from './timeline.js';

/** Alertmanager's root route key, so the engine's group keys read exactly like its webhooks'. */
const ROOT_ROUTE_KEY = '{}';

/**
 * Replays a timeline, as it was actually played against Alertmanager, through amcord's engine
 * under fake timers: each batch is ingested at the moment it was sent, with the same alerts and
 * absolute times. Runs synchronously in simulated time.
 */
export function replayOnEngine(timeline: Timeline, played: PlayedTimeline): ObservedNotification[] {
  const notifications: ObservedNotification[] = [];
  vi.useFakeTimers({ now: played.t0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const db = openDatabase(':memory:');
  try {
    const dispatcher = new Dispatcher({
      store: new EngineStore(db),
      clock: { now: () => Date.now() },
      logger: pino({ level: 'silent' }),
      route: ROOT_ROUTE_KEY,
      receiver: 'recorder',
      grouping: timeline.grouping,
      sink: (notification) =>
        notifications.push({
          groupKey: notification.groupKey,
          at: Date.now(),
          // Alertmanager sends a firing alert's end as unset; only a resolved alert's end is compared.
          firing: notification.firing.map((alert) => ({ ...toObserved(alert), endsAt: undefined })),
          resolved: notification.resolved.map(toObserved),
        }),
    });
    dispatcher.start();
    for (const post of played.posts) {
      vi.advanceTimersByTime(post.sentAt - Date.now());
      dispatcher.ingest(
        post.alerts.map((alert) => ({ ...alert, generatorURL: '' })),
        'http://alertmanager.invalid',
      );
    }
    vi.advanceTimersByTime(played.t0 + timeline.durationMs - Date.now());
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
