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
  /**
   * The item's line; a higher `brevity` (0 to `maxBrevity`) asks for a shorter form of it, which
   * the fitter uses for every line of the message before it leaves any item out.
   */
  line(index: number, brevity?: number): string;
  readonly maxBrevity?: number;
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
  /**
   * Items that do not fit this embed's description continue in embeds of their own right after
   * it (its fields and footer move to the last of them), as far as the message's 10 embeds and
   * 6000 characters allow.
   */
  continues?: boolean;
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
/** Intros are cut to this before any item or field is left out: those matter more than a long description's tail. */
const MIN_INTRO = 1024;

/** One description's worth of an embed's items: the first piece follows the intro, the others are embeds of their own. */
interface Piece {
  count: number;
  /** The lengths of its items added up, so its description's length is known without joining it. */
  length: number;
}

interface WorkingEmbed {
  draft: EmbedDraft;
  intro: string;
  /** The items shown, each already cut to MAX_ITEM_LENGTH, in the order of the pieces. */
  items: string[];
  /** Never empty; a piece after the first always holds an item. */
  pieces: Piece[];
  /** How many pieces the embed may take: 1 unless its items continue in further embeds. */
  maxPieces: number;
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

/** The length of a description of an intro, `shown` items adding up to `itemsLength` and a "…and `hidden` more" line. */
function descriptionLength(intro: string, shown: number, itemsLength: number, hidden: number): number {
  const lines = shown + (hidden > 0 ? 1 : 0);
  const list = lines === 0 ? 0 : itemsLength + (hidden > 0 ? moreLine(hidden).length : 0) + lines - 1;
  if (!intro) return list;
  return list > 0 ? intro.length + 2 + list : intro.length;
}

/** Piece `at`'s description length: the intro only in the first, the "…and N more" line only in the last. */
function pieceLength(embed: WorkingEmbed, at: number): number {
  const piece = embed.pieces[at] as Piece;
  const last = at === embed.pieces.length - 1;
  return descriptionLength(at === 0 ? embed.intro : '', piece.count, piece.length, last ? embed.hidden : 0);
}

const lastPiece = (embed: WorkingEmbed): Piece => embed.pieces[embed.pieces.length - 1] as Piece;

const lastPieceFits = (embed: WorkingEmbed): boolean => pieceLength(embed, embed.pieces.length - 1) <= DISCORD_LIMITS.description;

function describedLength(embed: WorkingEmbed): number {
  let total = 0;
  for (let at = 0; at < embed.pieces.length; at += 1) total += pieceLength(embed, at);
  return total;
}

/** Each piece's description, in order. */
function describe(embed: WorkingEmbed): string[] {
  let next = 0;
  return embed.pieces.map((piece, at) => {
    const lines = embed.items.slice(next, next + piece.count);
    next += piece.count;
    if (at === embed.pieces.length - 1 && embed.hidden > 0) lines.push(moreLine(embed.hidden));
    const list = lines.join('\n');
    if (at > 0 || !embed.intro) return list;
    return list ? `${embed.intro}\n\n${list}` : embed.intro;
  });
}

/** What Discord counts of this embed toward the 6000 of a message, as `embedLength` of `toEmbeds` would. */
function workingLength(embed: WorkingEmbed): number {
  return textLength(embed.title) + describedLength(embed) + textLength(embed.footer) + embed.fields.length();
}

/** The embed, and the embeds its items continue in; the fields, footer and time go with the last. */
function toEmbeds(embed: WorkingEmbed): DiscordEmbed[] {
  const descriptions = describe(embed);
  return descriptions.map((description, at) => {
    const result: DiscordEmbed = at === 0 ? { title: embed.title, color: embed.draft.color } : { color: embed.draft.color };
    if (description) result.description = description;
    if (at === 0 && embed.draft.url && fitsUrl(embed.draft.url)) result.url = embed.draft.url;
    if (at < descriptions.length - 1) return result;
    if (embed.fields.count > 0) result.fields = embed.fields.shown();
    if (embed.footer) result.footer = { text: embed.footer };
    if (embed.draft.timestamp) result.timestamp = embed.draft.timestamp;
    return result;
  });
}

function showItem(embed: WorkingEmbed, line: string): void {
  const piece = lastPiece(embed);
  embed.items.push(line);
  piece.count += 1;
  piece.length += line.length;
}

function unshowItem(embed: WorkingEmbed): void {
  const piece = lastPiece(embed);
  const line = embed.items.pop();
  piece.count -= 1;
  piece.length -= line?.length ?? 0;
  if (piece.count === 0 && embed.pieces.length > 1) embed.pieces.pop();
}

/** Counts the last item shown in "…and N more" instead; and the next, should the longer count not fit. */
function hideLastItem(embed: WorkingEmbed): void {
  do {
    unshowItem(embed);
    embed.hidden += 1;
  } while (embed.items.length > 0 && !lastPieceFits(embed));
}

/**
 * Shows the longest run of items from the start that fits, counting the rest in "…and N more".
 * Items are made one at a time and the first that does not fit ends the run: the length only
 * grows with each item shown, but for the last one, which also takes the "…and 1 more" line
 * away; a short look-ahead checks whether the whole list fits after all. An item that does not
 * fit the description starts a further piece when the embed may take one, as long as the embed
 * alone stays within the 6000 of a message (`room`).
 */
function takeItems(embed: WorkingEmbed, source: LazyItems, lineAt: (index: number) => string): void {
  const limit = DISCORD_LIMITS.description;
  const before = embed.hidden;
  // The intro counts as fitTotal would cut it before it leaves items out.
  const fixed = textLength(embed.title) + textLength(embed.footer) + embed.fields.length() - Math.max(0, embed.intro.length - MIN_INTRO);
  const withinRoom = (): boolean => embed.pieces.length === 1 || fixed + describedLength(embed) <= DISCORD_LIMITS.embedsTotal;
  let refused: string | undefined;
  while (embed.items.length < source.count) {
    const line = lineAt(embed.items.length);
    showItem(embed, line);
    embed.hidden = before + source.count - embed.items.length;
    if (lastPieceFits(embed) && withinRoom()) continue;
    unshowItem(embed);
    if (embed.pieces.length < embed.maxPieces) {
      embed.pieces.push({ count: 0, length: 0 });
      showItem(embed, line);
      if (withinRoom()) continue;
      unshowItem(embed);
    }
    refused = line;
    break;
  }
  embed.hidden = before + source.count - embed.items.length;
  if (refused === undefined || before > 0) return;
  // The whole list in the last piece, counting the items not made yet as empty: once that is too long, so is the list.
  const piece = lastPiece(embed);
  const intro = embed.pieces.length === 1 ? embed.intro : '';
  const rest = [refused];
  let length = piece.length + refused.length;
  const wholeLength = (): number => descriptionLength(intro, piece.count + source.count - embed.items.length, length, 0);
  while (embed.items.length + rest.length < source.count && wholeLength() <= limit) {
    const line = lineAt(embed.items.length + rest.length);
    rest.push(line);
    length += line.length;
  }
  if (embed.items.length + rest.length < source.count || wholeLength() > limit) return;
  for (const line of rest) showItem(embed, line);
  embed.hidden = 0;
  if (withinRoom()) return;
  for (const _ of rest) unshowItem(embed);
  embed.hidden = rest.length;
}

/** What is left of the message's 10 embeds for items to continue in, handed out in order. */
interface SpareEmbeds {
  count: number;
}

function start(draft: EmbedDraft, brevity: number, spare: SpareEmbeds, overflow: number): WorkingEmbed {
  const source = lazyItems(draft.items);
  const introLimit = source.count > 0 ? MAX_INTRO_WITH_ITEMS : DISCORD_LIMITS.description;
  const embed: WorkingEmbed = {
    draft,
    intro: truncate(shownText(draft.intro ?? ''), introLimit),
    items: [],
    pieces: [{ count: 0, length: 0 }],
    maxPieces: draft.continues ? 1 + spare.count : 1,
    hidden: (draft.hiddenItems ?? 0) + overflow,
    fields: new FittingFields(
      (draft.fields ?? [])
        .map((field) => ({ ...field, name: shownText(field.name), value: shownText(field.value) }))
        // Discord refuses a blank field; one that held nothing but control characters is left out.
        .filter((field) => field.name.trim() !== '' && field.value.trim() !== ''),
    ),
    title: truncate(shownText(draft.title), DISCORD_LIMITS.title),
    footer: draft.footer === undefined ? undefined : truncate(shownText(draft.footer), DISCORD_LIMITS.footer),
  };
  const shortest = Math.min(brevity, source.maxBrevity ?? 0);
  takeItems(embed, source, (index) => truncate(shownText(source.line(index, shortest)), MAX_ITEM_LENGTH));
  spare.count -= embed.pieces.length - 1;
  // The "…and N more" line must fit too, even after an intro that was already at its limit.
  const excess = pieceLength(embed, 0) - DISCORD_LIMITS.description;
  if (excess > 0) embed.intro = truncate(embed.intro, embed.intro.length - excess);
  return embed;
}


function cutLongestIntro(embeds: WorkingEmbed[], excess: number, floor: number): boolean {
  const longest = embeds.reduce((a, b) => (b.intro.length > a.intro.length ? b : a));
  if (longest.intro.length <= floor) return false;
  longest.intro = truncate(longest.intro, Math.max(floor, longest.intro.length - excess));
  return true;
}

/**
 * Shrinks the message until all embeds together fit Discord's 6000: long intros are cut to
 * MIN_INTRO first (an alert's line says more than a long description's tail), then items come
 * off the end of the longest list (each counted, never dropped silently), then fields go, then
 * intros are cut further.
 */
function fitTotal(embeds: WorkingEmbed[]): void {
  const total = (): number => embeds.reduce((sum, embed) => sum + workingLength(embed), 0);
  for (let excess = total() - DISCORD_LIMITS.embedsTotal; excess > 0; excess = total() - DISCORD_LIMITS.embedsTotal) {
    if (cutLongestIntro(embeds, excess, MIN_INTRO)) continue;
    const withItems = embeds.filter((embed) => embed.items.length > 0);
    if (withItems.length > 0) {
      const longest = withItems.reduce((a, b) => (describedLength(b) > describedLength(a) ? b : a));
      hideLastItem(longest);
      continue;
    }
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

const showsEveryItem = (embed: WorkingEmbed): boolean => embed.items.length === itemCount(embed.draft.items);

const itemsShown = (embeds: readonly WorkingEmbed[]): number => embeds.reduce((sum, embed) => sum + embed.items.length, 0);

/**
 * The embeds laid out with every line in its `brevity` form, and made to fit. The items of the
 * drafts beyond the tenth are counted in the last embed kept.
 */
function layOut(kept: readonly EmbedDraft[], overflow: number, brevity: number): WorkingEmbed[] {
  const spare: SpareEmbeds = { count: DISCORD_LIMITS.embedsPerMessage - kept.length };
  const embeds = kept.map((draft, index) => start(draft, brevity, spare, index === kept.length - 1 ? overflow : 0));
  fitTotal(embeds);
  return embeds;
}

/**
 * Turns a draft into a message that Discord accepts, accounting for every item left out. Lines
 * are shortened, one step at a time for the whole message, before any item is left out.
 */
export function fitMessage(draft: MessageDraft): FittedMessage {
  const kept = draft.embeds.slice(0, DISCORD_LIMITS.embedsPerMessage);
  const overflow = draft.embeds
    .slice(DISCORD_LIMITS.embedsPerMessage)
    .reduce((sum, embed) => sum + itemCount(embed.items) + (embed.hiddenItems ?? 0) + (embed.wholeItems ?? 0), 0);
  const maxBrevity = Math.max(0, ...kept.map((embed) => (isLazy(embed.items) ? (embed.items.maxBrevity ?? 0) : 0)));
  // Each item shown takes at least its line break: past 6000 items no brevity shows them all, so the shortest is tried alone.
  const lineBreaks = kept.reduce((sum, embed) => sum + Math.max(0, itemCount(embed.items) - 1), 0);
  let embeds = layOut(kept, overflow, lineBreaks > DISCORD_LIMITS.embedsTotal ? maxBrevity : 0);
  if (!embeds.every(showsEveryItem) && lineBreaks <= DISCORD_LIMITS.embedsTotal && maxBrevity > 0) {
    // The shortest lines first: when even they leave items out, no brevity between is worth making.
    const shortest = layOut(kept, overflow, maxBrevity);
    // Shorter forms that show no more items (a template may make them no shorter) are not worth their loss.
    if (itemsShown(shortest) > itemsShown(embeds)) embeds = shortest;
    if (shortest.every(showsEveryItem)) {
      for (let brevity = 1; brevity < maxBrevity; brevity += 1) {
        const briefer = layOut(kept, overflow, brevity);
        if (!briefer.every(showsEveryItem)) continue;
        embeds = briefer;
        break;
      }
    }
  }
  const message: DiscordMessage = { embeds: embeds.flatMap(toEmbeds) };
  const content = shownText(draft.content ?? '');
  const username = shownText(draft.username ?? '');
  if (content) message.content = truncate(content, DISCORD_LIMITS.content);
  if (username) message.username = truncate(username, DISCORD_LIMITS.username);
  if (draft.avatar_url && fitsUrl(draft.avatar_url)) message.avatar_url = draft.avatar_url;
  if (draft.allowed_mentions) message.allowed_mentions = draft.allowed_mentions;
  const accounting = embeds.map((embed) => ({ shown: embed.items.length + (embed.draft.wholeItems ?? 0), hidden: embed.hidden }));
  return { message, accounting };
}
