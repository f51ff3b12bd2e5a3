/**
 * examples/grafana/amcord.json, the Grafana dashboard of amcord's own metrics. Its JSON is held to
 * what a provisioned, shareable dashboard needs (a stable uid, the datasource only as a variable,
 * a schema version Grafana 10 loads as is, the mixins' grid layout), and every query of every
 * panel is run, as Grafana would run it, against a real Prometheus that scrapes a real amcord
 * after webhooks, deliveries (a 429 and a failure among them) and a bot command: each must return
 * data, since a panel that says "No data" on a working amcord is a broken panel.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from './support/fake-discord.js';
import { attachFakeGateway, type FakeGateway } from './support/fake-discord-gateway.js';
import { startTestAmcord, type TestAmcord } from './support/amcord.js';
import { makeAlert, makePayload } from './support/payloads.js';
import { startAlertmanager, startPrometheus, waitUntil, type RunningProcess } from './support/processes.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'grafana', 'amcord.json'), 'utf8')) as Dashboard;

interface DatasourceRef {
  type: string;
  uid: string;
}
interface Target {
  refId: string;
  expr: string;
  datasource?: DatasourceRef;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: DatasourceRef;
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: string;
  datasource?: DatasourceRef;
  includeAll?: boolean;
  allValue?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  [key: string]: unknown;
}

const PROMETHEUS_VARIABLE: DatasourceRef = { type: 'prometheus', uid: '${datasource}' };
/** Grafana's own annotation source ("Annotations & Alerts"), which every dashboard has. */
const GRAFANA_BUILT_IN: DatasourceRef = { type: 'grafana', uid: '-- Grafana --' };
/** Grafana 9.0 (schema 36) made datasource references {type, uid}; 38 is Grafana 10.0's own. */
const SCHEMA_VERSIONS = { min: 36, max: 38 };
/** Panel types built into Grafana 10. */
const CORE_PANEL_TYPES = new Set(['row', 'timeseries', 'stat']);

const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
const targets = queryPanels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));

/** Every `datasource` value anywhere in the JSON, with where it is. */
function datasourceReferences(node: unknown, path = ''): Array<{ path: string; value: unknown }> {
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([key, value]) => [
    ...(key === 'datasource' ? [{ path: `${path}.${key}`, value }] : []),
    ...datasourceReferences(value, `${path}.${key}`),
  ]);
}

describe('examples/grafana/amcord.json', () => {
  it('has a stable uid, so links to it (dashboard_url) keep working', () => {
    expect(dashboard.uid).toBe('amcord');
    expect(dashboard.title).toBe('amcord');
    expect(dashboard['id']).toBeNull();
  });

  it('names no datasource: every query goes to the ${datasource} variable, a Prometheus', () => {
    const [variable] = dashboard.templating.list;
    expect(variable).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    const references = datasourceReferences(dashboard);
    expect(references.length).toBeGreaterThan(targets.length);
    for (const { path, value } of references) {
      const builtIn = path.startsWith('.annotations.') && JSON.stringify(value) === JSON.stringify(GRAFANA_BUILT_IN);
      if (!builtIn) expect(value, path).toEqual(PROMETHEUS_VARIABLE);
    }
    for (const panel of queryPanels) expect(panel.datasource, panel.title).toEqual(PROMETHEUS_VARIABLE);
    // Leftovers of Grafana's "export for sharing", which pin a datasource of the exporter's.
    expect(JSON.stringify(dashboard)).not.toMatch(/__inputs|__requires|\$\{DS_/);
  });

  it('has a schema version and panel types that Grafana 10.0 and newer load as they are', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(SCHEMA_VERSIONS.min);
    expect(dashboard.schemaVersion).toBeLessThanOrEqual(SCHEMA_VERSIONS.max);
    for (const panel of dashboard.panels) expect(CORE_PANEL_TYPES, panel.title).toContain(panel.type);
  });

  it("is laid out as Grafana's mixins are: full-width rows, then panels on the 24-column grid, none overlapping", () => {
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.panels[0]?.type).toBe('row');
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type === 'row') expect(panel.gridPos, panel.title).toEqual({ x: 0, y, w: 24, h: 1 });
      for (let row = y; row < y + h; row += 1) {
        for (let column = x; column < x + w; column += 1) {
          expect(cells.has(`${row}:${column}`), `${panel.title} overlaps another panel`).toBe(false);
          cells.add(`${row}:${column}`);
        }
      }
    }
    // In reading order, so the JSON reads as the dashboard looks.
    const order = dashboard.panels.map((panel) => panel.gridPos.y * 24 + panel.gridPos.x);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("charts every amcord metric of the README's table (but the preview-only printed counter), and the process's memory", () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('### Metrics'), readme.indexOf('## Command line'));
    const metrics = [...table.matchAll(/^\| `(amcord_[a-z_]+)` \|/gm)].map((match) => match[1] ?? '');
    expect(metrics.length).toBeGreaterThan(8);
    const queries = targets.map(({ target }) => target.expr).join('\n');
    // Only a default destination in preview counts it; on an amcord that sends, that panel would be empty.
    for (const metric of metrics.filter((name) => name !== 'amcord_notifications_printed_total')) expect(queries, metric).toContain(metric);
    expect(queries).toContain('process_resident_memory_bytes');
  });

  it('filters every query by the job and instance variables', () => {
    for (const { panel, target } of targets) {
      const selectors = target.expr.match(/\{[^}]*\}/g) ?? [];
      expect(selectors.length, `${panel.title} ${target.refId}`).toBeGreaterThan(0);
      for (const selector of selectors) expect(selector, `${panel.title} ${target.refId}`).toMatch(/^\{job=~"\$job", instance=~"\$instance"/);
    }
  });
});

// --- every query against a real Prometheus scraping amcord ------------------------------------

const SCRAPE_INTERVAL_SECONDS = 1;
/** Grafana's $__rate_interval at a 1 s step: max($__interval + scrape interval, 4 × scrape interval). */
const RATE_INTERVAL = `${4 * SCRAPE_INTERVAL_SECONDS}s`;
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.dashboard.token';
/**
 * Panels that the test's traffic moves: each must show it, not a flat zero. (A counter series that
 * only appears with its first increment would not: rate() needs an earlier sample.)
 */
const MOVED_BY_THE_TRAFFIC = new Set(['Webhooks received', 'Alerts received', 'Notifications sent', 'Discord request latency', 'Discord requests', 'Discord 429s']);

interface RangeResult {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

describe('every panel query, run against a real Prometheus scraping a working amcord', () => {
  let alertmanager: RunningProcess;
  let discord: FakeDiscord;
  let gateway: FakeGateway;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;
  let prometheus: RunningProcess;
  let start: number;
  const variables = new Map<string, string>();

  async function prometheusApi<T>(path: string, parameters: Record<string, string>): Promise<T> {
    const response = await fetch(`${prometheus.url}/api/v1/${path}?${new URLSearchParams(parameters).toString()}`);
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(parameters)}: ${body.error ?? response.status}`);
    return body.data;
  }

  async function instantValue(query: string): Promise<number> {
    const { result } = await prometheusApi<{ result: Array<{ value: [number, string] }> }>('query', { query });
    return Number(result[0]?.value[1] ?? NaN);
  }

  /** A query as Grafana sends it: variables replaced (regex-escaped, as for =~) and the time macros. */
  function interpolate(expr: string, end: number): string {
    const range = `${Math.ceil(end - start)}s`;
    return expr
      .replace(/\$__rate_interval/g, RATE_INTERVAL)
      .replace(/\$__range/g, range)
      .replace(/\$(\w+)/g, (match, name: string) => {
        const value = variables.get(name);
        if (value === undefined) throw new Error(`${expr}: no value for ${match}`);
        return value.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
      });
  }

  beforeAll(async () => {
    start = Date.now() / 1000;
    alertmanager = await startAlertmanager({ config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] } });
    discord = await startFakeDiscord({ channelRateLimit: false });
    gateway = attachFakeGateway(discord, { token: TOKEN });
    webhook = discord.createWebhook();
    amcord = await startTestAmcord(
      { AMCORD_GROUPING_GROUP_WAIT: '0s', AMCORD_GROUPING_GROUP_INTERVAL: '1s', AMCORD_DISCORD_WEBHOOK_URL: webhook.url },
      `
alertmanager: { url: "${alertmanager.url}" }
# A route that escalates, so the escalation panel has its series (at 0 until a group goes unacknowledged).
routes:
  - name: oncall
    matchers: ['severity="critical"']
    escalation: [{ after: 15m, roles: ['111111111111111111'] }]
bot:
  enabled: true
  token: "${TOKEN}"
  application_id: "${gateway.applicationId}"
  guild_id: "${gateway.guildId}"
  api_base: "${discord.apiBase}"
`,
    );
    await gateway.waitForReady(15_000);
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: `${SCRAPE_INTERVAL_SECONDS}s` },
        scrape_configs: [{ job_name: 'amcord', static_configs: [{ targets: [new URL(amcord.url).host] }] }],
      },
    });
    await waitUntil(async () => (await instantValue('up{job="amcord"}')) === 1, { timeoutMs: 20_000, description: 'Prometheus scraping amcord' });

    // Traffic: a bad webhook, a group posted through a 500 and a 429, then edited, and a command.
    const post = (body: string) => fetch(`${amcord.url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const disk = (instance: string, status: 'firing' | 'resolved') =>
      makeAlert({
        status,
        labels: { alertname: 'DashboardDiskSpaceLow', instance, severity: 'warning' },
        startsAt: '2026-01-01T00:00:00Z',
        ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
      });
    const payload = (alerts: ReturnType<typeof disk>[]) => JSON.stringify(makePayload(alerts, { groupLabels: { alertname: 'DashboardDiskSpaceLow' } }));
    expect((await post('{"version": "4", "alerts": "none"}')).status).toBe(400);
    discord.failNext(1, { status: 500 });
    discord.rateLimitNext(1, 1);
    expect((await post(payload([disk('nas:9100', 'firing'), disk('pi:9100', 'firing')]))).status).toBe(200);
    await waitUntil(() => discord.messages({ webhookId: webhook.id }).length === 1, { timeoutMs: 20_000, description: 'the message' });
    expect((await post(payload([disk('nas:9100', 'resolved'), disk('pi:9100', 'firing')]))).status).toBe(200);
    await waitUntil(() => (discord.messages({ webhookId: webhook.id })[0]?.edits ?? 0) >= 1, { timeoutMs: 20_000, description: 'the edit' });
    const command = gateway.sendInteraction({ kind: 'command', name: 'alerts' });
    await gateway.reply(command.id);

    // Until Prometheus has scraped all of it, and a few scrapes more for the rates.
    await waitUntil(
      async () =>
        (await instantValue('sum(amcord_commands_total{job="amcord"})')) >= 1 &&
        (await instantValue('sum(amcord_notifications_sent_total{job="amcord", kind="edit"})')) >= 1 &&
        (await instantValue('sum(amcord_discord_rate_limited_total{job="amcord"})')) >= 1,
      { timeoutMs: 20_000, description: 'Prometheus to have scraped the traffic' },
    );
    const scraped = Date.now();
    await waitUntil(() => Date.now() - scraped > 5 * SCRAPE_INTERVAL_SECONDS * 1000, { timeoutMs: 10_000, description: 'a few more scrapes' });

    // The variables as Grafana resolves them: each query's first value.
    for (const variable of dashboard.templating.list.filter((candidate) => candidate.type === 'query')) {
      const match = /^label_values\((.+), (\w+)\)$/.exec(variable.query);
      expect(match, variable.query).not.toBeNull();
      const selector = interpolate(match?.[1] ?? '', Date.now() / 1000);
      const values = await prometheusApi<string[]>(`label/${match?.[2] ?? ''}/values`, { 'match[]': selector });
      expect(values.length, `${variable.name}: ${variable.query}`).toBeGreaterThan(0);
      variables.set(variable.name, values[0] ?? '');
    }
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    await amcord?.close();
    await discord?.close();
    await alertmanager?.stop();
  });

  it('resolves the job and instance variables to the amcord Prometheus scrapes', () => {
    expect(variables.get('job')).toBe('amcord');
    expect(variables.get('instance')).toBe(new URL(amcord.url).host);
  });

  it('knows the panels the traffic moves', () => {
    expect(queryPanels.filter((panel) => MOVED_BY_THE_TRAFFIC.has(panel.title)).length).toBe(MOVED_BY_THE_TRAFFIC.size);
  });

  it.each(targets.map(({ panel, target }) => [`${panel.title} (${target.refId})`, panel, target] as const))('%s returns data', async (_name, panel, target) => {
    const end = Date.now() / 1000;
    const query = interpolate(target.expr, end);
    const { result } = await prometheusApi<{ result: RangeResult[] }>('query_range', { query, start: String(start), end: String(end), step: String(SCRAPE_INTERVAL_SECONDS) });
    const finite = result.flatMap((series) => series.values.map(([, value]) => Number(value))).filter((value) => Number.isFinite(value));
    expect(finite.length, `no data for ${query}`).toBeGreaterThan(0);
    if (MOVED_BY_THE_TRAFFIC.has(panel.title)) expect(Math.max(...finite), `${query} never shows the traffic`).toBeGreaterThan(0);
  });
});
