import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAmcord } from '../support/amcord.js';
import type { FakeGateway, FakeUser } from '../support/fake-discord-gateway.js';
import type { FakeDiscord } from '../support/fake-discord.js';
import { postAlerts, waitUntil, type RunningProcess } from '../support/processes.js';
import { startBotRig, type BotRig } from './support-bot-rig.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.subscriptions.token';
const CHANNEL = '456789012345678903';
const ALICE: FakeUser = { id: '567890123456789021', username: 'alice' };
const CAROL: FakeUser = { id: '567890123456789022', username: 'carol' };

/** The bot lets Alice silence: the DM buttons check the same permissions as the channel's. */
const BOT_LINES = `  register_commands: true
  permissions: { silence_users: ["${ALICE.id}"] }`;

const alert = (alertname: string, severity: string) => ({ labels: { alertname, instance: 'db1:5432', severity }, annotations: { summary: `${alertname} on db1` } });

/**
 * Real Alertmanager -> amcord (as the bot) -> fake Discord, with /subscribe driven through the
 * fake gateway: a DM for a new critical group, with its buttons, none for a warning, none after
 * /unsubscribe, and a member who takes no DMs dropped after one refusal.
 */
describe('subscriptions: DMs of new firing groups', () => {
  let rig: BotRig;
  let discord: FakeDiscord;
  let gateway: FakeGateway;
  let alertmanager: RunningProcess;
  let amcord: TestAmcord;

  beforeAll(async () => {
    rig = await startBotRig({ token: TOKEN, channelId: CHANNEL, botLines: BOT_LINES });
    ({ discord, gateway, alertmanager, amcord } = rig);
  });

  afterAll(async () => {
    await rig?.close();
  });

  const command = (name: string, user: FakeUser, options: Record<string, string> = {}) => gateway.reply(gateway.sendInteraction({ kind: 'command', name, user, options }).id);
  const inChannel = (alertname: string) => discord.messages({ channelId: CHANNEL }).some((message) => JSON.stringify(message.embeds).includes(alertname));
  const dmsAbout = (user: FakeUser, alertname: string) => discord.directMessages(user.id).filter((message) => JSON.stringify(message.embeds).includes(alertname));
  const fire = async (alertname: string, severity: string) => {
    await postAlerts(alertmanager.url, [alert(alertname, severity)]);
    await waitUntil(() => inChannel(alertname), { timeoutMs: 15_000, description: `the channel message about ${alertname}` });
  };
  /** The notifier looks every second: a few seconds after the channel message, a DM would be there. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 3_000));

  it('DMs a subscriber a new critical group with its buttons, not a warning, and nothing after /unsubscribe', { timeout: 60_000 }, async () => {
    const subscribed = await command('subscribe', ALICE);
    expect(subscribed).toMatchObject({ ephemeral: true });
    expect(subscribed.content).toContain('{severity="critical"}');
    expect((await command('subscriptions', ALICE)).content).toContain('`{severity="critical"}`');

    await fire('E2ESubCritical', 'critical');
    await waitUntil(() => dmsAbout(ALICE, 'E2ESubCritical').length > 0, { timeoutMs: 10_000, description: 'the DM about E2ESubCritical' });
    const [dm] = dmsAbout(ALICE, 'E2ESubCritical');
    expect(JSON.stringify(dm?.components)).toContain('"label":"Acknowledge"');
    expect(JSON.stringify(dm?.components)).toContain('amcord:ack:');

    await fire('E2ESubWarning', 'warning');
    await settle();
    expect(dmsAbout(ALICE, 'E2ESubWarning')).toEqual([]);
    // One DM per new group: the critical one was not sent again meanwhile.
    expect(dmsAbout(ALICE, 'E2ESubCritical')).toHaveLength(1);

    const unsubscribed = await command('unsubscribe', ALICE);
    expect(unsubscribed.content).toContain('Unsubscribed');
    expect((await command('subscriptions', ALICE)).content).toContain('You have no subscriptions');
    await fire('E2ESubAfter', 'critical');
    await settle();
    expect(dmsAbout(ALICE, 'E2ESubAfter')).toEqual([]);

    const metrics = await (await fetch(`${amcord.url}/metrics`)).text();
    expect(metrics).toMatch(/amcord_direct_messages_total\{outcome="sent"\} 1\b/);
  });

  it('drops a member who takes no DMs after the first refusal, with a log line', { timeout: 60_000 }, async () => {
    discord.refuseDirectMessages(CAROL.id);
    await command('subscribe', CAROL, { matchers: 'alertname=~"E2ESubRefused.*"' });
    await fire('E2ESubRefused1', 'warning');
    await waitUntil(() => amcord.logs.entries('Discord refuses DMs to this member (they left or block DMs): their subscriptions are dropped').length > 0, {
      timeoutMs: 15_000,
      description: 'the log line dropping carol',
    });
    expect(amcord.logs.entries('Discord refuses DMs to this member (they left or block DMs): their subscriptions are dropped').at(-1)).toMatchObject({ userId: CAROL.id, removed: 1 });
    expect((await command('subscriptions', CAROL)).content).toContain('You have no subscriptions');

    const attempts = () => discord.requests.filter((request) => request.method === 'POST' && request.path.endsWith(`/channels/${discord.directMessageChannel(CAROL.id) ?? 'none'}/messages`)).length;
    const tried = attempts();
    await fire('E2ESubRefused2', 'warning');
    await settle();
    expect(attempts()).toBe(tried);
    expect(await (await fetch(`${amcord.url}/metrics`)).text()).toMatch(/amcord_direct_messages_total\{outcome="refused"\} 1\b/);
  });
});
