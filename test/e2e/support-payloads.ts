/**
 * Alertmanager webhook (v4) payloads built the way Alertmanager 0.25 sends them (see
 * test/fixtures/alertmanager-0.25/webhook-*.json), for tests that post straight to amcord.
 */
import { createHash } from 'node:crypto';

export interface PayloadAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: Date;
  /** Set for a resolved alert; a firing one carries Go's zero time, as Alertmanager sends it. */
  endsAt?: Date;
  generatorURL?: string;
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

function common(sets: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = sets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([name, value]) => rest.every((set) => set[name] === value)));
}

function fingerprint(labels: Record<string, string>): string {
  const text = Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('\xff');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** One webhook notification for the given alerts, grouped by `groupBy` as Alertmanager would have. */
export function webhookPayload(alerts: readonly PayloadAlert[], groupBy: readonly string[] = ['alertname']): Record<string, unknown> {
  const webhookAlerts = alerts.map((alert) => ({
    status: alert.endsAt ? 'resolved' : 'firing',
    labels: alert.labels,
    annotations: alert.annotations ?? {},
    startsAt: alert.startsAt.toISOString(),
    endsAt: alert.endsAt ? alert.endsAt.toISOString() : GO_ZERO_TIME,
    generatorURL: alert.generatorURL ?? '',
    fingerprint: fingerprint(alert.labels),
  }));
  const commonLabels = common(alerts.map((alert) => alert.labels));
  const groupLabels = Object.fromEntries(groupBy.filter((name) => commonLabels[name] !== undefined).map((name) => [name, commonLabels[name] ?? '']));
  const groupKey = `{}:{${Object.entries(groupLabels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ')}}`;
  return {
    receiver: 'amcord',
    status: webhookAlerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
    alerts: webhookAlerts,
    groupLabels,
    commonLabels,
    commonAnnotations: common(alerts.map((alert) => alert.annotations ?? {})),
    externalURL: 'http://alertmanager.test:9093',
    version: '4',
    groupKey,
    truncatedAlerts: 0,
  };
}

/** Posts a payload to amcord's /alerts as Alertmanager does; anything but 200 is an error. */
export async function postToAmcord(amcordUrl: string, payload: unknown, bearerToken?: string): Promise<void> {
  const response = await fetch(`${amcordUrl}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearerToken ? { authorization: `Bearer ${bearerToken}` } : {}) },
    body: JSON.stringify(payload),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`amcord answered HTTP ${response.status} to a webhook: ${text}`);
}
