import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeDiscord } from '../support/fake-discord.js';
import { postAlerts, waitUntil, type RunningProcess } from '../support/processes.js';
import { startBotRig, type BotRig } from './support-bot-rig.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.texts.token';
const CHANNEL = '456789012345678903';
const INCIDENTS = '456789012345678911';
const ONCALL = '767890123456789019';

/**
 * A thread per incident in a text channel: real Alertmanager -> amcord -> the bot (through the
 * fake gateway) posting in a text channel of the fake Discord. The group's message stays in the
 * channel as the living summary and starts a thread named after the group; later notifications
 * edit the summary and are posted in the thread, which is archived once the group resolves.
 */
describe('a thread per incident in a text channel', () => {
  let rig: BotRig;
  let discord: FakeDiscord;
  let alertmanager: RunningProcess;

  beforeAll(async () => {
    rig = await startBotRig({
      token: TOKEN,
      channelId: CHANNEL,
      rest: () => `
destinations:
  incidents:
    channel_id: "${INCIDENTS}"
    threads: true
routes:
  - name: incidents
    matchers: ['alertname=~"E2EText.*"']
    destination: incidents
    escalation: [{ after: 2s, roles: ["${ONCALL}"] }]
`,
    });
    ({ discord, alertmanager } = rig);
  });

  afterAll(async () => {
    await rig?.close();
  });

  const alert = (alertname: string, instance: string, resolved = false) => ({
    labels: { alertname, instance, severity: 'critical' },
    annotations: { summary: `${alertname} on ${instance}` },
    ...(resolved ? { endsAt: new Date() } : {}),
  });
  const threadsNamed = (name: string) => discord.threads({ parentId: INCIDENTS }).filter((thread) => thread.name === name);
  const inChannel = () => discord.messages({ channelId: INCIDENTS });
  const summaryOf = (threadId: string | undefined) => inChannel().find((message) => message.id === threadId);
  const inThread = (threadId: string | undefined) => (threadId === undefined ? [] : discord.messages({ channelId: threadId }));
  const titlesIn = (threadId: string | undefined) => inThread(threadId).map((message) => message.embeds[0]?.title ?? '');

  it('starts a thread on the summary, edits the summary and posts updates in the thread, and archives it on resolve', { timeout: 40_000 }, async () => {
    await postAlerts(alertmanager.url, [alert('E2ETextDisk', 'nas:9100')]);
    await waitUntil(() => threadsNamed('E2ETextDisk').length === 1, { timeoutMs: 15_000, description: 'the thread' });
    const [thread] = threadsNamed('E2ETextDisk');
    const summary = summaryOf(thread?.id);
    expect(thread?.starterMessageId).toBe(summary?.id);
    expect(summary?.embeds[0]?.title).toContain('E2ETextDisk');
    expect(summary?.components.length).toBeGreaterThan(0);

    // The escalation ping replies to the summary in the channel, where it is seen.
    await waitUntil(() => inChannel().some((message) => message.content.includes('still firing')), { timeoutMs: 10_000, description: 'the ping in the channel' });
    const ping = inChannel().find((message) => message.content.includes('still firing'));
    expect(ping?.mentionRoles).toEqual([ONCALL]);
    expect(ping?.replyTo).toBe(summary?.id);

    // A second alert of the group: the summary is edited in place and the update goes in the thread.
    await postAlerts(alertmanager.url, [alert('E2ETextDisk', 'pi:9100')]);
    await waitUntil(() => titlesIn(thread?.id).some((title) => title.includes('2 firing')), { timeoutMs: 15_000, description: 'the update in the thread' });
    expect(summaryOf(thread?.id)?.embeds[0]?.title).toContain('2 firing');
    expect(inThread(thread?.id).every((message) => message.components.length === 0)).toBe(true);

    await postAlerts(alertmanager.url, [alert('E2ETextDisk', 'nas:9100', true), alert('E2ETextDisk', 'pi:9100', true)]);
    await waitUntil(() => threadsNamed('E2ETextDisk')[0]?.archived === true, { timeoutMs: 15_000, description: 'the thread archived' });
    expect(titlesIn(thread?.id).at(-1)).toMatch(/^✅/);
    expect(summaryOf(thread?.id)?.embeds[0]?.title).toMatch(/^✅/);
    expect(threadsNamed('E2ETextDisk')).toHaveLength(1);

    // Firing again later is a new incident: a new summary with a thread of its own.
    await postAlerts(alertmanager.url, [alert('E2ETextDisk', 'nas:9100')]);
    await waitUntil(() => threadsNamed('E2ETextDisk').length === 2, { timeoutMs: 15_000, description: 'a new thread for the new incident' });
    expect(summaryOf(threadsNamed('E2ETextDisk')[1]?.id)?.embeds[0]?.title).toContain('E2ETextDisk');
  });

  it('starts a new thread on the next notification when the group\'s thread was deleted', { timeout: 30_000 }, async () => {
    await postAlerts(alertmanager.url, [alert('E2ETextGone', 'a:9100')]);
    await waitUntil(() => threadsNamed('E2ETextGone').length === 1, { timeoutMs: 15_000, description: 'the thread' });
    const [thread] = threadsNamed('E2ETextGone');
    expect(discord.deleteThread(thread?.id ?? '')).toBe(true);
    await postAlerts(alertmanager.url, [alert('E2ETextGone', 'b:9100')]);
    await waitUntil(() => threadsNamed('E2ETextGone').length === 1 && inThread(thread?.id).length > 0, { timeoutMs: 15_000, description: 'a new thread after the deleted one' });
    expect(titlesIn(threadsNamed('E2ETextGone')[0]?.id)).toEqual([expect.stringContaining('2 firing')]);
    expect(summaryOf(threadsNamed('E2ETextGone')[0]?.id)?.embeds[0]?.title).toContain('2 firing');
  });
});
