import type { DiscordEmbed, DiscordMessage } from './types.js';

/** Discord's documented message limits; breaking any of them gets 400 (code 50035). */
export const DISCORD_LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  embedsTotal: 6000,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  authorName: 256,
  username: 80,
  /** Any URL of a message (embed url, avatar_url): longer ones get "Must be 2048 or fewer in length". */
  url: 2048,
} as const;

const ELLIPSIS = '…';

/**
 * Length as amcord budgets it: UTF-16 code units. That is never less than the number of
 * characters Discord counts, so a message inside this budget is inside Discord's.
 */
export function textLength(text: string | undefined): number {
  return text?.length ?? 0;
}

/** Cuts text to at most `max` units, ending in an ellipsis, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = max - ELLIPSIS.length;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, Math.max(0, cut)) + ELLIPSIS;
}

/** The characters Discord counts toward the 6000 shared by all embeds of a message. */
export function embedLength(embed: DiscordEmbed): number {
  let total = textLength(embed.title) + textLength(embed.description);
  total += textLength(embed.footer?.text) + textLength(embed.author?.name);
  for (const field of embed.fields ?? []) total += textLength(field.name) + textLength(field.value);
  return total;
}

export function messageEmbedsLength(message: DiscordMessage): number {
  return (message.embeds ?? []).reduce((sum, embed) => sum + embedLength(embed), 0);
}

/** Every limit the message breaks, worded like "embeds[0].title: 300 > 256"; empty when it fits. */
export function limitViolations(message: DiscordMessage): string[] {
  const problems: string[] = [];
  const check = (path: string, length: number, max: number): void => {
    if (length > max) problems.push(`${path}: ${length} > ${max}`);
  };
  check('content', textLength(message.content), DISCORD_LIMITS.content);
  check('username', textLength(message.username), DISCORD_LIMITS.username);
  check('avatar_url', textLength(message.avatar_url), DISCORD_LIMITS.url);
  const embeds = message.embeds ?? [];
  check('embeds', embeds.length, DISCORD_LIMITS.embedsPerMessage);
  embeds.forEach((embed, index) => {
    const at = `embeds[${index}]`;
    check(`${at}.title`, textLength(embed.title), DISCORD_LIMITS.title);
    check(`${at}.url`, textLength(embed.url), DISCORD_LIMITS.url);
    check(`${at}.description`, textLength(embed.description), DISCORD_LIMITS.description);
    check(`${at}.footer.text`, textLength(embed.footer?.text), DISCORD_LIMITS.footer);
    check(`${at}.author.name`, textLength(embed.author?.name), DISCORD_LIMITS.authorName);
    const fields = embed.fields ?? [];
    check(`${at}.fields`, fields.length, DISCORD_LIMITS.fields);
    fields.forEach((field, fieldIndex) => {
      check(`${at}.fields[${fieldIndex}].name`, textLength(field.name), DISCORD_LIMITS.fieldName);
      check(`${at}.fields[${fieldIndex}].value`, textLength(field.value), DISCORD_LIMITS.fieldValue);
      if (field.name.trim() === '' || field.value.trim() === '') problems.push(`${at}.fields[${fieldIndex}]: empty`);
    });
  });
  check('embeds (all together)', messageEmbedsLength(message), DISCORD_LIMITS.embedsTotal);
  if (!message.content && embeds.length === 0) problems.push('message: empty');
  return problems;
}
