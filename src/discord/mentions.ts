import type { AllowedMentions } from './types.js';

/** Who a message pings: the text for its `content`, and the allowed_mentions that let exactly those ping. */
export interface Mentions {
  /** Goes into the message content: mentions inside embeds never ping. */
  text: string;
  /** Built from the ids themselves, never parsed back out of text. */
  allowed: AllowedMentions;
}

/** For every message without mentions: text from alerts (an "@everyone" in an annotation) must not ping. */
export const NO_PINGS: AllowedMentions = { parse: [] };

/** Mentions of these roles and users, in that order. */
export function mentionsOf(roles: readonly string[], users: readonly string[]): Mentions {
  const text = [...roles.map((id) => `<@&${id}>`), ...users.map((id) => `<@${id}>`)].join(' ');
  const allowed: AllowedMentions = { parse: [] };
  if (roles.length > 0) allowed.roles = [...roles];
  if (users.length > 0) allowed.users = [...users];
  return { text, allowed };
}
