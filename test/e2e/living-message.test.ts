import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook, type StoredMessage } from '../support/fake-discord.js';
import { waitUntil } from '../support/processes.js';
import { postToAmcord, webhookPayload, type PayloadAlert } from './support-payloads.js';

const GROUP_WAIT_MS = 500;
const GROUP_INTERVAL_MS = 1_000;
const REPEAT_INTERVAL_MS = 3_000;
const GREEN = 0x2ecc71;

/**
 * One living message per group, through amcord's HTTP receiver, engine, outbox and Discord
 * client: the first notification posts, changes edit it, newly firing alerts and repeats post.
 */
describe('the living message of a group', () => {
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;

  beforeAll(async () => {
    // Generous limits: a throttled edit would stretch the gaps between steps past repeat_interval.
    discord = await startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1_000 }, channelRateLimit: false });
    webhook = discord.createWebhook();
    amcord = await startTestAmcord({
      AMCORD_DISCORD_WEBHOOK_URL: webhook.url,
      AMCORD_GROUPING_GROUP_WAIT: `${GROUP_WAIT_MS}ms`,
      AMCORD_GROUPING_GROUP_INTERVAL: `${GROUP_INTERVAL_MS}ms`,
      AMCORD_GROUPING_REPEAT_INTERVAL: `${REPEAT_INTERVAL_MS}ms`,
    });
  });

  afterAll(async () => {
    await amcord?.close();
    await discord?.close();
  });

  const messagesOf = (alertname: string): StoredMessage[] =>
    discord.messages({ webhookId: webhook.id }).filter((message) => message.embeds.some((embed) => embed.title?.includes(alertname)));
  const byId = (id: string | undefined): StoredMessage | undefined => discord.messages({ webhookId: webhook.id }).find((message) => message.id === id);
  const send = (alerts: PayloadAlert[]) => postToAmcord(amcord.url, webhookPayload(alerts));
  const until = (check: () => boolean, description: string) => waitUntil(check, { timeoutMs: 5_000, intervalMs: 20, description });

  it.concurrent('posts, edits on a partial resolve, posts a newly firing alert, and turns green when all resolve', async ({ expect }) => {
    const startsAt = new Date();
    const alert = (instance: string): PayloadAlert => ({
      labels: { alertname: 'LivingDisk', instance, severity: 'critical' },
      annotations: { summary: `Disk almost full on ${instance}` },
      startsAt,
    });
    const [a, b, c] = [alert('a:9100'), alert('b:9100'), alert('c:9100')];

    await send([a, b]);
    await until(() => messagesOf('LivingDisk').length === 1, 'the first notification');
    const [posted] = messagesOf('LivingDisk');
    expect(posted?.embeds[0]?.title).toBe('🔴 2 firing: LivingDisk (critical)');
    expect(posted?.edits).toBe(0);

    await send([{ ...b, endsAt: new Date() }]);
    await until(() => byId(posted?.id)?.edits === 1, 'the partial resolve to edit the message');
    const partly = byId(posted?.id);
    expect(messagesOf('LivingDisk')).toHaveLength(1);
    expect(partly?.embeds.map((embed) => embed.title)).toEqual(['🔴 Firing: LivingDisk on a:9100 (critical)', '✅ Resolved: LivingDisk on b:9100']);
    expect(partly?.embeds.at(-1)?.footer?.text).toMatch(/^1 firing · 1 resolved/);

    await send([c]);
    await until(() => messagesOf('LivingDisk').length === 2, 'the newly firing alert to post a new message');
    const [, reposted] = messagesOf('LivingDisk');
    expect(reposted?.id).not.toBe(posted?.id);
    expect(reposted?.embeds[0]?.title).toBe('🔴 2 firing: LivingDisk (critical)');
    expect(reposted?.edits).toBe(0);
    expect(byId(posted?.id)?.edits).toBe(1);

    const resolvedAt = new Date();
    await send([
      { ...a, endsAt: resolvedAt },
      { ...c, endsAt: resolvedAt },
    ]);
    await until(() => byId(reposted?.id)?.embeds[0]?.title?.startsWith('✅') === true, 'the living message to turn resolved');
    const green = byId(reposted?.id);
    expect(green?.embeds).toHaveLength(1);
    expect(green?.embeds[0]?.title).toBe('✅ 2 resolved: LivingDisk');
    expect(green?.embeds[0]?.color).toBe(GREEN);
    expect(green?.edits).toBe(1);
    // The newer message is the living one: the older one is left as it was.
    expect(byId(posted?.id)?.edits).toBe(1);
    expect(messagesOf('LivingDisk')).toHaveLength(2);
  });

  it.concurrent('posts again after repeat_interval while the group keeps firing', async ({ expect }) => {
    const postedAt = Date.now();
    await send([{ labels: { alertname: 'LivingRepeat', instance: 'db:9100', severity: 'warning' }, startsAt: new Date(postedAt) }]);
    await until(() => messagesOf('LivingRepeat').length === 1, 'the first notification');
    const [first] = messagesOf('LivingRepeat');

    await waitUntil(() => messagesOf('LivingRepeat').length > 1, {
      timeoutMs: REPEAT_INTERVAL_MS + 2 * GROUP_INTERVAL_MS + 5_000,
      intervalMs: 20,
      description: 'the repeat',
    });
    const [stillFirst, repeat, ...more] = messagesOf('LivingRepeat');
    expect(more).toEqual([]);
    expect(repeat?.id).not.toBe(first?.id);
    // The first flush comes group_wait after the alert arrived; the repeat comes repeat_interval after it.
    expect(repeat?.createdAt).toBeGreaterThanOrEqual(postedAt + GROUP_WAIT_MS + REPEAT_INTERVAL_MS);
    // A reminder says so, so nobody mistakes it for a new outage.
    expect(repeat?.embeds[0]?.title).toBe('🟠 Still firing: LivingRepeat on db:9100 (warning)');
    expect(stillFirst?.edits).toBe(0);
  });
});
