import { DISCORD_LIMITS, truncate } from '../discord/limits.js';
import type { AllowedMentions, DiscordMessage } from '../discord/types.js';
import type { Notification } from '../engine/notification.js';
import type { OutboxKind } from '../store/outbox-store.js';
import type { MentionPolicy } from './routes.js';

export interface Mentions {
  /** Goes into the message content: mentions inside embeds never ping. */
  text: string;
  /** Exactly these, so a ping works from a webhook (which by default parses users only) and nothing else pings. */
  allowed: AllowedMentions;
}

/** For every message without mentions: text from alerts (an "@everyone" in an annotation) must not ping. */
export const NO_PINGS: AllowedMentions = { parse: [] };

/**
 * Who a notification pings under a route's policy: new alerts and repeats ping (filtered by
 * severity when the policy names severities); updates that only resolve do not, unless the
 * policy says on_resolved. Edits never ping in Discord, so they carry no mentions.
 */
export function mentionsFor(
  policy: MentionPolicy | undefined,
  notification: Notification,
  kind: OutboxKind,
  severityOf: (labels: Record<string, string>) => string,
): Mentions | undefined {
  if (!policy || kind === 'edit' || (policy.roles.length === 0 && policy.users.length === 0)) return undefined;
  const firing = notification.firing;
  if (firing.length === 0 && !policy.onResolved) return undefined;
  if (firing.length > 0 && policy.severities.length > 0) {
    const severities = new Set(firing.map((alert) => severityOf(alert.labels)));
    if (!policy.severities.some((severity) => severities.has(severity))) return undefined;
  }
  const text = [...policy.roles.map((id) => `<@&${id}>`), ...policy.users.map((id) => `<@${id}>`)].join(' ');
  return { text, allowed: { parse: [], roles: [...policy.roles], users: [...policy.users] } };
}

/**
 * Puts the mentions at the start of the first message's content, and gives every message an
 * allowed_mentions that pings exactly them (or nobody).
 */
export function withMentions(messages: DiscordMessage[], mentions: Mentions | undefined): DiscordMessage[] {
  return messages.map((message, index) => {
    if (!mentions || index > 0) return { ...message, allowed_mentions: NO_PINGS };
    const content = message.content ? `${mentions.text}\n${message.content}` : mentions.text;
    return { ...message, content: truncate(content, DISCORD_LIMITS.content), allowed_mentions: mentions.allowed };
  });
}
