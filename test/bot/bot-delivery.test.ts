import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient } from '../../src/alertmanager/api.js';
import { startFakeDiscord, type FakeDiscord, type StoredMessage } from '../support/fake-discord.js';
import { attachFakeGateway, type FakeGateway } from '../support/fake-discord-gateway.js';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { makeAlert, makePayload } from '../support/payloads.js';
import { startAlertmanager, waitUntil, type RunningProcess } from '../support/processes.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.delivery.token';
const CHANNEL = '456789012345678901';
const OPERATOR = { id: '567890123456789012', username: 'operator' };

/**
 * amcord delivering as the bot: alert messages in a channel carry silence buttons; a click
 * silences exactly that group in the real Alertmanager, and later edits keep saying so.
 */
describe('alerts delivered as the bot, with silence buttons', () => {
  let discord: FakeDiscord;
  let gateway: FakeGateway;
  let alertmanagerProcess: RunningProcess;
  let amcord: TestAmcord;

  beforeAll(async () => {
    alertmanagerProcess = await startAlertmanager({ config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] } });
    discord = await startFakeDiscord({ channelRateLimit: false });
    gateway = attachFakeGateway(discord, { token: TOKEN, channelId: CHANNEL });
    amcord = await startTestAmcord(
      { AMCORD_GROUPING_GROUP_WAIT: '0s', AMCORD_GROUPING_GROUP_INTERVAL: '1s' },
      `
alertmanager: { url: "${alertmanagerProcess.url}" }
bot:
  enabled: true
  token: "${TOKEN}"
  application_id: "${gateway.applicationId}"
  guild_id: "${gateway.guildId}"
  api_base: "${discord.apiBase}"
  channel_id: "${CHANNEL}"
  permissions: { silence_users: ["${OPERATOR.id}"] }
`,
    );
  });

  afterAll(async () => {
    await amcord?.close();
    await discord?.close();
    await alertmanagerProcess?.stop();
  });

  const disk = (instance: string, status: 'firing' | 'resolved') =>
    makeAlert({
      status,
      labels: { alertname: 'BotDiskSpaceLow', instance, severity: 'warning' },
      startsAt: '2026-01-01T00:00:00Z',
      ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
    });
  const post = async (alerts: ReturnType<typeof disk>[]) => {
    const response = await fetch(`${amcord.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makePayload(alerts, { groupLabels: { alertname: 'BotDiskSpaceLow' } })),
    });
    expect(response.status).toBe(200);
  };
  const channelMessages = () => discord.messages({ channelId: CHANNEL });
  const customIds = (message: StoredMessage | undefined) =>
    JSON.stringify(message?.components ?? []).match(/amcord:silence:\w+:\w+/g) ?? [];

  it('counts every command and the silence button from 0, before the first is used', async () => {
    const metrics = await (await fetch(`${amcord.url}/metrics`)).text();
    for (const command of ['status', 'alerts', 'silence', 'silences', 'unsilence', 'graph', 'silence-button']) {
      for (const outcome of ['answered', 'refused', 'failed']) {
        expect(metrics).toMatch(new RegExp(`^amcord_commands_total\\{command="${command}",outcome="${outcome}"\\} \\d+$`, 'm'));
      }
    }
    expect(metrics).toMatch(/^amcord_commands_total\{command="status",outcome="refused"\} 0$/m);
  });

  it('posts with buttons; a click silences the group in Alertmanager; edits keep the silence and drop the buttons once resolved', async () => {
    await post([disk('nas:9100', 'firing'), disk('pi:9100', 'firing')]);
    await waitUntil(() => channelMessages().length === 1, { timeoutMs: 15_000, description: 'the alert message in the channel' });
    const [posted] = channelMessages();
    expect(posted?.embeds[0]?.title).toBe('🟠 2 firing: BotDiskSpaceLow (warning)');
    const [oneHour] = customIds(posted);
    expect(oneHour).toMatch(/^amcord:silence:1h:[0-9a-f]{16}$/);

    const click = gateway.sendInteraction({
      kind: 'button',
      customId: oneHour ?? '',
      user: OPERATOR,
      message: { content: posted?.content ?? '', embeds: [], components: [] },
    });
    const reply = await gateway.reply(click.id);
    expect(reply.callbackType).toBe(7);
    expect(reply.content).toContain(`🔕 Silenced by <@${OPERATOR.id}> until`);

    const silences = await new AlertmanagerClient({ baseUrl: alertmanagerProcess.url }).getSilences();
    const active = silences.filter((silence) => silence.status.state === 'active');
    expect(active).toHaveLength(1);
    expect(active[0]?.matchers).toEqual([{ name: 'alertname', value: 'BotDiskSpaceLow', isRegex: false, isEqual: true }]);
    expect(active[0]?.createdBy).toContain(OPERATOR.id);
    const metrics = await (await fetch(`${amcord.url}/metrics`)).text();
    expect(metrics).toMatch(/^amcord_commands_total\{command="silence-button",outcome="answered"\} 1$/m);

    // One alert resolves: the living message is edited and still says who silenced it.
    await post([disk('nas:9100', 'resolved'), disk('pi:9100', 'firing')]);
    await waitUntil(() => (channelMessages()[0]?.edits ?? 0) >= 1, { timeoutMs: 15_000, description: 'the edit after a partial resolve' });
    const edited = channelMessages()[0];
    expect(edited?.content).toContain(`🔕 Silenced by <@${OPERATOR.id}> until`);
    expect(customIds(edited)).toEqual([]);
    expect(JSON.stringify(edited?.components)).toContain('Open the silence');

    // Everything resolved: green, and nothing left to silence.
    await post([disk('pi:9100', 'resolved')]);
    await waitUntil(() => channelMessages()[0]?.embeds[0]?.title?.startsWith('✅') === true, { timeoutMs: 15_000, description: 'the resolved edit' });
    expect(channelMessages()).toHaveLength(1);
    expect(channelMessages()[0]?.components).toEqual([]);
  });
});
