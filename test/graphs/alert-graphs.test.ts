import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGraphStage } from '../../src/delivery/graph-stage.js';
import type { Notification } from '../../src/engine/notification.js';
import { BACKGROUND, CHART_SIZE, THRESHOLD_COLOR } from '../../src/graphs/chart.js';
import { createGrapher } from '../../src/graphs/grapher.js';
import type { GraphOutcome } from '../../src/graphs/outcomes.js';
import { createLogger } from '../../src/log/logger.js';
import { COLORS } from '../../src/severity/severity.js';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook, type StoredMessage } from '../support/fake-discord.js';
import { LogCapture } from '../support/log-capture.js';
import { makeAlert, makePayload } from '../support/payloads.js';
import { freePort, startNodeExporter, startPrometheus, waitUntil, type RunningProcess } from '../support/processes.js';
import { countColor, decodePng, horizontalLines, variety } from './png.js';

/**
 * The picture with each firing message, end to end: a real Prometheus scrapes a real
 * node_exporter and a tiny exporter of known values; amcord draws what Prometheus answers into
 * the message it posts to the fake Discord, which keeps the file for the PNG to be decoded. Every
 * way the picture can fail is shown not to cost the message.
 */

const QUERY_TIMEOUT_MS = 1_000;
/** What a message may take beyond group_wait (0) with a picture that failed: the query timeout and some. */
const ON_TIME_MS = QUERY_TIMEOUT_MS + 2_500;
const SLOW_ORIGIN = 'http://prometheus-slow:9090';
const DOWN_ORIGIN = 'http://prometheus-down:9090';
const KNOWN = 'graph_test_disk_used_percent';
const PICTURES = join(tmpdir(), 'amcord-graph-pictures');

/** Serves KNOWN, climbing 4 points per scrape from 40 up to 96, so it crosses a threshold of 60. */
async function startKnownExporter(): Promise<{ url: string; instance: string; scrapes: () => number; close: () => Promise<void> }> {
  let scrapes = 0;
  const server = createServer((_request, response) => {
    const value = Math.min(96, 40 + 4 * scrapes);
    scrapes += 1;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(`# TYPE ${KNOWN} gauge\n${KNOWN}{mount="/data"} ${value}\n${KNOWN}{mount="/srv"} 30\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, instance: `127.0.0.1:${port}`, scrapes: () => scrapes, close: () => closeServer(server) };
}

/** Accepts connections and never answers: a Prometheus that hangs. */
async function startHangingServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

const generatorUrl = (origin: string, expression: string): string => `${origin}/graph?g0.expr=${encodeURIComponent(expression)}&g0.tab=1`;

describe('a picture with each firing message', () => {
  let prometheus: RunningProcess;
  let nodeExporter: RunningProcess;
  let known: Awaited<ReturnType<typeof startKnownExporter>>;
  let hanging: Awaited<ReturnType<typeof startHangingServer>>;
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;
  let nodeInstance: string;

  beforeAll(async () => {
    known = await startKnownExporter();
    nodeExporter = await startNodeExporter();
    nodeInstance = `127.0.0.1:${nodeExporter.port}`;
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [
          { job_name: 'known', static_configs: [{ targets: [known.instance] }] },
          { job_name: 'node', static_configs: [{ targets: [nodeInstance] }] },
        ],
      },
    });
    hanging = await startHangingServer();
    const downUrl = `http://127.0.0.1:${await freePort()}`;
    discord = await startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1_000 } });
    webhook = discord.createWebhook();
    amcord = await startTestAmcord(
      {
        AMCORD_DISCORD_WEBHOOK_URL: webhook.url,
        AMCORD_PROMETHEUS_URL: prometheus.url,
        AMCORD_GROUPING_GROUP_WAIT: '0s',
        AMCORD_GROUPING_GROUP_INTERVAL: '1s',
        AMCORD_GRAPHS_RANGE: '20s',
        AMCORD_GRAPHS_QUERY_TIMEOUT: `${QUERY_TIMEOUT_MS}ms`,
      },
      `graphs:\n  prometheus_by_origin:\n    '${SLOW_ORIGIN}': '${hanging.url}'\n    '${DOWN_ORIGIN}': '${downUrl}'\n`,
    );
    // Enough history for a line that crosses the threshold.
    await waitUntil(() => known.scrapes() >= 12, { timeoutMs: 40_000, intervalMs: 200, description: 'a dozen scrapes of the known exporter' });
    mkdirSync(PICTURES, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await amcord?.close();
    await discord?.close();
    await prometheus?.stop();
    await nodeExporter?.stop();
    await known?.close();
    await hanging?.close();
  });

  async function fire(alertname: string, labels: Record<string, string>, generatorURL: string, status: 'firing' | 'resolved' = 'firing'): Promise<number> {
    const startsAt = new Date(Date.now() - 8_000).toISOString();
    const alert = makeAlert({
      status,
      labels: { alertname, ...labels },
      generatorURL,
      startsAt,
      ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
    });
    const sentAt = Date.now();
    const response = await fetch(`${amcord.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makePayload([alert], { groupLabels: { alertname }, groupKey: `{}:{alertname="${alertname}"}` })),
    });
    expect(response.status).toBe(200);
    return sentAt;
  }

  const messageOf = (alertname: string): StoredMessage | undefined => discord.messages({ webhookId: webhook.id }).find((message) => JSON.stringify(message.embeds).includes(alertname));

  async function delivered(alertname: string, until: (message: StoredMessage) => boolean = () => true): Promise<StoredMessage> {
    await waitUntil(() => {
      const message = messageOf(alertname);
      return message !== undefined && until(message);
    }, { timeoutMs: 15_000, intervalMs: 25, description: `the message of ${alertname}` });
    const message = messageOf(alertname);
    if (!message) throw new Error('unreachable');
    return message;
  }

  async function graphsCounted(outcome: GraphOutcome): Promise<number> {
    const text = await (await fetch(`${amcord.url}/metrics`)).text();
    const line = text.split('\n').find((entry) => entry.startsWith(`amcord_graphs_total{use="alert",outcome="${outcome}"}`));
    return Number(line?.split(' ').at(-1));
  }

  function pictureOf(message: StoredMessage, name: string): ReturnType<typeof decodePng> {
    expect(message.attachments.map((file) => file.filename)).toEqual(['graph.png']);
    const [file] = message.attachments;
    expect(file?.contentType).toBe('image/png');
    expect(message.embeds[0]?.image?.url).toBe(file?.url);
    const data = file?.data ?? new Uint8Array();
    writeFileSync(join(PICTURES, `${name}.png`), data);
    return decodePng(data);
  }

  it('draws the known series in the severity colour, with the threshold line, from the alert’s own expression', async () => {
    const drawnBefore = await graphsCounted('drawn');
    await fire('GraphKnownHigh', { instance: known.instance, job: 'known', mount: '/data', severity: 'critical' }, generatorUrl('http://prometheus-0:9090', `${KNOWN} > 60`));
    const message = await delivered('GraphKnownHigh');
    const picture = pictureOf(message, 'known-critical');

    expect([picture.width, picture.height]).toEqual([CHART_SIZE.width, CHART_SIZE.height]);
    const { foreground, colors } = variety(picture, BACKGROUND);
    expect(foreground).toBeGreaterThan(picture.width * picture.height * 0.02);
    expect(colors).toBeGreaterThan(50);
    expect(countColor(picture, COLORS.critical)).toBeGreaterThan(150);
    // Only the alert's own series: /srv is below the threshold and belongs to no alert here.
    expect(message.attachments[0]?.description).toContain('Graph of');
    expect(message.attachments[0]?.description).not.toContain('/srv');
    expect(horizontalLines(picture, THRESHOLD_COLOR, 0.3).length).toBeGreaterThan(0);
    // The title is text, not empty boxes: light pixels in the top band where it is written.
    expect(countColor(picture, '#dbdee1', 40, { top: 0, bottom: 50 })).toBeGreaterThan(200);
    expect(await graphsCounted('drawn')).toBe(drawnBefore + 1);
  });

  it('draws node_exporter’s memory in percent, in the warning colour', async () => {
    const expression = '(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 1';
    await fire('GraphNodeMemory', { instance: nodeInstance, job: 'node', severity: 'warning' }, generatorUrl('http://prometheus-0:9090', expression));
    const picture = pictureOf(await delivered('GraphNodeMemory'), 'node-memory-warning');
    expect(countColor(picture, COLORS.warning)).toBeGreaterThan(150);
    expect(countColor(picture, COLORS.critical)).toBe(0);
    expect(horizontalLines(picture, THRESHOLD_COLOR, 0.3).length).toBeGreaterThan(0);
  });

  it('replaces the picture when the message turns green: a last picture, in the resolved colour', async () => {
    const labels = { instance: known.instance, job: 'known', mount: '/data', severity: 'critical' };
    const url = generatorUrl('http://prometheus-0:9090', `${KNOWN} > 60`);
    await fire('GraphResolves', labels, url);
    const posted = await delivered('GraphResolves');
    await fire('GraphResolves', labels, url, 'resolved');
    const edited = await delivered('GraphResolves', (message) => message.edits > 0);
    expect(edited.id).toBe(posted.id);
    expect(edited.attachments[0]?.id).not.toBe(posted.attachments[0]?.id);
    const picture = pictureOf(edited, 'known-resolved');
    expect(countColor(picture, COLORS.resolved)).toBeGreaterThan(150);
    expect(countColor(picture, COLORS.critical)).toBe(0);
  });

  describe('never costs the message', () => {
    const cases: Array<{ name: string; outcome: GraphOutcome; url: string; note: string }> = [
      { name: 'GraphPromSlow', outcome: 'prometheus_timeout', url: generatorUrl(SLOW_ORIGIN, `${KNOWN} > 60`), note: 'no graph: Prometheus did not answer in time' },
      { name: 'GraphPromDown', outcome: 'prometheus_error', url: generatorUrl(DOWN_ORIGIN, `${KNOWN} > 60`), note: 'no graph: Prometheus could not be asked' },
      { name: 'GraphUnparsable', outcome: 'unparsable', url: generatorUrl('http://prometheus-0:9090', `rate(${KNOWN}[5m] > 60`), note: 'no graph: its expression cannot be read (1:' },
      { name: 'GraphEmpty', outcome: 'empty', url: generatorUrl('http://prometheus-0:9090', 'graph_test_no_such_metric > 1'), note: 'no graph: the expression returned no data for this time' },
    ];
    for (const { name, outcome, url, note } of cases) {
      it(`${outcome}: the message goes out on time without a picture, says so, and the cause is logged and counted`, async () => {
        const before = await graphsCounted(outcome);
        const sentAt = await fire(name, { instance: known.instance, job: 'known', mount: '/data', severity: 'critical' }, url);
        const message = await delivered(name);
        expect(message.createdAt - sentAt).toBeLessThan(ON_TIME_MS);
        expect(message.attachments).toEqual([]);
        expect(message.embeds.some((embed) => embed.image !== undefined)).toBe(false);
        expect(message.embeds.at(-1)?.footer?.text).toContain(note);
        expect(await graphsCounted(outcome)).toBe(before + 1);
        expect(amcord.logs.text).toContain(`"reason":"${outcome}"`);
      });
    }

    it('render_error: a drawing that fails leaves the message as it was, with the line', async () => {
      const logs = new LogCapture();
      const outcomes: GraphOutcome[] = [];
      const stage = createGraphStage({
        grapher: createGrapher({
          prometheusUrl: prometheus.url,
          timeoutMs: QUERY_TIMEOUT_MS,
          rangeMs: 20_000,
          maxSeries: 5,
          clock: { now: () => Date.now() },
          render: () => Promise.reject(new Error('resvg: out of memory')),
        }),
        logger: createLogger({ level: 'info', format: 'json', secrets: [], destination: logs }),
        onOutcome: (outcome) => outcomes.push(outcome),
      });
      const alert = { fingerprint: 'f', labels: { alertname: 'GraphRender', instance: known.instance, job: 'known', mount: '/data', severity: 'critical' }, annotations: {}, startsAt: Date.now() - 8_000, endsAt: Date.now() + 60_000, endsAtIsTimeout: true, generatorURL: generatorUrl('http://prometheus-0:9090', `${KNOWN} > 60`), updatedAt: Date.now() };
      const notification: Notification = { route: 'default', groupKey: 'g', receiver: 'default', groupLabels: {}, externalUrl: '', at: Date.now(), firing: [alert], resolved: [], newlyFiring: ['f'], reason: 'first' };
      const message = { embeds: [{ title: 'GraphRender', footer: { text: '1 firing' } }] };
      const shown = await stage(message, notification, 'post');
      expect(shown).toEqual({ embeds: [{ title: 'GraphRender', footer: { text: '1 firing · no graph: it could not be drawn' } }] });
      expect(outcomes).toEqual(['render_error']);
      expect(logs.text).toContain('resvg: out of memory');
      // An edit that cannot have a new picture drops the old one rather than keep a stale one.
      expect((await stage(message, notification, 'edit')).attachments).toEqual([]);
    });
  });
});
