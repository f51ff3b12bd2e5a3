import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type RunningProcess,
  startNodeExporter,
  startPrometheus,
  waitUntil,
} from '../../test/support/processes.js';
import { type InstantQueryResult, PrometheusClient, PrometheusError } from './client.js';

async function rejection(promise: Promise<unknown>): Promise<PrometheusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PrometheusError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

function vectorOf(result: InstantQueryResult) {
  if (result.resultType !== 'vector') throw new Error(`expected a vector, got ${result.resultType}`);
  return result.result;
}

function scalarOf(result: InstantQueryResult): number {
  if (result.resultType !== 'scalar') throw new Error(`expected a scalar, got ${result.resultType}`);
  return result.result.value;
}

describe('PrometheusClient against a real Prometheus scraping node_exporter', () => {
  let nodeExporter: RunningProcess;
  let prometheus: RunningProcess;
  let client: PrometheusClient;
  let nodeInstance: string;

  beforeAll(async () => {
    nodeExporter = await startNodeExporter();
    nodeInstance = `127.0.0.1:${nodeExporter.port}`;
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [{ job_name: 'node', static_configs: [{ targets: [nodeInstance] }] }],
      },
    });
    client = new PrometheusClient({ baseUrl: prometheus.url, timeoutMs: 5_000 });
    // Prometheus gives no event for "first scrape done"; it applies new targets on a 5 s tick.
    await waitUntil(async () => vectorOf(await client.query('up{job="node"} == 1')).length === 1, {
      timeoutMs: 40_000,
      intervalMs: 250,
      description: 'Prometheus to scrape node_exporter',
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await nodeExporter?.stop();
  });

  it('reads the build info', async () => {
    const info = await client.buildInfo();
    expect(info.version).toMatch(/^2\.\d+\.\d+/);
    expect(info.goVersion).toMatch(/^go/);
  });

  it('lists the node target as up', async () => {
    const targets = await client.targets();
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({
      job: 'node',
      instance: nodeInstance,
      health: 'up',
      lastError: '',
      scrapePool: 'node',
      scrapeUrl: `http://${nodeInstance}/metrics`,
    });
    expect(targets[0]?.lastScrape).toBeInstanceOf(Date);
    expect(targets[0]?.lastScrapeDurationSeconds).toBeGreaterThan(0);
  });

  it('returns up == 1 for the node job as a typed vector', async () => {
    const before = Date.now();
    const result = await client.query('up{job="node"}');
    expect(result.warnings).toEqual([]);
    const samples = vectorOf(result);
    expect(samples).toHaveLength(1);
    expect(samples[0]?.metric).toEqual({ __name__: 'up', job: 'node', instance: nodeInstance });
    expect(samples[0]?.value).toBe(1);
    expect(samples[0]?.timestampMs).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('reads a node_exporter metric as a positive number', async () => {
    const samples = vectorOf(await client.query('node_memory_MemTotal_bytes'));
    expect(samples[0]?.value).toBeGreaterThan(0);
    expect(Number.isFinite(samples[0]?.value)).toBe(true);
  });

  it('evaluates at a given time', async () => {
    const longBeforeStart = new Date(Date.now() - 24 * 3_600_000);
    expect(vectorOf(await client.query('up', longBeforeStart))).toEqual([]);
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    expect(scalarOf(await client.query('time()', at))).toBe(at.getTime() / 1000);
  });

  it('parses scalars including the special floats', async () => {
    expect(scalarOf(await client.query('1/0'))).toBe(Number.POSITIVE_INFINITY);
    expect(scalarOf(await client.query('-1/0'))).toBe(Number.NEGATIVE_INFINITY);
    expect(scalarOf(await client.query('0/0'))).toBeNaN();
    expect(scalarOf(await client.query('2.5e3'))).toBe(2500);
  });

  it('returns strings and range-selector matrices', async () => {
    const text = await client.query('"hello"');
    expect(text.resultType === 'string' && text.result.value).toBe('hello');

    const matrix = await client.query('up{job="node"}[1m]');
    if (matrix.resultType !== 'matrix') throw new Error(`expected a matrix, got ${matrix.resultType}`);
    expect(matrix.result[0]?.values.length).toBeGreaterThan(0);
    expect(matrix.result[0]?.values.every((point) => point.value === 1)).toBe(true);
  });

  it('runs range queries', async () => {
    const end = new Date();
    const start = new Date(end.getTime() - 10_000);
    const result = await client.queryRange('up{job="node"}', start, end, 1);
    expect(result.resultType).toBe('matrix');
    const [series] = result.result;
    expect(series?.metric).toEqual({ __name__: 'up', job: 'node', instance: nodeInstance });
    expect(series?.values.length).toBeGreaterThan(0);
    for (const point of series?.values ?? []) {
      expect(point.value).toBe(1);
      expect(point.timestampMs).toBeGreaterThanOrEqual(Math.floor(start.getTime() / 1000) * 1000);
      expect(point.timestampMs).toBeLessThanOrEqual(end.getTime());
    }
  });

  it('explains bad PromQL with Prometheus’ own error', async () => {
    const error = await rejection(client.query('up{job="node"'));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(400);
    expect(error.errorType).toBe('bad_data');
    expect(error.prometheusError).toMatch(/parse error/);
    expect(error.query).toBe('up{job="node"');
    expect(error.message).toBe(
      `Prometheus at ${prometheus.url} answered GET /api/v1/query with HTTP 400: ` +
        `bad_data: ${error.prometheusError} (query: up{job="node")`,
    );
  });

  it('explains a range query with too many points', async () => {
    const end = new Date();
    const error = await rejection(client.queryRange('up', new Date(end.getTime() - 86_400_000), end, 1));
    expect(error.errorType).toBe('bad_data');
    expect(error.message).toMatch(/exceeded maximum resolution/);
  });

  it('refuses a non-positive step without asking Prometheus', async () => {
    await expect(client.queryRange('up', new Date(), new Date(), 0)).rejects.toThrow(RangeError);
  });
});

describe('PrometheusClient failures', () => {
  it('reports an unreachable Prometheus', async () => {
    const port = await freePort();
    const client = new PrometheusClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await rejection(client.query('up'));
    expect(error.kind).toBe('unreachable');
    expect(error.message).toMatch(
      new RegExp(`^Prometheus at http://127\\.0\\.0\\.1:${port} is unreachable \\(GET /api/v1/query\\): .*ECONNREFUSED`),
    );
    expect(error.query).toBe('up');
  });

  it('reports a timeout in words', async () => {
    const client = new PrometheusClient({
      baseUrl: 'http://prometheus.invalid:9090/',
      timeoutMs: 100,
      // Never answers, but gives up when the client's deadline aborts the request, as fetch does.
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
        }),
    });
    expect(client.baseUrl).toBe('http://prometheus.invalid:9090');
    const error = await rejection(client.targets());
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(
      'Prometheus at http://prometheus.invalid:9090 did not answer within 0.1 s (GET /api/v1/targets).',
    );
  });

  it('reports an unparseable sample value', async () => {
    const client = new PrometheusClient({
      baseUrl: 'http://prometheus.invalid:9090',
      fetch: () =>
        Promise.resolve(
          Response.json({ status: 'success', data: { resultType: 'scalar', result: [1700000000, 'lots'] } }),
        ),
    });
    const error = await rejection(client.query('x'));
    expect(error.kind).toBe('invalid-response');
    expect(error.detail).toBe('data.result.1: not a sample value: "lots"');
  });

  it('passes unknown fields and warnings through validation', async () => {
    const client = new PrometheusClient({
      baseUrl: 'http://prometheus.invalid:9090',
      fetch: () =>
        Promise.resolve(
          Response.json({
            status: 'success',
            warnings: ['partial response'],
            infos: ['new in 3.x'],
            data: { resultType: 'vector', result: [{ metric: {}, value: [1700000000.5, '3'], extra: true }] },
          }),
        ),
    });
    expect(await client.query('x')).toEqual({
      resultType: 'vector',
      result: [{ metric: {}, timestampMs: 1700000000500, value: 3 }],
      warnings: ['partial response'],
    });
  });
});
