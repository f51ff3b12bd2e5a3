/**
 * Discord's timestamp markup (`<t:1795614825:R>`) as readable text. The server writes it in UTC;
 * the page's script rewrites it in the reader's own locale and time zone, as Discord does.
 */

export const TIME_STYLES = ['t', 'T', 'd', 'D', 'f', 'F', 'R'] as const;
export type TimeStyle = (typeof TIME_STYLES)[number];

export function isTimeStyle(text: string): text is TimeStyle {
  return (TIME_STYLES as readonly string[]).includes(text);
}

const FORMATS: Record<Exclude<TimeStyle, 'R'>, Intl.DateTimeFormatOptions> = {
  t: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  T: { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' },
  d: { year: 'numeric', month: '2-digit', day: '2-digit' },
  D: { year: 'numeric', month: 'long', day: 'numeric' },
  f: { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  F: { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
};

/** The largest span a JavaScript date can hold, either side of the epoch. */
const MAX_MS = 8.64e15;

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "in 3 hours", "5 minutes ago". */
export function relativeTime(ms: number, now: number): string {
  const seconds = Math.round((ms - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  return relative.format(seconds, 'second');
}

/** The text a `<t:unix:style>` shows; undefined for a time no date can hold. */
export function formatDiscordTime(unixSeconds: number, style: TimeStyle, now: number): string | undefined {
  const ms = unixSeconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_MS) return undefined;
  if (style === 'R') return relativeTime(ms, now);
  return `${new Intl.DateTimeFormat('en-US', { ...FORMATS[style], timeZone: 'UTC' }).format(ms)} UTC`;
}

/** An embed's or a message's own timestamp, as its footer shows it. */
export function formatTimestamp(ms: number): string {
  return formatDiscordTime(ms / 1000, 'f', ms) ?? '';
}
