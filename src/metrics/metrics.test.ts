import { describe, expect, it } from 'vitest';
import { PreviewDestination } from '../delivery/preview-destination.js';
import { Metrics } from './metrics.js';

const sample = async (metrics: Metrics, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((entry) => entry.name === name);
  return metric?.values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected))?.value;
};

describe('delivery counters', () => {
  it('count a preview destination as printed, never as sent', async () => {
    const metrics = new Metrics({ outboxDepth: () => Promise.resolve([]), activeGroups: () => 0, isLeader: () => true }, ['default', 'oncall']);
    metrics.countDelivered(new PreviewDestination('default', () => undefined), 'post');
    metrics.countDelivered({ name: 'oncall' }, 'post');
    metrics.countDelivered({ name: 'oncall' }, 'edit');

    expect(await sample(metrics, 'amcord_notifications_printed_total', { destination: 'default', kind: 'post' })).toBe(1);
    expect(await sample(metrics, 'amcord_notifications_sent_total', { destination: 'default', kind: 'post' })).toBe(0);
    expect(await sample(metrics, 'amcord_notifications_sent_total', { destination: 'oncall', kind: 'post' })).toBe(1);
    expect(await sample(metrics, 'amcord_notifications_sent_total', { destination: 'oncall', kind: 'edit' })).toBe(1);
    expect(await sample(metrics, 'amcord_notifications_printed_total', { destination: 'oncall', kind: 'post' })).toBeUndefined();
  });
});

describe('series present from the start', () => {
  const fresh = () => new Metrics({ outboxDepth: () => Promise.resolve([]), activeGroups: () => 0, isLeader: () => true }, ['default']);

  it('export the 429 counter at 0 for every scope before any 429', async () => {
    const metrics = fresh();
    for (const scope of ['user', 'shared', 'global']) {
      expect(await sample(metrics, 'amcord_discord_rate_limited_total', { scope })).toBe(0);
    }
    metrics.rateLimited.inc({ scope: 'shared' });
    expect(await sample(metrics, 'amcord_discord_rate_limited_total', { scope: 'shared' })).toBe(1);
  });

  it('export the alert counter at 0 for firing and resolved before the first webhook', async () => {
    const metrics = fresh();
    for (const status of ['firing', 'resolved']) expect(await sample(metrics, 'amcord_alerts_received_total', { status })).toBe(0);
  });

  it("export the Discord latency histogram of a delivery's requests (POST and PATCH answered 200) empty before the first", async () => {
    const metrics = fresh();
    for (const method of ['POST', 'PATCH']) {
      const count = (await metrics.registry.getSingleMetricAsString('amcord_discord_request_duration_seconds'))
        .split('\n')
        .find((line) => line.startsWith(`amcord_discord_request_duration_seconds_count{method="${method}",status="200"}`));
      expect(count, method).toMatch(/ 0$/);
    }
  });
});
