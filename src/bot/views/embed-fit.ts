import { DISCORD_LIMITS, embedLength } from '../../discord/limits.js';
import type { DiscordEmbed, DiscordEmbedField } from '../../discord/types.js';

/** Room kept for a footer set afterwards, such as "and 12 more". */
const FOOTER_RESERVE = 150;

/**
 * Appends fields in order while the embed stays within Discord's 25 fields and the 6000
 * characters all embeds of a message share (discord.js checks neither), `alreadyUsed` of them
 * by the message's other embeds. Returns how many fit.
 */
export function appendFittingFields(embed: DiscordEmbed, candidates: readonly DiscordEmbedField[], max: number = DISCORD_LIMITS.fields, alreadyUsed = 0): number {
  const fields = (embed.fields ??= []);
  const budget = DISCORD_LIMITS.embedsTotal - FOOTER_RESERVE - (embed.footer?.text.length ?? 0) - alreadyUsed;
  let added = 0;
  for (const field of candidates) {
    if (added >= max || fields.length >= DISCORD_LIMITS.fields) break;
    if (embedLength(embed) + field.name.length + field.value.length > budget) break;
    fields.push(field);
    added += 1;
  }
  return added;
}
