import type { Liquid } from 'liquidjs';
import { isTimestampStyle, maskedLink, timestamp } from '../../discord/markup.js';
import { formatDuration } from '../../util/duration.js';

/**
 * amcord's own Liquid filters. Each one accepts anything and never throws: a template is
 * checked at load, and what an alert carries at runtime must not break a notification.
 */

/** Epoch milliseconds from a number (ms), a numeric string, an RFC 3339 text or a Date. */
export function toEpochMs(value: unknown): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value);
  // Go's zero time means "not set".
  if (value.startsWith('0001-01-01')) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function asText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null) return '';
      return Array.isArray(value) ? value.map(asText).join(', ') : JSON.stringify(value);
    default:
      return '';
  }
}

/** `<t:1795614825:R>`: Discord shows it in each reader's own time zone ("3 minutes ago"). */
function discordTime(value: unknown, style: unknown = 'R'): string {
  const ms = toEpochMs(value);
  if (ms === undefined) return '';
  return timestamp(ms, isTimestampStyle(style) ? style : 'R');
}

/** Milliseconds as a person reads them: "1h 5m". */
function duration(value: unknown): string {
  const ms = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(ms) && ms >= 0 ? formatDuration(ms) : '';
}

const INLINE_MARKDOWN = /[\\*_~`|[\]<]/g;
const LINE_START_MARKDOWN = /^(\s*)([>#-])/gm;

/** Shows text as written in Discord markdown: `node_exporter` stays `node_exporter`, `*` stays `*`. */
export function escapeMarkdown(value: unknown): string {
  return asText(value).replace(INLINE_MARKDOWN, '\\$&').replace(LINE_START_MARKDOWN, '$1\\$2');
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** At most `max` units (as Discord's limits count them), ending in "…", never splitting a character or emoji. */
export function truncateSafe(value: unknown, max: unknown = 256): string {
  const text = asText(value);
  const limit = typeof max === 'number' && Number.isFinite(max) ? Math.max(0, Math.floor(max)) : 256;
  if (text.length <= limit) return text;
  if (limit === 0) return '';
  let kept = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (kept + segment.length > limit - 1) break;
    kept += segment.length;
  }
  return `${text.slice(0, kept)}…`;
}

/** `[label](url)` for an http(s) URL Discord accepts, nothing for anything else. */
function link(url: unknown, label: unknown = 'link'): string {
  return maskedLink(asText(label) || 'link', asText(url)) ?? '';
}

/** The text's non-blank lines, trimmed and joined by `separator`. */
function joinLines(value: unknown, separator: unknown = ' · '): string {
  return asText(value)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(asText(separator));
}

/** All whitespace, line breaks included, as single spaces. */
function oneLine(value: unknown): string {
  return asText(value).replace(/\s+/g, ' ').trim();
}

/** "1 alert", "3 alerts"; the plural form can be given: `plural: 'index', 'indices'`. */
function plural(value: unknown, singular: unknown = '', pluralForm?: unknown): string {
  const count = Number(value);
  const one = asText(singular);
  const many = pluralForm === undefined ? `${one}s` : asText(pluralForm);
  return `${asText(value)} ${count === 1 ? one : many}`;
}

/** "instance=a:9100, job=node" from a label list or a label map. */
function labelPairs(value: unknown, separator: unknown = ', '): string {
  let entries: Array<[string, unknown]> = [];
  if (Array.isArray(value)) {
    entries = value.map((pair: unknown) => {
      const { name, value: text } = (pair ?? {}) as { name?: unknown; value?: unknown };
      return [asText(name), text];
    });
  } else if (value && typeof value === 'object') {
    entries = Object.entries(value);
  }
  return entries.map(([name, text]) => `${name}=${asText(text)}`).join(asText(separator));
}

export const FILTERS: Record<string, (value: unknown, ...args: unknown[]) => string> = {
  discord_time: discordTime,
  duration,
  escape_md: escapeMarkdown,
  truncate_safe: truncateSafe,
  link,
  join_lines: joinLines,
  one_line: oneLine,
  plural,
  label_pairs: labelPairs,
};

export function registerFilters(liquid: Liquid): void {
  for (const [name, filter] of Object.entries(FILTERS)) liquid.registerFilter(name, filter);
}
