import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { graphsEnabled } from './schema.js';

const enabledWith = (env: Record<string, string>): boolean => graphsEnabled(loadConfig({ env }).config);

describe('graphs.enabled', () => {
  it('is on by default only when a Prometheus is configured', () => {
    expect(enabledWith({})).toBe(false);
    expect(enabledWith({ AMCORD_PROMETHEUS_URL: 'http://prometheus:9090' })).toBe(true);
  });

  it('says so itself when set, either way', () => {
    expect(enabledWith({ AMCORD_PROMETHEUS_URL: 'http://prometheus:9090', AMCORD_GRAPHS_ENABLED: 'false' })).toBe(false);
    expect(enabledWith({ AMCORD_GRAPHS_ENABLED: 'true' })).toBe(true);
  });

  it('keeps the default Prometheus address for everything else', () => {
    expect(loadConfig({ env: {} }).config.prometheus.url).toBe('http://127.0.0.1:9090');
    expect(loadConfig({ env: {} }).config.graphs).toMatchObject({ range: 3_600_000, query_timeout: 3_000, max_series: 5 });
  });
});
