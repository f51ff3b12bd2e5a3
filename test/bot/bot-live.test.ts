/**
 * The real discord.js client, driven through the fake gateway, answering from a real Prometheus
 * (scraping a real node_exporter) and a real Alertmanager, all on loopback.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../src/alertmanager/api.js';
import type { Matcher } from '../../src/alertmanager/matchers.js';
import { registerCommands, startBot, type RunningBot } from '../../src/bot/index.js';
import { silenceButtons } from '../../src/bot/silences/silence-buttons.js';
import { limitViolations } from '../../src/discord/limits.js';
import type { Config } from '../../src/config/schema.js';
import type { Logger } from '../../src/log/logger.js';
import { PrometheusClient } from '../../src/prometheus/client.js';
import { attachFakeGateway, type FakeGateway, type FakeUser, type InteractionReply } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.js';
import {
  postAlerts,
  type RunningProcess,
  startAlertmanager,
  startNodeExporter,
  startPrometheus,
  waitUntil,
} from '../support/processes.js';
import { barPercent, botConfig, captureLogger, embedText } from './support.js';
import type { LogCapture } from '../support/log-capture.js';

// discord.js strips a leading "Bot" from tokens, so a test token must not start with it.
const TOKEN = 'live-test-token.not-a-secret.0123456789';
const SILENCER_ROLE = '412345678901234567';
const ALICE: FakeUser = { id: '512345678901234567', username: 'alice', globalName: 'Alice' };
const MALLORY: FakeUser = { id: '612345678901234567', username: 'mallory' };
const BUTTON_REF = 'group-7f3a';

let alertmanagerProcess: RunningProcess;
let prometheusProcess: RunningProcess;
let nodeExporter: RunningProcess;
let alertmanager: AlertmanagerClient;
let prometheus: PrometheusClient;
let discord: FakeDiscord;
let gateway: FakeGateway;
let config: Config;
let logger: Logger;
let logs: LogCapture;
let bot: RunningBot;
let registeredNames: string[];
let nodeInstance: string;

const buttonTargets = new Map<string, Matcher[]>([
  [BUTTON_REF, [{ name: 'alertname', value: 'AmcordButtonTest', isRegex: false, isEqual: true }]],
]);

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
  alertmanager = new AlertmanagerClient({ baseUrl: alertmanagerProcess.url });
  prometheus = new PrometheusClient({ baseUrl: prometheusProcess.url });

  discord = await startFakeDiscord();
  gateway = attachFakeGateway(discord, { token: TOKEN });
  config = botConfig({
    alertmanager: { url: alertmanagerProcess.url },
    prometheus: { url: prometheusProcess.url },
    bot: {
      enabled: true,
      token: TOKEN,
      application_id: gateway.applicationId,
      guild_id: gateway.guildId,
      api_base: discord.apiBase,
      permissions: { silence_roles: [SILENCER_ROLE] },
    },
  });
  ({ logger, logs } = captureLogger());
  registeredNames = await registerCommands({ config, logger });
  bot = await startBot({
    config,
    alertmanager,
    prometheus,
    logger,
    silenceButtons: { resolveSilenceTarget: (ref) => Promise.resolve(buttonTargets.get(ref)) },
  });
  // The CPU rate needs two scrapes; Prometheus applies new targets on a 5 s tick.
  await waitUntil(
    async () => {
      const rate = await prometheus.query(`rate(node_cpu_seconds_total{instance="${nodeInstance}",mode="idle"}[5m])`);
      return rate.resultType === 'vector' && rate.result.length > 0;
    },
    { timeoutMs: 30_000, intervalMs: 250, description: 'two node_exporter scrapes in Prometheus' },
  );
}, 90_000);

afterAll(async () => {
  await bot?.stop();
  await discord?.close();
  await Promise.all([alertmanagerProcess?.stop(), prometheusProcess?.stop(), nodeExporter?.stop()]);
});

async function command(name: string, options: Record<string, string>, user: FakeUser = ALICE, roles = [SILENCER_ROLE]): Promise<InteractionReply> {
  const sent = gateway.sendInteraction({ kind: 'command', name, options, user, roles });
  return gateway.reply(sent.id);
}

async function choices(name: string, options: Record<string, string>, focused: string): Promise<string[]> {
  const sent = gateway.sendInteraction({ kind: 'autocomplete', name, options, focused, user: ALICE, roles: [SILENCER_ROLE] });
  return (await gateway.reply(sent.id)).choices.map((choice) => String(choice.value));
}

async function memoryPercentNow(): Promise<number> {
  const read = async (metric: string): Promise<number> => {
    const result = await prometheus.query(`${metric}{instance="${nodeInstance}"}`);
    if (result.resultType !== 'vector' || result.result[0] === undefined) throw new Error(`no ${metric}`);
    return result.result[0].value;
  };
  const [available, total] = await Promise.all([read('node_memory_MemAvailable_bytes'), read('node_memory_MemTotal_bytes')]);
  return 100 * (1 - available / total);
}

async function filesystemPercentNow(mountpoint: string): Promise<number> {
  const read = async (metric: string): Promise<number> => {
    const result = await prometheus.query(`${metric}{instance="${nodeInstance}",mountpoint="${mountpoint}"}`);
    if (result.resultType !== 'vector' || result.result[0] === undefined) throw new Error(`no ${metric} for ${mountpoint}`);
    return result.result[0].value;
  };
  const [available, size] = await Promise.all([read('node_filesystem_avail_bytes'), read('node_filesystem_size_bytes')]);
  return 100 * (1 - available / size);
}

/**
 * The bot's figure comes from a scrape between our two reads, printed rounded to a whole percent:
 * allow 0.5 for the rounding and 1 point for movement between scrapes that are not monotonic
 * (1 % of this machine's memory is about 240 MB; a filesystem moves far less in a few seconds).
 */
function expectWithin(value: number | undefined, before: number, after: number): void {
  expect(value).toBeDefined();
  const slack = 0.5 + 1;
  expect(value).toBeGreaterThanOrEqual(Math.min(before, after) - slack);
  expect(value).toBeLessThanOrEqual(Math.max(before, after) + slack);
}

async function activeSilences(): Promise<string[]> {
  return (await alertmanager.getSilences()).filter((silence) => silence.status.state === 'active').map((silence) => silence.id);
}

describe('registration', () => {
  it('PUTs the whole command set to the guild and returns the names', () => {
    const expected = ['status', 'alerts', 'silence', 'silences', 'unsilence', 'ack', 'subscribe', 'unsubscribe', 'subscriptions', 'graph'];
    expect(registeredNames).toEqual(expected);
    const registered = gateway.commandSets.at(-1);
    expect(registered?.guildId).toBe(gateway.guildId);
    expect(registered?.commands.map((registeredCommand) => registeredCommand.name)).toEqual(expected);
    const silence = registered?.commands.find((registeredCommand) => registeredCommand.name === 'silence');
    expect(silence?.options?.filter((option) => option.autocomplete).map((option) => option.name)).toEqual(['alertname', 'instance', 'duration']);
  });

  it('connects with the Guilds intent only and never logs the token', () => {
    expect(gateway.identifies.at(-1)?.intents).toBe(1);
    expect(logs.text).not.toContain(TOKEN);
  });
});

describe('/status', () => {
  it('shows the node with the figures Prometheus has, inside Discord limits', async () => {
    const memoryBefore = await memoryPercentNow();
    const reply = await command('status', {});
    const memoryAfter = await memoryPercentNow();

    expect(reply.ephemeral).toBe(false);
    expect(limitViolations({ embeds: reply.embeds })).toEqual([]);
    const embed = reply.embeds[0];
    const text = embedText(embed);
    expect(text).not.toContain('⚠️');
    expect(embed?.fields?.find((field) => field.name === 'Targets')?.value).toContain('✅ node 1/1');
    expect(embed?.description).toContain('**1** node');
    const nodeField = embed?.fields?.find((field) => field.name.includes(nodeInstance));
    expect(nodeField).toBeDefined();
    const value = nodeField?.value ?? '';
    expectWithin(barPercent(value, 'MEM'), memoryBefore, memoryAfter);
    const cpu = barPercent(value, 'CPU');
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100);

    const mountpoint = /DISK\s+[▰▱]+ \d+% (\S+)/.exec(value)?.[1];
    expect(mountpoint).toBeDefined();
    const disk = await filesystemPercentNow(mountpoint ?? '/');
    expectWithin(barPercent(value, 'DISK'), disk, disk);
  });

  it('shows one node in detail: CPU, memory, load, uptime, filesystems, network', async () => {
    const reply = await command('status', { node: nodeInstance });
    expect(limitViolations({ embeds: reply.embeds })).toEqual([]);
    const embed = reply.embeds[0];
    const text = embedText(embed);
    expect(text).toMatch(/CPU\s+[▰▱]+ \d+%\s+\d+ cores/);
    expect(text).toMatch(/MEM\s+[▰▱]+ \d+%/);
    expect(text).toMatch(/LOAD\s+\d+\.\d\d \d+\.\d\d \d+\.\d\d/);
    expect(embed?.description).toMatch(/up \d+[dhms]/);
    expect(embed?.fields?.find((field) => field.name === 'Filesystems')?.value).toMatch(/[▰▱]+ \d+%\s+\//);
    expect(embed?.fields?.find((field) => field.name.startsWith('Network'))?.value).toMatch(/↓ .*bit\/s\s+↑ .*bit\/s/);
  });

  it('autocompletes node instances from Prometheus', async () => {
    expect(await choices('status', { node: '127.0' }, 'node')).toEqual([nodeInstance]);
    expect(await choices('status', { node: 'no-such-node' }, 'node')).toEqual([]);
  });

  it('says so when the node is unknown', async () => {
    const reply = await command('status', { node: 'nowhere:9100' });
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('no node_exporter metrics for `nowhere:9100`');
  });
});

describe('/silence', () => {
  it('creates a silence that mutes the alert now and the ones that follow', async () => {
    const labels = { alertname: 'AmcordTestDisk', instance: 'gw1:9100', severity: 'warning' };
    await postAlerts(alertmanagerProcess.url, [{ labels, annotations: { summary: 'Disk almost full' } }]);
    await waitUntil(async () => (await alertmanager.getAlerts({ filter: ['alertname="AmcordTestDisk"'] })).length === 1, {
      timeoutMs: 10_000,
      description: 'Alertmanager to hold the test alert',
    });

    expect(await choices('silence', { alertname: 'AmcordTest' }, 'alertname')).toContain('AmcordTestDisk');
    expect(await choices('silence', { alertname: 'AmcordTestDisk', instance: 'gw' }, 'instance')).toEqual(['gw1:9100']);

    const startedAt = Date.now();
    const reply = await command('silence', { alertname: 'AmcordTestDisk', instance: 'gw1:9100', duration: '30m', comment: 'swapping the disk' });
    const embed = reply.embeds[0];
    expect(embed?.title).toBe('🔕 Silence created');
    expect(embed?.description).toContain('It mutes **1** alert firing now');
    const id = /`([0-9a-f-]{36})`/.exec(embed?.fields?.find((field) => field.name === 'Silence ID')?.value ?? '')?.[1];
    expect(id).toBeDefined();
    expect(embed?.url).toBe(`${alertmanagerProcess.url}/#/silences/${id}`);

    const silence = (await alertmanager.getSilences()).find((candidate) => candidate.id === id);
    expect(silence).toMatchObject({ status: { state: 'active' }, comment: 'swapping the disk', createdBy: `alice (Discord ${ALICE.id})` });
    expect(silence?.matchers).toEqual([
      { name: 'alertname', value: 'AmcordTestDisk', isRegex: false, isEqual: true },
      { name: 'instance', value: 'gw1:9100', isRegex: false, isEqual: true },
    ]);
    const lasts = (silence?.endsAt.getTime() ?? 0) - startedAt;
    expect(lasts).toBeGreaterThan(29 * 60_000);
    expect(lasts).toBeLessThanOrEqual(30 * 60_000 + 5_000);

    // A new alert for the same target, arriving after the silence, is muted too.
    await postAlerts(alertmanagerProcess.url, [{ labels: { ...labels, mountpoint: '/data' } }]);
    await waitUntil(
      async () => {
        const [alert] = await alertmanager.getAlerts({ filter: ['mountpoint="/data"'] });
        return alert?.status.state === 'suppressed' && alert.status.silencedBy.includes(id ?? '');
      },
      { timeoutMs: 10_000, description: 'the following alert to show as silenced' },
    );

    const audit = logs.entries('silence created from Discord').find((entry) => entry['silenceId'] === id);
    expect(audit).toMatchObject({ userId: ALICE.id, userName: 'alice', via: '/silence' });
  });

  it('refuses a user without a silence role, changing nothing', async () => {
    const before = await activeSilences();
    const reply = await command('silence', { alertname: 'AmcordTestDisk' }, MALLORY, ['712345678901234567']);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('You may not create or expire silences');
    expect(reply.content).toContain(`<@&${SILENCER_ROLE}>`);
    expect(await activeSilences()).toEqual(before);
    expect(logs.entries('silence action refused').at(-1)).toMatchObject({ userId: MALLORY.id, userName: 'mallory', action: '/silence' });
  });

  it('explains invalid matchers and durations, creating nothing', async () => {
    const before = await activeSilences();
    const badMatchers = await command('silence', { matchers: '{alertname="X",instance=~"(gw"}' });
    expect(badMatchers.ephemeral).toBe(true);
    expect(badMatchers.content).toMatch(/Invalid matcher .* column \d+: invalid regular expression/);
    const badDuration = await command('silence', { alertname: 'AmcordTestDisk', duration: 'soon' });
    expect(badDuration).toMatchObject({ ephemeral: true, content: expect.stringContaining('"soon" is not a duration') as unknown });
    const everything = await command('silence', { matchers: '{instance=~".*"}' });
    expect(everything.content).toContain('would silence everything');
    expect(await activeSilences()).toEqual(before);
  });
});

describe('/silences, /unsilence and /alerts', () => {
  it('lists, autocompletes and expires a silence', async () => {
    const created = await command('silence', { matchers: '{alertname="AmcordUnsilenceTest",job=~"node|db"}', duration: '1h' });
    const id = /`([0-9a-f-]{36})`/.exec(created.embeds[0]?.fields?.[0]?.value ?? '')?.[1] ?? '';

    const listed = await command('silences', {}, MALLORY, []);
    expect(limitViolations({ embeds: listed.embeds })).toEqual([]);
    expect(embedText(listed.embeds[0])).toContain('{alertname="AmcordUnsilenceTest",job=~"node|db"}');
    expect(embedText(listed.embeds[0])).toContain(`by alice (Discord ${ALICE.id})`);

    expect(await choices('unsilence', { id: 'AmcordUnsilence' }, 'id')).toEqual([id]);
    const refused = await command('unsilence', { id }, MALLORY, []);
    expect(refused.ephemeral).toBe(true);
    expect(await activeSilences()).toContain(id);

    const expired = await command('unsilence', { id });
    expect(expired.embeds[0]?.title).toBe('🔔 Silence expired');
    expect((await alertmanager.getSilences()).find((silence) => silence.id === id)?.status.state).toBe('expired');
    expect(logs.entries('silence expired from Discord').at(-1)).toMatchObject({ userId: ALICE.id, silenceId: id });
  });

  it('lists firing alerts filtered by severity', async () => {
    await postAlerts(alertmanagerProcess.url, [{ labels: { alertname: 'AmcordCritical', instance: 'db1:9100', severity: 'critical' } }]);
    await waitUntil(async () => (await alertmanager.getAlerts({ filter: ['alertname="AmcordCritical"'] })).length === 1, {
      timeoutMs: 10_000,
      description: 'the critical alert in Alertmanager',
    });
    const critical = await command('alerts', { severity: 'critical' }, MALLORY, []);
    expect(critical.embeds[0]?.title).toBe('🔴 1 alert firing (critical)');
    expect(embedText(critical.embeds[0])).toContain('AmcordCritical');
    expect(embedText(critical.embeds[0])).not.toContain('AmcordTestDisk');
  });
});

describe('silence buttons', () => {
  const buttonRow = silenceButtons(BUTTON_REF);
  const oneDay = buttonRow.components[1];

  it('creates the silence and updates the alert message', async () => {
    const startedAt = Date.now();
    const sent = gateway.sendInteraction({
      kind: 'button',
      customId: oneDay && 'custom_id' in oneDay ? oneDay.custom_id : '',
      user: ALICE,
      roles: [SILENCER_ROLE],
      message: { content: '**AmcordButtonTest** is firing', embeds: [{ title: 'AmcordButtonTest' }], components: [buttonRow] },
    });
    const reply = await gateway.reply(sent.id);
    expect(reply.callbackType).toBe(7);
    expect(reply.content).toMatch(new RegExp(`^\\*\\*AmcordButtonTest\\*\\* is firing\\n🔕 Silenced by <@${ALICE.id}> until <t:\\d+:f>`));
    expect(reply.embeds).toEqual([{ title: 'AmcordButtonTest' }]);
    expect(reply.components[0]?.components[0]).toMatchObject({ style: 5, label: 'Open the silence' });

    const silence = (await alertmanager.getSilences()).find((candidate) => candidate.matchers[0]?.value === 'AmcordButtonTest');
    expect(silence?.status.state).toBe('active');
    expect(silence?.createdBy).toBe(`alice (Discord ${ALICE.id})`);
    const lasts = (silence?.endsAt.getTime() ?? 0) - startedAt;
    expect(lasts).toBeGreaterThan(86_400_000 - 60_000);
    expect(lasts).toBeLessThanOrEqual(86_400_000 + 5_000);
  });

  it('refuses an unauthorised click without touching the message', async () => {
    const before = await activeSilences();
    const oneHour = buttonRow.components[0];
    const sent = gateway.sendInteraction({
      kind: 'button',
      customId: oneHour && 'custom_id' in oneHour ? oneHour.custom_id : '',
      user: MALLORY,
      message: { content: 'AmcordButtonTest is firing', components: [buttonRow] },
    });
    const reply = await gateway.reply(sent.id);
    expect(reply).toMatchObject({ callbackType: 4, ephemeral: true });
    expect(reply.content).toContain('You may not create or expire silences');
    expect(await activeSilences()).toEqual(before);
  });

  it('explains a button whose alerts are no longer known', async () => {
    const row = silenceButtons('forgotten-ref');
    const first = row.components[0];
    const sent = gateway.sendInteraction({
      kind: 'button',
      customId: first && 'custom_id' in first ? first.custom_id : '',
      user: ALICE,
      roles: [SILENCER_ROLE],
      message: { content: 'old alert', components: [row] },
    });
    const reply = await gateway.reply(sent.id);
    expect(reply).toMatchObject({ callbackType: 4, ephemeral: true });
    expect(reply.content).toContain('no longer knows which alerts');
  });
});

describe('with Prometheus down', () => {
  let downDiscord: FakeDiscord;
  let downGateway: FakeGateway;
  let downBot: RunningBot;
  let silentPrometheus: Server;
  let deadPrometheus: string;
  const openSockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers, like a Prometheus stuck on a slow disk.
    silentPrometheus = createServer((socket) => {
      openSockets.add(socket);
      socket.on('close', () => openSockets.delete(socket));
    });
    await new Promise<void>((resolve) => silentPrometheus.listen(0, '127.0.0.1', resolve));
    deadPrometheus = `http://127.0.0.1:${(silentPrometheus.address() as AddressInfo).port}`;
    downDiscord = await startFakeDiscord();
    downGateway = attachFakeGateway(downDiscord, { token: TOKEN });
    const downConfig = botConfig({
      alertmanager: { url: alertmanagerProcess.url },
      prometheus: { url: deadPrometheus },
      bot: { enabled: true, token: TOKEN, application_id: downGateway.applicationId, guild_id: downGateway.guildId, api_base: downDiscord.apiBase },
    });
    // Scaled down from the defaults (defer after 2 s, Prometheus timeout 5 s) to keep the test quick.
    downBot = await startBot({
      config: downConfig,
      alertmanager,
      prometheus: new PrometheusClient({ baseUrl: deadPrometheus, timeoutMs: 1000 }),
      logger,
      deferAfterMs: 200,
    });
    await postAlerts(alertmanagerProcess.url, [{ labels: { alertname: 'AmcordWhilePrometheusDown', severity: 'critical' } }]);
    await waitUntil(async () => (await alertmanager.getAlerts({ filter: ['alertname="AmcordWhilePrometheusDown"'] })).length === 1, {
      timeoutMs: 10_000,
      description: 'the alert in Alertmanager',
    });
  });

  afterAll(async () => {
    await downBot?.stop();
    await downDiscord?.close();
    for (const socket of openSockets) socket.destroy();
    if (silentPrometheus?.listening) await new Promise((resolve) => silentPrometheus.close(resolve));
  });

  it('defers while Prometheus hangs, then names it and still shows the alerts', async () => {
    const sent = downGateway.sendInteraction({ kind: 'command', name: 'status' });
    const reply = await downGateway.reply(sent.id);
    expect(reply).toMatchObject({ callbackType: 5, deferred: true });
    const embed = reply.embeds[0];
    expect(embed?.title).toBe('⚠️ Status: incomplete');
    expect(embed?.description).toContain(`Prometheus is unavailable, so its part is missing: Prometheus at ${deadPrometheus} did not answer within 1 s`);
    expect(embed?.fields?.find((field) => field.name === 'Alerts')?.value).toContain('AmcordWhilePrometheusDown');
    expect(limitViolations({ embeds: reply.embeds })).toEqual([]);
  });

  it('offers no node choices instead of failing', async () => {
    const sent = downGateway.sendInteraction({ kind: 'autocomplete', name: 'status', options: { node: '' }, focused: 'node' });
    expect((await downGateway.reply(sent.id)).choices).toEqual([]);
  });

  it('names Prometheus as unreachable once nothing listens', async () => {
    for (const socket of openSockets) socket.destroy();
    await new Promise((resolve) => silentPrometheus.close(resolve));
    const sent = downGateway.sendInteraction({ kind: 'command', name: 'status', options: { node: nodeInstance } });
    const reply = await downGateway.reply(sent.id);
    expect(reply.content).toContain(`Could not show \`${nodeInstance}\`. Prometheus at ${deadPrometheus} is unreachable`);
  });

  it('silencing is off when no role or user is allowed, and says so', async () => {
    const sent = downGateway.sendInteraction({ kind: 'command', name: 'silence', options: { alertname: 'X' }, roles: [SILENCER_ROLE] });
    const reply = await downGateway.reply(sent.id);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('nobody is allowed yet');
  });
});
