import { DISCORD_LIMITS } from './limits.js';

/**
 * The bits of Discord markup amcord writes: timestamps, masked links, code, mentions. Channel
 * messages (templates and their filters) and bot replies both use these, so each is spelled and
 * escaped one way. Free of discord.js, which only the bot loads.
 */

export const TIMESTAMP_STYLES = ['t', 'T', 'd', 'D', 'f', 'F', 'R'] as const;

/** `t` 16:20, `T` 16:20:30, `d` 20/04/2021, `D` 20 April 2021, `f` both, `F` with the weekday, `R` "2 months ago". */
export type TimestampStyle = (typeof TIMESTAMP_STYLES)[number];

export function isTimestampStyle(value: unknown): value is TimestampStyle {
  return typeof value === 'string' && (TIMESTAMP_STYLES as readonly string[]).includes(value);
}

/** `<t:unix:style>`, which Discord shows in each reader's own time zone. `at` is a Date or epoch milliseconds. */
export function timestamp(at: Date | number, style: TimestampStyle): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return `<t:${Math.floor(ms / 1000)}:${style}>`;
}

const TIMESTAMP_MARKUP = /<t:(-?\d+)(?::([tTdDfFR]))?>/g;

/** Rewrites the timestamps in `text`, for places that cannot show them, such as a terminal. */
export function replaceTimestamps(text: string, replace: (ms: number) => string): string {
  return text.replace(TIMESTAMP_MARKUP, (_match, seconds: string) => replace(Number(seconds) * 1000));
}

/**
 * `[text](url)` for an http(s) URL Discord accepts; undefined for anything else, which Discord
 * would not make a link of (or would refuse: longer than its URL limit). Brackets in the text and
 * parentheses in the URL would end the link early, so they are escaped.
 */
export function maskedLink(text: string, url: string): string | undefined {
  const target = url.trim();
  if (!/^https?:\/\/\S+$/i.test(target)) return undefined;
  const href = target.replace(/\(/g, '%28').replace(/\)/g, '%29');
  if (href.length > DISCORD_LIMITS.url) return undefined;
  // `[](url)` shows nothing to click; the bare URL is a link of its own.
  if (text === '') return href;
  return `[${text.replace(/[[\]]/g, '\\$&')}](${href})`;
}

/** A code span. Nothing escapes a backtick inside one, so backticks become the look-alike ˋ. */
export function inlineCode(text: string): string {
  return `\`${text.replace(/`/g, 'ˋ')}\``;
}

const FENCE = '```';

/**
 * A code block of whole lines, as many as fit in `maxLength` together with the fences, so the
 * block always closes. Three backticks in a line would close it early and are defused.
 */
export function codeBlock(lines: readonly string[], maxLength: number): string {
  const kept: string[] = [];
  let length = `${FENCE}\n\n${FENCE}`.length;
  for (const line of lines) {
    const safe = line.replace(/`{3,}/g, (run) => 'ˋ'.repeat(run.length));
    const added = safe.length + (kept.length > 0 ? 1 : 0);
    if (length + added > maxLength) break;
    kept.push(safe);
    length += added;
  }
  return `${FENCE}\n${kept.join('\n')}\n${FENCE}`;
}

/** Shows the user's name; pings only where allowed_mentions lets it. */
export function userMention(id: string): string {
  return `<@${id}>`;
}

export function roleMention(id: string): string {
  return `<@&${id}>`;
}
