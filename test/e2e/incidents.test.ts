import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { attachFakeGateway, type FakeGateway, type FakeUser } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord, type StoredMessage } from '../support/fake-discord.js';
import { freePort, postAlerts, waitUntil, type RunningProcess } from '../support/processes.js';
import { botConfigYaml, startAlertmanagerSendingTo, startBotRig, type BotRig } from './support-bot-rig.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.incidents.token';
const CHANNEL = '456789012345678902';
const ALICE: FakeUser = { id: '567890123456789013', username: 'alice' };
const BOB: FakeUser = { id: '567890123456789014', username: 'bob' };
const MALLORY: FakeUser = { id: '667890123456789015', username: 'mallory' };
const ONCALL = '767890123456789016';
const LEADS = '767890123456789017';
const EVERYONE_CRITICAL = '767890123456789018';

/** Escalation steps, scaled from minutes to seconds. */
const PAGING = [
  { after: '2s', roles: [ONCALL] },
  { after: '4s', roles: [ONCALL, LEADS] },
  { after: '6s', roles: [EVERYONE_CRITICAL] },
];
const SLOW = [
  { after: '2s', roles: [ONCALL] },
  { after: '7s', roles: [LEADS] },
];

const BOT_LINES = `  register_commands: true
  permissions: { silence_users: ["${ALICE.id}", "${BOB.id}"] }`;

const ROUTES = `
routes:
  - name: slow
    matchers: ['alertname=~"E2EResolved|E2ERestart"']
    escalation: ${JSON.stringify(SLOW)}
  - name: paging
    matchers: ['severity="critical"']
    escalation: ${JSON.stringify(PAGING)}
`;

const critical = (alertname: string) => ({ labels: { alertname, instance: 'db1:5432', severity: 'critical' }, annotations: { summary: `${alertname} on db1` } });

/**
 * Real Alertmanager -> amcord (delivering as the bot) -> fake Discord, and clicks through the
 * fake gateway: acknowledging, escalation steps firing on time and stopping on acknowledge,
 * silence and resolve, with the steps scaled to seconds.
 */
describe('incidents: acknowledge and escalation', () => {
  let rig: BotRig;
  let discord: FakeDiscord;
  let gateway: FakeGateway;
  let alertmanager: RunningProcess;
  let amcord: TestAmcord;

  beforeAll(async () => {
    rig = await startBotRig({ token: TOKEN, channelId: CHANNEL, botLines: BOT_LINES, rest: () => ROUTES });
    ({ discord, gateway, alertmanager, amcord } = rig);
  });

  afterAll(async () => {
    await rig?.close();
  });

  const channel = () => discord.messages({ channelId: CHANNEL });
  const living = (alertname: string): StoredMessage | undefined => channel().find((message) => !message.replyTo && JSON.stringify(message.embeds).includes(alertname));
  const pingsTo = (message: StoredMessage | undefined) => channel().filter((candidate) => message !== undefined && candidate.replyTo === message.id);
  const buttonId = (message: StoredMessage | undefined, prefix: string) => JSON.stringify(message?.components ?? []).match(new RegExp(`${prefix}[\\w:]+`))?.[0] ?? '';
  const click = async (message: StoredMessage | undefined, customId: string, user: FakeUser) =>
    gateway.reply(gateway.sendInteraction({ kind: 'button', customId, user, message: { content: message?.content ?? '', embeds: [], components: [] } }).id);
  const acknowledgedField = (message: StoredMessage | undefined) =>
    message?.embeds[0]?.fields?.find((field) => field.name === '👀 Acknowledged')?.value;
  const firstMessage = async (alertname: string) => {
    await postAlerts(alertmanager.url, [critical(alertname)]);
    await waitUntil(() => living(alertname) !== undefined, { timeoutMs: 15_000, description: `the message about ${alertname}` });
    return living(alertname);
  };
  const seconds = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('acknowledges for an allowed member only, shows who and since when through later edits, and never escalates', { timeout: 30_000 }, async () => {
    const posted = await firstMessage('E2EAck');
    const acknowledge = buttonId(posted, 'amcord:ack:');
    expect(acknowledge).toMatch(/^amcord:ack:[0-9a-f]{16}$/);
    expect(JSON.stringify(posted?.components)).toContain('"label":"Acknowledge"');

    const refused = await click(posted, acknowledge, MALLORY);
    expect(refused).toMatchObject({ callbackType: 4, ephemeral: true });
    expect(refused.content).toContain('You may not acknowledge alerts');
    expect(amcord.logs.entries('acknowledge refused: user not permitted').at(-1)).toMatchObject({ userId: MALLORY.id, action: 'button acknowledge' });

    const startedAt = Math.floor(Date.now() / 1000);
    const answered = await click(posted, acknowledge, ALICE);
    expect(answered).toMatchObject({ ephemeral: true });
    expect(answered.content).toContain('👀 You acknowledged **E2EAck**');
    await waitUntil(() => acknowledgedField(living('E2EAck')) !== undefined, { timeoutMs: 10_000, description: 'the edit showing the acknowledgement' });
    const edited = living('E2EAck');
    expect(edited?.id).toBe(posted?.id);
    const seconds0 = Number(/<t:(\d+):R>/.exec(acknowledgedField(edited) ?? '')?.[1]);
    expect(acknowledgedField(edited)).toBe(`<@${ALICE.id}> <t:${seconds0}:R>`);
    expect(seconds0).toBeGreaterThanOrEqual(startedAt - 1);
    expect(JSON.stringify(edited?.components)).toContain('"label":"Take over"');
    expect(amcord.logs.entries('alert group acknowledged from Discord').at(-1)).toMatchObject({ userId: ALICE.id, userName: 'alice', via: 'button' });

    // Bob takes it over; the edit says from whom.
    const takeover = await click(edited, acknowledge, BOB);
    expect(takeover.content).toContain(`taking over from <@${ALICE.id}>`);
    await waitUntil(() => acknowledgedField(living('E2EAck'))?.includes(`<@${BOB.id}>`) === true, { timeoutMs: 10_000, description: 'the takeover edit' });
    expect(acknowledgedField(living('E2EAck'))).toMatch(new RegExp(`^<@${BOB.id}> <t:\\d+:R>, taking over from <@${ALICE.id}>$`));

    // Past every step: nobody was pinged, and the acknowledgement did not silence anything.
    await seconds(7_000);
    expect(pingsTo(posted)).toEqual([]);
    expect(living('E2EAck')?.embeds[0]?.title).toContain('Firing: E2EAck');
    const metrics = await (await fetch(`${amcord.url}/metrics`)).text();
    expect(metrics).toMatch(/^amcord_acknowledgements_total\{kind="acknowledged"\} [1-9]/m);
    expect(metrics).toMatch(/^amcord_acknowledgements_total\{kind="taken_over"\} [1-9]/m);
    expect(metrics).toMatch(/^amcord_commands_total\{command="acknowledge-button",outcome="refused"\} 1$/m);
  });

  it('escalates step by step as replies to the living message, and stops once someone uses /ack', { timeout: 30_000 }, async () => {
    const posted = await firstMessage('E2EEscalate');
    const postedAt = Date.now();
    await waitUntil(() => pingsTo(posted).length === 2, { timeoutMs: 10_000, intervalMs: 50, description: 'two escalation steps' });
    const secondAt = Date.now();
    const [first, second] = pingsTo(posted);
    expect(first?.content).toBe(`⏰ <@&${ONCALL}> **E2EEscalate** is still firing, unacknowledged for 2s.`);
    expect(first?.mentionRoles).toEqual([ONCALL]);
    expect(second?.content).toMatch(new RegExp(`^⏰ <@&${ONCALL}> <@&${LEADS}> \\*\\*E2EEscalate\\*\\* is still firing, unacknowledged for 4s\\.$`));
    expect(second?.mentionRoles).toEqual([ONCALL, LEADS]);
    // On time: not before its step, and within the loop's second (plus delivery) after it.
    expect((second?.createdAt ?? 0) - (first?.createdAt ?? 0)).toBeGreaterThanOrEqual(1_500);
    expect(secondAt - postedAt).toBeLessThan(7_000);
    expect(JSON.stringify(second?.components)).toContain('amcord:ack:');

    const choices = (await gateway.reply(gateway.sendInteraction({ kind: 'autocomplete', name: 'ack', options: { group: 'escal' }, focused: 'group', user: ALICE }).id)).choices;
    expect(choices.map((choice) => choice.name)).toEqual(['E2EEscalate']);
    const acked = await gateway.reply(gateway.sendInteraction({ kind: 'command', name: 'ack', options: { group: String(choices[0]?.value) }, user: ALICE }).id);
    expect(acked.content).toContain('👀 You acknowledged **E2EEscalate**');
    expect(amcord.logs.entries('alert group acknowledged from Discord').at(-1)).toMatchObject({ userId: ALICE.id, via: '/ack' });
    await seconds(5_000);
    expect(pingsTo(posted)).toHaveLength(2);
    expect(acknowledgedField(living('E2EEscalate'))).toContain(`<@${ALICE.id}>`);
    const metrics = await (await fetch(`${amcord.url}/metrics`)).text();
    expect(metrics).toMatch(/^amcord_escalation_pings_total\{route="paging"\} [2-9]/m);
  });

  it('stops escalating once the group is silenced with its button', { timeout: 30_000 }, async () => {
    const posted = await firstMessage('E2ESilenced');
    const silence = await click(posted, buttonId(posted, 'amcord:silence:1h:'), ALICE);
    expect(silence.content).toContain('🔕 Silenced by');
    await seconds(7_000);
    expect(pingsTo(posted)).toEqual([]);
  });

  it('stops escalating once the group resolves, and the resolved message drops the buttons', { timeout: 30_000 }, async () => {
    const posted = await firstMessage('E2EResolved');
    await waitUntil(() => pingsTo(posted).length === 1, { timeoutMs: 10_000, description: 'the first escalation step' });
    await postAlerts(alertmanager.url, [{ ...critical('E2EResolved'), endsAt: new Date() }]);
    await waitUntil(() => living('E2EResolved')?.embeds[0]?.title?.startsWith('✅') === true, { timeoutMs: 15_000, description: 'the resolved edit' });
    expect(living('E2EResolved')?.components).toEqual([]);
    await seconds(7_000);
    expect(pingsTo(posted)).toHaveLength(1);
  });
});

describe('escalation across a restart', () => {
  let discord: FakeDiscord;
  let gateway: FakeGateway;
  let alertmanager: RunningProcess;
  let dataDir: string;
  const running: TestAmcord[] = [];

  beforeAll(async () => {
    discord = await startFakeDiscord({ channelRateLimit: false });
    gateway = attachFakeGateway(discord, { token: TOKEN, channelId: CHANNEL });
    dataDir = mkdtempSync(join(tmpdir(), 'amcord-e2e-incidents-'));
  });

  afterAll(async () => {
    await alertmanager?.stop();
    for (const amcord of running) await amcord.close();
    await discord?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('neither skips nor repeats a step when amcord restarts between steps', { timeout: 40_000 }, async () => {
    const port = await freePort();
    alertmanager = await startAlertmanagerSendingTo(port);
    const start = async () => {
      const amcord = await startTestAmcord({ AMCORD_SERVER_PORT: String(port), AMCORD_DATA_DIR: dataDir }, botConfigYaml({ alertmanagerUrl: alertmanager.url, discord, gateway, token: TOKEN, channelId: CHANNEL, botLines: BOT_LINES, rest: ROUTES }));
      running.push(amcord);
      return amcord;
    };
    const first = await start();
    await postAlerts(alertmanager.url, [critical('E2ERestart')]);
    const channel = () => discord.messages({ channelId: CHANNEL });
    await waitUntil(() => channel().length === 1, { timeoutMs: 15_000, description: 'the first message' });
    const [posted] = channel();
    const pings = () => channel().filter((message) => message.replyTo === posted?.id);
    await waitUntil(() => pings().length === 1, { timeoutMs: 10_000, description: 'the first step' });

    await first.close();
    running.splice(running.indexOf(first), 1);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await start();
    await waitUntil(() => pings().length === 2, { timeoutMs: 15_000, description: 'the second step after the restart' });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const [step1, step2] = pings();
    expect(pings()).toHaveLength(2);
    expect(step1?.mentionRoles).toEqual([ONCALL]);
    expect(step2?.mentionRoles).toEqual([LEADS]);
    expect(step2?.content).toMatch(/unacknowledged for [7-9]s\.$/);
    // The group's message is still the one living message: the restart did not post it again.
    expect(channel().filter((message) => !message.replyTo)).toHaveLength(1);
  });
});
