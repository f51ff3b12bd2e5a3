import type { Notification } from '../engine/notification.js';
import type { OutboxKind } from './ports.js';

/**
 * Two notifications of one group, waiting for the same destination, as one that carries the newer
 * state: under a rate limit people see the group as it is now, sooner and in fewer messages. A
 * post stays a post (someone must still be notified), and an alert the older one would have
 * shown resolved stays shown resolved even though the newer flush no longer lists it (it left the
 * group when it was resolved): a resolution is never lost to a merge.
 */
export function coalesce(
  waiting: { kind: OutboxKind; notification: Notification },
  next: { kind: OutboxKind; notification: Notification },
): { kind: OutboxKind; notification: Notification } {
  const listed = new Set([...next.notification.firing, ...next.notification.resolved].map((alert) => alert.fingerprint));
  const carried = waiting.notification.resolved.filter((alert) => !listed.has(alert.fingerprint));
  return {
    kind: waiting.kind === 'post' ? 'post' : next.kind,
    notification: { ...next.notification, resolved: [...next.notification.resolved, ...carried] },
  };
}
