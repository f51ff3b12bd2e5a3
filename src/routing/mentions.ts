import { mentionsOf, type Mentions } from '../discord/mentions.js';
import type { Notification } from '../engine/notification.js';
import type { MentionPolicy } from './routes.js';

/**
 * Who a notification pings under a route's policy: new alerts and repeats ping (filtered by
 * severity when the policy names severities); updates that only resolve do not, unless the
 * policy says on_resolved. Edits never ping in Discord, so they carry no mentions. The template
 * decides where the mentions go (`{{ mentions }}`); one that leaves them out pings nobody.
 */
export function mentionsFor(
  policy: MentionPolicy | undefined,
  notification: Notification,
  kind: 'post' | 'edit',
  severityOf: (labels: Record<string, string>) => string,
): Mentions | undefined {
  if (!policy || kind === 'edit' || (policy.roles.length === 0 && policy.users.length === 0)) return undefined;
  const firing = notification.firing;
  if (firing.length === 0 && !policy.onResolved) return undefined;
  if (firing.length > 0 && policy.severities.length > 0) {
    const severities = new Set(firing.map((alert) => severityOf(alert.labels)));
    if (!policy.severities.some((severity) => severities.has(severity))) return undefined;
  }
  return mentionsOf(policy.roles, policy.users);
}
