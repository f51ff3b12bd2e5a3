import type { WebhookAlert } from '../alertmanager/webhook.js';
import { isUnset, toMillis } from '../alertmanager/webhook.js';
import { fingerprintOf } from './fingerprint.js';

/** An alert as the engine keeps it. Times are epoch milliseconds. */
export interface EngineAlert {
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** When the alert ends or ended. For a firing alert this is a timeout, renewed while it is reported. */
  endsAt: number;
  /** True when endsAt is only the timeout, not a resolution someone reported. */
  endsAtIsTimeout: boolean;
  generatorURL: string;
  updatedAt: number;
}

/** What arrives: from an Alertmanager webhook, or (in the differential test) as posted to Alertmanager. */
export interface IncomingAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** undefined while the alert fires with no known end. */
  endsAt: number | undefined;
  generatorURL: string;
}

export function isResolvedAt(alert: EngineAlert, at: number): boolean {
  return alert.endsAt <= at;
}

export function fromWebhookAlert(alert: WebhookAlert): IncomingAlert {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: toMillis(alert.startsAt),
    endsAt: alert.status === 'resolved' && !isUnset(alert.endsAt) ? toMillis(alert.endsAt) : undefined,
    generatorURL: alert.generatorURL,
  };
}

/**
 * Turns an incoming alert into the engine's form, as Alertmanager does for alerts it receives:
 * without an end time it ends `resolveTimeoutMs` from now unless reported again.
 */
export function acceptAlert(incoming: IncomingAlert, now: number, resolveTimeoutMs: number): EngineAlert {
  const timeout = incoming.endsAt === undefined;
  // Alertmanager drops empty labels before anything else, so they change neither identity nor group.
  // Most alerts have none: then a plain copy, without the entry arrays a filter makes.
  const labels = Object.values(incoming.labels).includes('')
    ? Object.fromEntries(Object.entries(incoming.labels).filter(([, value]) => value !== ''))
    : { ...incoming.labels };
  return {
    fingerprint: fingerprintOf(labels),
    labels,
    annotations: incoming.annotations,
    startsAt: incoming.startsAt,
    endsAt: incoming.endsAt ?? now + resolveTimeoutMs,
    endsAtIsTimeout: timeout,
    generatorURL: incoming.generatorURL,
    updatedAt: now,
  };
}

/**
 * Combines what was known of an alert with a newer report of it, by Alertmanager's rules. Only a
 * report whose active span overlaps the known one is merged; any other replaces it (an alert that
 * resolved and fired again is a new occurrence with its own start). Merging: the earliest start
 * wins; a reported end wins over a timeout; between two ends, the later one.
 */
export function mergeAlert(known: EngineAlert, newer: EngineAlert): EngineAlert {
  const overlaps =
    (newer.endsAt > known.startsAt && newer.endsAt < known.endsAt) ||
    (newer.startsAt > known.startsAt && newer.startsAt < known.endsAt);
  if (!overlaps) return newer;
  const merged: EngineAlert = { ...newer, startsAt: Math.min(known.startsAt, newer.startsAt) };
  const newerResolved = newer.endsAt <= newer.updatedAt;
  const knownResolved = known.endsAt <= newer.updatedAt;
  if (newerResolved) {
    if (knownResolved && known.endsAt > newer.endsAt) merged.endsAt = known.endsAt;
  } else if (known.endsAt > newer.endsAt && !known.endsAtIsTimeout) {
    // The timeout flag stays the newer report's: the next report without an end may shorten it.
    merged.endsAt = known.endsAt;
  }
  return merged;
}
