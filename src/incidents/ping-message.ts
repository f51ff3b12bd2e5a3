import { mentionsOf } from '../discord/mentions.js';
import type { DiscordMessage } from '../discord/types.js';
import type { EscalationPing, Notification } from '../engine/notification.js';
import { groupName } from '../render/alert-facts.js';
import { notificationPayload } from '../render/notification-payload.js';
import { formatDuration } from '../util/duration.js';
import { acknowledgeRow } from './ack-button.js';
import { incidentRef } from './incidents.js';

export interface PingOptions {
  /** The group's living message, which the ping answers (as the bot); undefined: a plain message. */
  replyTo: string | undefined;
  /** The destination posts as the bot, so the ping can carry the Acknowledge button. */
  buttons: boolean;
  username?: string | undefined;
  avatarUrl?: string | undefined;
}

/**
 * An escalation step's short reply to a group's living message: who is pinged, which group, and
 * for how long nobody has acknowledged it. Only the step's roles and users may ping.
 */
export function escalationMessage(ping: EscalationPing, notification: Notification, options: PingOptions): DiscordMessage {
  const mentions = mentionsOf(ping.roles, ping.users);
  const name = groupName(notificationPayload(notification));
  const message: DiscordMessage = {
    content: `⏰ ${mentions.text} **${name}** is still firing, unacknowledged for ${formatDuration(ping.unacknowledgedForMs)}.`.replace(/ {2,}/g, ' '),
    allowed_mentions: mentions.allowed,
  };
  if (options.replyTo) message.message_reference = { message_id: options.replyTo, fail_if_not_exists: false };
  if (options.buttons) message.components = [acknowledgeRow(incidentRef({ route: notification.route, groupKey: ping.groupKey }), false)];
  if (options.username) message.username = options.username;
  if (options.avatarUrl) message.avatar_url = options.avatarUrl;
  return message;
}
