import { z } from 'zod';

/**
 * Alertmanager's webhook payload, version 4. Objects are loose on purpose: newer Alertmanagers
 * add fields (notification_reason in 0.32, routeLabels in 0.34) and amcord must keep working.
 */

type WellFormedString = string & { isWellFormed(): boolean; toWellFormed(): string };

/**
 * Text with every lone surrogate (a label cut in the middle of an emoji) and every NUL replaced
 * by U+FFFD, so no later step (URL encoding, JSON for Discord, a PostgreSQL text column, which
 * cannot hold NUL) meets text it cannot take.
 */
export function wellFormed(text: string): string {
  const shaped = text as WellFormedString;
  const unicode = shaped.isWellFormed() ? text : shaped.toWellFormed();
  return unicode.includes('\u0000') ? unicode.replaceAll('\u0000', '\uFFFD') : unicode;
}

// overwrite() rewrites the value in place as a check: no pipe and no second schema per string.
const text = z.string().overwrite(wellFormed);

const labelSet = z.record(text, text);

/** Go's zero time, which Alertmanager sends as endsAt of an alert that still fires. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339's date-time: four-digit year, optional fraction, `Z` or a numeric offset. */
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * A timestamp as RFC 3339 writes it and Go's time.RFC3339Nano reads it. JavaScript's Date.parse
 * takes far more ("1", six-digit years, February 30th), which would reach the engine as times
 * nobody sent.
 */
export function isRfc3339(value: string): boolean {
  const parts = RFC_3339.exec(value);
  if (!parts) return false;
  // Each part is digits the pattern matched: read in place, without arrays made per timestamp.
  const year = Number(parts[1]);
  const month = Number(parts[2]);
  const day = Number(parts[3]);
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  const offsetHours = parts[7] === undefined ? 0 : Number(parts[7]);
  const offsetMinutes = parts[8] === undefined ? 0 : Number(parts[8]);
  return day >= 1 && day <= days && Number(parts[4]) <= 23 && Number(parts[5]) <= 59 && Number(parts[6]) <= 59 && offsetHours <= 23 && offsetMinutes <= 59;
}

const timestamp = z.string().refine(isRfc3339, 'must be an RFC 3339 timestamp such as 2026-11-25T13:53:45Z');

export const webhookAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  endsAt: timestamp.default(GO_ZERO_TIME),
  generatorURL: text.default(''),
  fingerprint: text.default(''),
});

export const webhookPayloadSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: text,
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: text,
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet,
  externalURL: text,
  alerts: z.array(webhookAlertSchema).min(1, 'must contain at least one alert'),
});

export type WebhookAlert = z.output<typeof webhookAlertSchema>;
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;

/** Milliseconds since the epoch; Alertmanager's nanoseconds are cut, JavaScript dates hold milliseconds. */
export function toMillis(timestampText: string): number {
  return Date.parse(timestampText);
}

/** True when Alertmanager sent the zero time, meaning "no end yet". */
export function isUnset(timestampText: string): boolean {
  return timestampText.startsWith('0001-01-01');
}
