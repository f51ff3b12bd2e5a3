import { z } from 'zod';

/**
 * Alertmanager's webhook payload, version 4. Objects are loose on purpose: newer Alertmanagers
 * add fields (notification_reason in 0.32, routeLabels in 0.34) and amcord must keep working.
 */
const labelSet = z.record(z.string(), z.string());

/** Go's zero time, which Alertmanager sends as endsAt of an alert that still fires. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

const timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be an RFC 3339 timestamp');

export const webhookAlertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  endsAt: timestamp.default(GO_ZERO_TIME),
  generatorURL: z.string().default(''),
  fingerprint: z.string().default(''),
});

export const webhookPayloadSchema = z.looseObject({
  version: z.literal('4'),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet,
  externalURL: z.string(),
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
