import { DISCORD_LIMITS } from '../../discord/limits.js';
import { toEpochMs } from './filters.js';

/** The non-text values of an embed, read from what their templates rendered. */

/** "#e74c3c", "0xe74c3c", "e74c3c" or a decimal number such as "15965202". */
export function parseColor(text: string): number | undefined {
  const value = text.trim();
  const hex = /^(?:#|0x)?([0-9a-f]{6})$/i.exec(value);
  const number = hex?.[1] ? parseInt(hex[1], 16) : /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(number) && number >= 0 && number <= 0xffffff ? number : undefined;
}

/** An http(s) URL Discord accepts as an embed's link: at most DISCORD_LIMITS.url long. */
export function parseUrl(text: string): string | undefined {
  const value = text.trim();
  if (!/^https?:\/\//i.test(value) || value.length > DISCORD_LIMITS.url) return undefined;
  try {
    return new URL(value).href === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

/** An RFC 3339 time or epoch milliseconds, as the ISO text Discord wants. */
export function parseTimestamp(text: string): string | undefined {
  const ms = toEpochMs(text.trim());
  if (ms === undefined) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Embed titles are one line. */
export function singleLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
