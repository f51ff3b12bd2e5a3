import type { APIActionRowComponent, APIButtonComponent } from 'discord.js';
import type { DiscordEmbed, DiscordFile } from '../../discord/types.js';

/**
 * What a command answers, independent of discord.js: command logic returns this, the dispatcher
 * sends it. Embeds use amcord's own type so `limitViolations` can check them.
 */
export interface BotReply {
  content?: string;
  embeds?: DiscordEmbed[];
  components?: APIActionRowComponent<APIButtonComponent>[];
  /** Only the person who asked sees it. */
  ephemeral?: boolean;
  /** Uploaded with the reply; an embed shows one as `attachment://<name>`. */
  files?: ReplyFile[];
}

/** A file of a reply, with its alt text for screen readers. */
export interface ReplyFile extends DiscordFile {
  description?: string;
}

/** An autocomplete suggestion; Discord shows at most 25 and cuts names at 100 characters. */
export interface Choice {
  name: string;
  value: string;
}

export const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;

/** A refusal or a mistake in the input: only the asker sees it, and nothing was changed. */
export function problemReply(text: string): BotReply {
  return { content: `⚠️ ${text}`, ephemeral: true };
}

/** Keeps choices Discord accepts: at most 25, names and values of 1 to 100 characters, no duplicate values. */
export function toChoices(candidates: readonly Choice[]): Choice[] {
  const seen = new Set<string>();
  const choices: Choice[] = [];
  for (const candidate of candidates) {
    if (candidate.value === '' || candidate.value.length > MAX_CHOICE_LENGTH || seen.has(candidate.value)) continue;
    seen.add(candidate.value);
    const name = candidate.name.length > MAX_CHOICE_LENGTH ? `${candidate.name.slice(0, MAX_CHOICE_LENGTH - 1)}…` : candidate.name;
    choices.push({ name: name === '' ? candidate.value : name, value: candidate.value });
    if (choices.length === MAX_CHOICES) break;
  }
  return choices;
}

/** Case-insensitive "contains", the way people expect autocomplete to narrow a list. */
export function matchesTyped(text: string, typed: string): boolean {
  return text.toLowerCase().includes(typed.trim().toLowerCase());
}
