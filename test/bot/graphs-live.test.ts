/**
 * /graph and the /status picture through the fake gateway, drawn from a real Prometheus scraping
 * a real node_exporter, with a real Alertmanager holding one firing alert. The PNGs the bot
 * uploads are decoded from what the fake Discord kept.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../src/alertmanager/api.js';
import { GRAPH_MAX_SERIES } from '../../src/bot/commands/graph.js';
import { startBot, type RunningBot } from '../../src/bot/index.js';
import { CHART_SIZE } from '../../src/graphs/chart.js';
import { DASHBOARD_SIZE } from '../../src/graphs/dashboard-chart.js';
import { createGrapher } from '../../src/graphs/grapher.js';
import { PrometheusClient } from '../../src/prometheus/client.js';
import { COLORS } from '../../src/severity/severity.js';
import { systemClock } from '../../src/util/sleep.js';
import { attachFakeGateway, type FakeGateway, type FakeUser, type InteractionReply } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.js';
import { postAlerts, startAlertmanager, startNodeExporter, startPrometheus, waitUntil, type RunningProcess } from '../support/processes.js';
import { countColor, decodePng, variety } from '../graphs/png.js';
import { botConfig, captureLogger, embedText } from './support.js';

const TOKEN = 'graphs-live-token.not-a-secret.0123456789';
const READER_ROLE = '412345678901234568';
const READER: FakeUser = { id: '512345678901234568', username: 'reader' };
const STRANGER: FakeUser = { id: '612345678901234568', username: 'stranger' };
/** The first line colour of /graph and of the dashboard's panels. */
const FIRST_LINE = '#3498db';
const GREEN = COLORS.resolved;
const ORANGE = COLORS.warning;

let alertmanagerProcess: RunningProcess;
let prometheusProcess: RunningProcess;
let nodeExporter: RunningProcess;
let prometheus: PrometheusClient;
let discord: FakeDiscord;
let gateway: FakeGateway;
let bot: RunningBot;
let nodeInstance: string;

beforeAll(async () => {
  [alertmanagerProcess, nodeExporter] = await Promise.all([
    startAlertmanager({ config: { route: { receiver: 'blackhole' }, receivers: [{ name: 'blackhole' }] } }),
    startNodeExporter(),
  ]);
  nodeInstance = `127.0.0.1:${nodeExporter.port}`;
  prometheusProcess = await startPrometheus({
    config: {
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'node', static_configs: [{ targets: [nodeInstance] }] }],
    },
  });
  prometheus = new PrometheusClient({ baseUrl: prometheusProcess.url });
  discord = await startFakeDiscord();
  gateway = attachFakeGateway(discord, { token: TOKEN });
  const config = botConfig({
    alertmanager: { url: alertmanagerProcess.url },
    prometheus: { url: prometheusProcess.url },
    bot: { enabled: true, token: TOKEN, application_id: gateway.applicationId, guild_id: gateway.guildId, api_base: discord.apiBase, permissions: { read_roles: [READER_ROLE] } },
  });
  const { logger } = captureLogger();
  const grapher = createGrapher({ prometheusUrl: prometheusProcess.url, timeoutMs: 3_000, rangeMs: 3_600_000, maxSeries: 5, clock: systemClock });
  bot = await startBot({ config, alertmanager: new AlertmanagerClient({ baseUrl: alertmanagerProcess.url }), prometheus, logger, grapher });
  await postAlerts(alertmanagerProcess.url, [{ labels: { alertname: 'DiskFillingUp', instance: nodeInstance, severity: 'warning' } }]);
  // An hour drawn in 240 steps is a point every 15 s: half a minute of scrapes makes a line.
  await waitUntil(
    async () => {
      const scrapes = await prometheus.query(`count_over_time(up{instance="${nodeInstance}"}[1m])`);
      return scrapes.resultType === 'vector' && (scrapes.result[0]?.value ?? 0) >= 35;
    },
    { timeoutMs: 70_000, intervalMs: 500, description: '35 s of node_exporter scrapes in Prometheus' },
  );
}, 120_000);

afterAll(async () => {
  await bot?.stop();
  await discord?.close();
  await Promise.all([alertmanagerProcess?.stop(), prometheusProcess?.stop(), nodeExporter?.stop()]);
});

async function command(name: string, options: Record<string, string>, user: FakeUser = READER): Promise<InteractionReply> {
  const sent = gateway.sendInteraction({ kind: 'command', name, options, user, roles: user === READER ? [READER_ROLE] : [] });
  return gateway.reply(sent.id, { timeoutMs: 20_000 });
}

function onlyPicture(reply: InteractionReply, fileName: string): Uint8Array {
  expect(reply.attachments.map((file) => file.filename)).toEqual([fileName]);
  const [file] = reply.attachments;
  expect(reply.embeds[0]?.image?.url).toBe(file?.url);
  expect(file?.description).toBeTruthy();
  return file?.data ?? new Uint8Array();
}

describe('/graph', () => {
  it('draws the expression over the range asked for, as a PNG in the reply', async () => {
    const reply = await command('graph', { query: `node_memory_MemAvailable_bytes{instance="${nodeInstance}"}`, range: '5m' });
    expect(reply.ephemeral).toBe(false);
    expect(reply.embeds[0]?.footer?.text).toBe('last 5m · UTC');
    const png = onlyPicture(reply, 'graph.png');
    writeFileSync(join(tmpdir(), 'amcord-graph-command.png'), png);
    const picture = decodePng(png);
    expect({ width: picture.width, height: picture.height }).toEqual(CHART_SIZE);
    expect(variety(picture, '#2b2d31').colors).toBeGreaterThan(20);
    expect(countColor(picture, FIRST_LINE)).toBeGreaterThan(200);
  });

  it('answers a syntax error privately, with the parser message and where it stopped', async () => {
    const reply = await command('graph', { query: 'rate(node_cpu_seconds_total[5m]' });
    expect(reply.ephemeral).toBe(true);
    expect(reply.attachments).toEqual([]);
    expect(reply.content).toBe(
      '⚠️ The query cannot be read: 1:32: parse error: unexpected end of input\n```\nrate(node_cpu_seconds_total[5m]\n                               ^\n```',
    );
  });

  it('cuts a result with too many series to the maximum, and says how many there were', async () => {
    const count = await prometheus.query(`count(node_cpu_seconds_total{instance="${nodeInstance}"})`);
    const total = count.resultType === 'vector' ? (count.result[0]?.value ?? 0) : 0;
    expect(total).toBeGreaterThan(GRAPH_MAX_SERIES);
    const reply = await command('graph', { query: `node_cpu_seconds_total{instance="${nodeInstance}"}`, range: '2m' });
    expect(reply.embeds[0]?.description).toBe(
      `Showing the highest ${GRAPH_MAX_SERIES} of ${total} series (at most ${GRAPH_MAX_SERIES} are drawn): narrow the query with a label matcher or topk().`,
    );
    expect(reply.attachments[0]?.description).toContain(`highest ${GRAPH_MAX_SERIES} of ${total} series`);
  });

  it('says privately when the expression returns nothing, and refuses who may not read', async () => {
    const empty = await command('graph', { query: 'no_such_metric_anywhere' });
    expect(empty).toMatchObject({ ephemeral: true, content: '⚠️ No graph of `no_such_metric_anywhere`: the expression returned no data for this time.' });
    const refused = await command('graph', { query: 'up' }, STRANGER);
    expect(refused).toMatchObject({ ephemeral: true, content: `⚠️ This command is limited to the roles <@&${READER_ROLE}>.`, attachments: [] });
  });
});

describe('/status', () => {
  it('keeps the text embed and adds the dashboard picture: figures, then a line per node in each panel', async () => {
    const reply = await command('status', {});
    const embed = reply.embeds[0];
    expect(embedText(embed)).toContain('**1** node');
    expect(embed?.fields?.find((field) => field.name.includes(nodeInstance))).toBeDefined();
    const uname = await prometheus.query(`node_uname_info{instance="${nodeInstance}"}`);
    const nodename = uname.resultType === 'vector' ? uname.result[0]?.metric['nodename'] : undefined;
    expect(reply.attachments[0]?.description).toBe(
      `Status: Nodes up 1/1, Pods running – (no kube-state-metrics), Alerts firing 1, Targets up 1/1; CPU, Memory, Fullest filesystem of ${nodename ?? '?'} over the last 60 minutes`,
    );
    const png = onlyPicture(reply, 'status.png');
    writeFileSync(join(tmpdir(), 'amcord-status-dashboard.png'), png);
    const picture = decodePng(png);
    expect({ width: picture.width, height: picture.height }).toEqual(DASHBOARD_SIZE);
    const tiles = { top: 100, bottom: 230 };
    const panels = { top: 260, bottom: 660 };
    // Nodes and targets up in green, the one firing warning in its orange.
    expect(countColor(picture, GREEN, 12, tiles)).toBeGreaterThan(1_000);
    expect(countColor(picture, ORANGE, 12, tiles)).toBeGreaterThan(300);
    // The node's line in each of the three panels: a few points at the right edge, the node has
    // been up for well under a minute of the hour (and memory's may lie along the axis).
    const third = Math.floor(picture.width / 3);
    for (let panel = 0; panel < 3; panel += 1) {
      let line = 0;
      for (let y = panels.top; y < panels.bottom; y += 1) {
        for (let x = panel * third; x < (panel + 1) * third; x += 1) {
          const [r, g, b] = picture.rgb(x, y);
          if (Math.abs(r - 0x34) < 14 && Math.abs(g - 0x98) < 14 && Math.abs(b - 0xdb) < 14) line += 1;
        }
      }
      expect(line, `panel ${panel}`).toBeGreaterThan(2);
    }
  });
});
