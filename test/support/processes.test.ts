import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  postAlerts,
  type RecordedRequest,
  requireBinary,
  type RunningProcess,
  startAlertmanager,
  startNodeExporter,
  startPrometheus,
  startWebhookRecorder,
  waitUntil,
  type WebhookRecorder,
} from './processes.js';

/** Reads a JSON body with a bound, so a hung server fails the test instead of the timeout. */
async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  expect(response.status).toBe(200);
  return response.json();
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('freePort and requireBinary', () => {
  it('gives distinct usable ports', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });

  it('finds the installed binaries', () => {
    for (const name of ['prometheus', 'promtool', 'prometheus-alertmanager', 'amtool', 'prometheus-node-exporter']) {
      expect(requireBinary(name)).toMatch(new RegExp(`/${name}$`));
    }
  });

  it('names the Debian packages when a binary is missing', () => {
    expect(() => requireBinary('amcord-no-such-binary')).toThrow(
      'apt-get install prometheus prometheus-alertmanager prometheus-node-exporter',
    );
  });
});

describe('startAlertmanager', () => {
  it('serves the API on loopback and cleans up on stop()', async () => {
    const alertmanager = await startAlertmanager({
      config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
    });
    try {
      expect(alertmanager.url).toBe(`http://127.0.0.1:${alertmanager.port}`);
      const status = (await getJson(`${alertmanager.url}/api/v2/status`)) as {
        versionInfo: { version: string };
        cluster: { status: string };
      };
      expect(status.versionInfo.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(status.cluster.status).toBe('disabled');
      expect(existsSync(alertmanager.dataDir)).toBe(true);
    } finally {
      await alertmanager.stop();
    }
    expect(isProcessAlive(alertmanager.pid)).toBe(false);
    expect(existsSync(alertmanager.dataDir)).toBe(false);
    await alertmanager.stop();
  });

  it('reports a bad config with the process output', async () => {
    await expect(startAlertmanager({ config: 'route: [not, a, route]\n' })).rejects.toThrow(
      /prometheus-alertmanager did not become ready: the process exited with code 1[\s\S]*output tail[\s\S]*Loading configuration file failed/,
    );
  });
});

describe('Prometheus scraping node_exporter', () => {
  let nodeExporter: RunningProcess;
  let prometheus: RunningProcess;

  beforeAll(async () => {
    nodeExporter = await startNodeExporter();
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [{ job_name: 'node', static_configs: [{ targets: [`127.0.0.1:${nodeExporter.port}`] }] }],
      },
      rules: {
        'test.rules.yml': 'groups:\n  - name: test\n    rules:\n      - record: node_up\n        expr: up{job="node"}\n',
      },
    });
  });

  afterAll(async () => {
    await prometheus?.stop();
    await nodeExporter?.stop();
  });

  it('node_exporter serves metrics', async () => {
    const response = await fetch(`${nodeExporter.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(await response.text()).toContain('node_memory_MemTotal_bytes');
  });

  it('scrapes node_exporter until up is 1 and loads the rule files', async () => {
    // Prometheus applies new targets on a 5 s tick, so the first scrape comes after ~5-6 s.
    await waitUntil(
      async () => {
        const body = (await getJson(`${prometheus.url}/api/v1/query?query=node_up`)) as {
          data: { result: { value: [number, string] }[] };
        };
        return body.data.result[0]?.value[1] === '1';
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'the node target to be scraped and node_up to be 1' },
    );
  });
});

describe('Alertmanager delivering to the webhook recorder', () => {
  let recorder: WebhookRecorder;
  let alertmanager: RunningProcess;

  beforeAll(async () => {
    recorder = await startWebhookRecorder();
    alertmanager = await startAlertmanager({
      config: {
        route: { receiver: 'recorder', group_by: ['alertname'], group_wait: '1s', group_interval: '1m' },
        receivers: [{ name: 'recorder', webhook_configs: [{ url: `${recorder.url}/hook`, send_resolved: true }] }],
      },
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await recorder?.close();
  });

  it('delivers posted alerts as one grouped notification', async () => {
    const postedAt = Date.now();
    await postAlerts(alertmanager.url, [
      { labels: { alertname: 'E2E', instance: 'a' }, annotations: { summary: 'first' } },
      { labels: { alertname: 'E2E', instance: 'b' }, annotations: { summary: 'second' } },
    ]);

    const isE2eNotification = (request: RecordedRequest): boolean =>
      (request.body as { groupLabels?: Record<string, string> }).groupLabels?.['alertname'] === 'E2E';
    const requests = await recorder.waitFor((all) => all.some(isE2eNotification), 20_000);
    const notification = requests.find(isE2eNotification);

    expect(notification?.method).toBe('POST');
    expect(notification?.path).toBe('/hook');
    expect(notification?.receivedAt.getTime()).toBeGreaterThanOrEqual(postedAt);
    expect(notification?.body).toMatchObject({ version: '4', status: 'firing', receiver: 'recorder' });
    const alerts = (notification?.body as { alerts: { labels: { instance: string } }[] }).alerts;
    expect(alerts.sort((x, y) => x.labels.instance.localeCompare(y.labels.instance))).toMatchObject([
      { status: 'firing', labels: { alertname: 'E2E', instance: 'a' }, annotations: { summary: 'first' } },
      { status: 'firing', labels: { alertname: 'E2E', instance: 'b' }, annotations: { summary: 'second' } },
    ]);
  });

  it('waitFor rejects with what arrived when the condition never holds', async () => {
    await expect(recorder.waitFor(() => false, 50)).rejects.toThrow(/condition not met within 50 ms; \d+ request/);
  });
});
