import { fingerprintOf } from '../../src/engine/fingerprint.js';

/** One alert of a notification, as either side reports it. Times are epoch milliseconds. */
export interface ObservedAlert {
  fingerprint: string;
  labels: Record<string, string>;
  startsAt: number;
  endsAt: number | undefined;
}

/** One notification, from Alertmanager's webhook or from the engine's sink. */
export interface ObservedNotification {
  groupKey: string;
  at: number;
  firing: ObservedAlert[];
  resolved: ObservedAlert[];
}

/** The part of a notification that must match exactly: which alerts fire and which are resolved. */
export interface NotificationContent {
  firing: string[];
  resolved: string[];
}

export const labelText = (labels: Record<string, string>): string =>
  Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(', ');

/** An alert by its labels and its start (relative to t0), readable in a failing diff. */
export function alertId(alert: ObservedAlert, t0: number): string {
  return `{${labelText(alert.labels)}} since ${formatOffset(alert.startsAt - t0)}`;
}

export const formatOffset = (ms: number): string => `${ms >= 0 ? '+' : ''}${(ms / 1000).toFixed(3)}s`;

/**
 * Notifications per group, in order. Groups flush on their own timers, so the order between two
 * groups' notifications at the same moment is not defined; within a group it is.
 */
export function byGroup(notifications: readonly ObservedNotification[]): Map<string, ObservedNotification[]> {
  const groups = new Map<string, ObservedNotification[]>();
  for (const notification of [...notifications].sort((a, b) => a.at - b.at)) {
    const list = groups.get(notification.groupKey) ?? [];
    list.push(notification);
    groups.set(notification.groupKey, list);
  }
  return groups;
}

export function contentOf(notification: ObservedNotification, t0: number): NotificationContent {
  return {
    firing: notification.firing.map((alert) => alertId(alert, t0)).sort(),
    resolved: notification.resolved.map((alert) => alertId(alert, t0)).sort(),
  };
}

/** Every group's sequence of contents, keyed by group key, for one toEqual comparison. */
export function transcript(notifications: readonly ObservedNotification[], t0: number): Record<string, NotificationContent[]> {
  const result: Record<string, NotificationContent[]> = {};
  for (const [groupKey, list] of [...byGroup(notifications)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    result[groupKey] = list.map((notification) => contentOf(notification, t0));
  }
  return result;
}

/** Fingerprints Alertmanager reported that differ from the engine's hash of the same labels. */
export function foreignFingerprints(notifications: readonly ObservedNotification[]): string[] {
  return notifications
    .flatMap((notification) => [...notification.firing, ...notification.resolved])
    .filter((alert) => alert.fingerprint !== fingerprintOf(alert.labels))
    .map((alert) => `${alert.fingerprint} for {${labelText(alert.labels)}}`);
}

/**
 * Where the two sides' timing differs by more than `toleranceMs`: each notification's time, and
 * the end of each resolved alert (which, for a resolve timeout, depends on when the post arrived).
 * Call only once the transcripts are equal, so notifications pair up one to one.
 */
export function timingGaps(
  alertmanager: readonly ObservedNotification[],
  engine: readonly ObservedNotification[],
  t0: number,
  toleranceMs: number,
): string[] {
  const gaps: string[] = [];
  const engineGroups = byGroup(engine);
  for (const [groupKey, expected] of byGroup(alertmanager)) {
    const actual = engineGroups.get(groupKey) ?? [];
    expected.forEach((sent, index) => {
      const replayed = actual[index];
      if (!replayed) return;
      const where = `${groupKey} notification #${index + 1}`;
      if (Math.abs(sent.at - replayed.at) > toleranceMs) {
        gaps.push(`${where}: Alertmanager at ${formatOffset(sent.at - t0)}, engine at ${formatOffset(replayed.at - t0)}`);
      }
      for (const alert of sent.resolved) {
        const twin = replayed.resolved.find((candidate) => candidate.fingerprint === alert.fingerprint);
        if (alert.endsAt === undefined || twin?.endsAt === undefined) continue;
        if (Math.abs(alert.endsAt - twin.endsAt) > toleranceMs) {
          gaps.push(`${where}: {${labelText(alert.labels)}} ended at ${formatOffset(alert.endsAt - t0)} vs ${formatOffset(twin.endsAt - t0)}`);
        }
      }
    });
  }
  return gaps;
}

/** Both sides' notifications with their times, for a failure message. */
export function timingTrace(
  alertmanager: readonly ObservedNotification[],
  engine: readonly ObservedNotification[],
  posts: readonly { sentAt: number }[],
  t0: number,
): string {
  const line = (notification: ObservedNotification): string => {
    const { firing, resolved } = contentOf(notification, t0);
    return `  ${formatOffset(notification.at - t0)} ${notification.groupKey} firing [${firing.join('; ')}] resolved [${resolved.join('; ')}]`;
  };
  return [
    `posts sent at ${posts.map((post) => formatOffset(post.sentAt - t0)).join(', ')}`,
    'Alertmanager:',
    ...alertmanager.map(line),
    'engine:',
    ...engine.map(line),
  ].join('\n');
}
