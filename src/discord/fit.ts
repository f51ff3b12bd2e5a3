import { DISCORD_LIMITS, textLength, truncate } from './limits.js';
import { FittingFields, type DraftField } from './fit-fields.js';
import type { AllowedMentions, DiscordEmbed, DiscordMessage } from './types.js';

/**
 * Item lines made on demand. A list of 10,000 alerts shows a few dozen of them, so only those
 * (and the few looked at to find where the list ends) are ever made.
 */
export type { DraftField } from './fit-fields.js';

export interface LazyItems {
  readonly count: number;
  line(index: number): string;
}

/**
 * A message before it is made to fit. `items` are the lines that may be cut from the end and
 * counted in an "…and N more" line (one per alert); everything else is truncated if it must be.
 */
export interface EmbedDraft {
  title: string;
  url?: string | undefined;
  color: number;
  intro?: string | undefined;
  items: readonly string[] | LazyItems;
  /** Items already left out before fitting (Alertmanager's truncatedAlerts). */
  hiddenItems?: number;
  /** Items the embed as a whole stands for (one alert shown in full), counted as shown. */
  wholeItems?: number;
  fields?: DraftField[];
  footer?: string | undefined;
  timestamp?: string | undefined;
}

export interface MessageDraft {
  content?: string | undefined;
  username?: string | undefined;
  avatar_url?: string | undefined;
  allowed_mentions?: AllowedMentions | undefined;
  embeds: EmbedDraft[];
}

export interface FittedMessage {
  message: DiscordMessage;
  /** Per embed: how many items are shown and how many are counted in "and N more". */
  accounting: Array<{ shown: number; hidden: number }>;
}

/**
 * Control characters (all but line feed and tab) and the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069): what a label can carry to garble a message or make
 * `gnp.exe` read as `exe.png`.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSHOWN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text as it may be shown: without the characters UNSHOWN lists. */
export const shownText = (text: string): string => text.replace(UNSHOWN, '');

/** One item never takes more than this, so one huge annotation cannot crowd out the others. */
export const MAX_ITEM_LENGTH = 600;
/** The intro keeps at most this much when items follow it. */
const MAX_INTRO_WITH_ITEMS = 1500;

interface WorkingEmbed {
  draft: EmbedDraft;
  intro: string;
  /** The items shown, each already cut to MAX_ITEM_LENGTH. */
  items: string[];
  /** Their lengths added up, so the description's length is known without joining it. */
  itemsLength: number;
  hidden: number;
  fields: FittingFields;
  title: string;
  footer: string | undefined;
}

/** A URL cut short leads nowhere, so one too long for Discord is left out instead. */
const fitsUrl = (url: string): boolean => textLength(url) <= DISCORD_LIMITS.url;

const moreLine = (count: number): string => `*…and ${count} more*`;

const isLazy = (items: EmbedDraft['items']): items is LazyItems => !Array.isArray(items);

export const itemCount = (items: EmbedDraft['items']): number => (isLazy(items) ? items.count : items.length);

function lazyItems(items: EmbedDraft['items']): LazyItems {
  if (isLazy(items)) return items;
  return { count: items.length, line: (index) => items[index] ?? '' };
}

/** The length `describe` would give for these numbers, without building the text. */
function descriptionLength(intro: string, shown: number, itemsLength: number, hidden: number): number {
  const lines = shown + (hidden > 0 ? 1 : 0);
  const list = lines === 0 ? 0 : itemsLength + (hidden > 0 ? moreLine(hidden).length : 0) + lines - 1;
  if (!intro) return list;
  return list > 0 ? intro.length + 2 + list : intro.length;
}

const describedLength = (embed: WorkingEmbed): number => descriptionLength(embed.intro, embed.items.length, embed.itemsLength, embed.hidden);

function describe(embed: WorkingEmbed): string {
  const lines = [...embed.items];
  if (embed.hidden > 0) lines.push(moreLine(embed.hidden));
  const list = lines.join('\n');
  if (!embed.intro) return list;
  return list ? `${embed.intro}\n\n${list}` : embed.intro;
}

/** What Discord counts of this embed toward the 6000 of a message, as `embedLength` of `toEmbed` would. */
function workingLength(embed: WorkingEmbed): number {
  return textLength(embed.title) + describedLength(embed) + textLength(embed.footer) + embed.fields.length();
}

function toEmbed(embed: WorkingEmbed): DiscordEmbed {
  const result: DiscordEmbed = { title: embed.title, color: embed.draft.color };
  const description = describe(embed);
  if (description) result.description = description;
  if (embed.draft.url && fitsUrl(embed.draft.url)) result.url = embed.draft.url;
  if (embed.fields.count > 0) result.fields = embed.fields.shown();
  if (embed.footer) result.footer = { text: embed.footer };
  if (embed.draft.timestamp) result.timestamp = embed.draft.timestamp;
  return result;
}

function hideLastItem(embed: WorkingEmbed): void {
  const last = embed.items.pop();
  embed.itemsLength -= last?.length ?? 0;
  embed.hidden += 1;
}

function showItem(embed: WorkingEmbed, line: string): void {
  embed.items.push(line);
  embed.itemsLength += line.length;
}

/**
 * Shows the longest run of items from the start that fits the description, counting the rest in
 * "…and N more". Items are made one at a time and the first that does not fit ends the run: the
 * length only grows with each item shown, but for the last one, which also takes the "…and 1
 * more" line away; a short look-ahead checks whether the whole list fits after all.
 */
function takeItems(embed: WorkingEmbed, source: LazyItems): void {
  const limit = DISCORD_LIMITS.description;
  const before = embed.hidden;
  const lineAt = (index: number): string => truncate(shownText(source.line(index)), MAX_ITEM_LENGTH);
  let refused: string | undefined;
  while (embed.items.length < source.count) {
    const line = lineAt(embed.items.length);
    const shown = embed.items.length + 1;
    if (descriptionLength(embed.intro, shown, embed.itemsLength + line.length, before + source.count - shown) > limit) {
      refused = line;
      break;
    }
    showItem(embed, line);
  }
  embed.hidden = before + source.count - embed.items.length;
  if (refused === undefined || before > 0) return;
  // The whole list, counting the items not made yet as empty: once that is too long, so is the list.
  const rest = [refused];
  let length = embed.itemsLength + refused.length;
  const wholeLength = (): number => descriptionLength(embed.intro, source.count, length, 0);
  while (embed.items.length + rest.length < source.count && wholeLength() <= limit) {
    const line = lineAt(embed.items.length + rest.length);
    rest.push(line);
    length += line.length;
  }
  if (embed.items.length + rest.length < source.count || wholeLength() > limit) return;
  for (const line of rest) showItem(embed, line);
  embed.hidden = 0;
}

function start(draft: EmbedDraft): WorkingEmbed {
  const source = lazyItems(draft.items);
  const introLimit = source.count > 0 ? MAX_INTRO_WITH_ITEMS : DISCORD_LIMITS.description;
  const embed: WorkingEmbed = {
    draft,
    intro: truncate(shownText(draft.intro ?? ''), introLimit),
    items: [],
    itemsLength: 0,
    hidden: draft.hiddenItems ?? 0,
    fields: new FittingFields(
      (draft.fields ?? [])
        .map((field) => ({ ...field, name: shownText(field.name), value: shownText(field.value) }))
        // Discord refuses a blank field; one that held nothing but control characters is left out.
        .filter((field) => field.name.trim() !== '' && field.value.trim() !== ''),
    ),
    title: truncate(shownText(draft.title), DISCORD_LIMITS.title),
    footer: draft.footer === undefined ? undefined : truncate(shownText(draft.footer), DISCORD_LIMITS.footer),
  };
  takeItems(embed, source);
  // The "…and N more" line must fit too, even after an intro that was already at its limit.
  const excess = describedLength(embed) - DISCORD_LIMITS.description;
  if (excess > 0) embed.intro = truncate(embed.intro, embed.intro.length - excess);
  return embed;
}

/** Intros are cut to this before any field is dropped: labels matter more than a long description's tail. */
const MIN_INTRO = 1024;

function cutLongestIntro(embeds: WorkingEmbed[], excess: number, floor: number): boolean {
  const longest = embeds.reduce((a, b) => (b.intro.length > a.intro.length ? b : a));
  if (longest.intro.length <= floor) return false;
  longest.intro = truncate(longest.intro, Math.max(floor, longest.intro.length - excess));
  return true;
}

/**
 * Shrinks the message until all embeds together fit Discord's 6000: items come off the end of
 * the longest list first (each counted, never dropped silently), then long intros are cut, then
 * fields go, then intros are cut further.
 */
function fitTotal(embeds: WorkingEmbed[]): void {
  const total = (): number => embeds.reduce((sum, embed) => sum + workingLength(embed), 0);
  for (let excess = total() - DISCORD_LIMITS.embedsTotal; excess > 0; excess = total() - DISCORD_LIMITS.embedsTotal) {
    const withItems = embeds.filter((embed) => embed.items.length > 0);
    if (withItems.length > 0) {
      const longest = withItems.reduce((a, b) => (describedLength(b) > describedLength(a) ? b : a));
      hideLastItem(longest);
      continue;
    }
    if (cutLongestIntro(embeds, excess, MIN_INTRO)) continue;
    const withFields = embeds.filter((embed) => embed.fields.count > 0);
    if (withFields.length > 0) {
      for (const embed of withFields) embed.fields.drop();
      continue;
    }
    if (cutLongestIntro(embeds, excess, 0)) continue;
    // Only titles and footers are left, at most 10 × (256 + 2048): cut them evenly.
    for (const embed of embeds) {
      embed.title = truncate(embed.title, 100);
      embed.footer = embed.footer === undefined ? undefined : truncate(embed.footer, 100);
    }
  }
}

/** Turns a draft into a message that Discord accepts, accounting for every item left out. */
export function fitMessage(draft: MessageDraft): FittedMessage {
  const kept = draft.embeds.slice(0, DISCORD_LIMITS.embedsPerMessage).map(start);
  const overflow = draft.embeds.slice(DISCORD_LIMITS.embedsPerMessage);
  const last = kept[kept.length - 1];
  if (last) {
    last.hidden += overflow.reduce((sum, embed) => sum + itemCount(embed.items) + (embed.hiddenItems ?? 0) + (embed.wholeItems ?? 0), 0);
  }
  fitTotal(kept);
  const message: DiscordMessage = { embeds: kept.map(toEmbed) };
  const content = shownText(draft.content ?? '');
  const username = shownText(draft.username ?? '');
  if (content) message.content = truncate(content, DISCORD_LIMITS.content);
  if (username) message.username = truncate(username, DISCORD_LIMITS.username);
  if (draft.avatar_url && fitsUrl(draft.avatar_url)) message.avatar_url = draft.avatar_url;
  if (draft.allowed_mentions) message.allowed_mentions = draft.allowed_mentions;
  const accounting = kept.map((embed) => ({ shown: embed.items.length + (embed.draft.wholeItems ?? 0), hidden: embed.hidden }));
  return { message, accounting };
}
