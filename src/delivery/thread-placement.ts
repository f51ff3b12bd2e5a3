import type { ThreadPlacement } from '../discord/types.js';
import type { Notification } from '../engine/notification.js';
import { groupName } from '../render/alert-facts.js';
import { notificationPayload } from '../render/notification-payload.js';
import type { ThreadSettings } from './destination.js';

/** Discord's limit on a thread's name. */
const THREAD_NAME_MAX = 100;

/**
 * The living message of a group in a forum post, as the outbox keeps it: `<thread>/<message>`,
 * so a later message knows the post and an edit reaches the message inside it. A plain id is a
 * message outside any thread.
 */
export function livingMessageId(threadId: string, messageId: string): string {
  return `${threadId}/${messageId}`;
}

export function parseLivingMessageId(id: string): { threadId: string | undefined; messageId: string } {
  const slash = id.indexOf('/');
  return slash < 0 ? { threadId: undefined, messageId: id } : { threadId: id.slice(0, slash), messageId: id.slice(slash + 1) };
}

/**
 * Where a group's message goes when its destination has threads: the first message of an
 * incident (a new group, or one firing again after it resolved) starts a post named after the
 * group, tagged firing; everything later goes into that post (escalation pings too); the
 * resolved edit re-tags it resolved and archives it.
 */
export function threadPlacement(notification: Notification, living: string | undefined, settings: ThreadSettings, startsIncident: boolean): ThreadPlacement {
  const name = groupName(notificationPayload(notification)).slice(0, THREAD_NAME_MAX).trim() || 'Alerts';
  const tags = settings.firingTag ? [settings.firingTag] : [];
  const threadId = living === undefined ? undefined : parseLivingMessageId(living).threadId;
  if (threadId === undefined || startsIncident) return { name, tags };
  if (notification.firing.length === 0 && !notification.escalation) {
    return { id: threadId, name, tags, close: { tags: settings.resolvedTag ? [settings.resolvedTag] : [] } };
  }
  return { id: threadId, name, tags };
}
