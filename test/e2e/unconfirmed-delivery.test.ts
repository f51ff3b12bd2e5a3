import { afterEach, describe, expect, it } from 'vitest';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { startFakeDiscord, type FakeDiscord, type StoredMessage } from '../support/fake-discord.js';
import { attachFakeGateway } from '../support/fake-discord-gateway.js';
import { waitUntil } from '../support/processes.js';
import { postToAmcord, webhookPayload, type PayloadAlert } from './support-payloads.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.unconfirmed.token';
const CHANNEL = '456789012345678902';
const GROUPING = { AMCORD_GROUPING_GROUP_WAIT: '0s', AMCORD_GROUPING_GROUP_INTERVAL: '1s' };

/**
 * Discord took a new message but amcord never learnt its id: the answer was a 200 with garbage,
 * or came after amcord stopped waiting. As the bot, amcord finds the message again through its
 * nonce and the group's resolve edits it; through a webhook, a confirmed post is not repeated and
 * an unanswered one is posted again (a duplicate is possible, a loss is not).
 */
describe('a post Discord did not confirm', () => {
  let discord: FakeDiscord | undefined;
  let amcord: TestAmcord | undefined;

  afterEach(async () => {
    await amcord?.close();
    await discord?.close();
    amcord = undefined;
    discord = undefined;
  });

  const alert = (alertname: string): PayloadAlert => ({
    labels: { alertname, instance: 'nas:9100', severity: 'critical' },
    annotations: { summary: `${alertname} on nas` },
    startsAt: new Date(Date.now() - 60_000),
  });
  const resolved = (firing: PayloadAlert): PayloadAlert => ({ ...firing, endsAt: new Date() });
  const until = (check: () => boolean, description: string) => waitUntil(check, { timeoutMs: 20_000, intervalMs: 20, description });
  const isResolved = (message: StoredMessage | undefined) => message?.embeds[0]?.title?.startsWith('✅') === true;
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`${amcord?.url ?? ''}/metrics`)).text();
    return Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  };

  async function startAsBot(env: Record<string, string> = {}): Promise<FakeDiscord> {
    const fake = await startFakeDiscord({ channelRateLimit: false });
    discord = fake;
    const gateway = attachFakeGateway(fake, { token: TOKEN, channelId: CHANNEL });
    amcord = await startTestAmcord(
      { ...GROUPING, ...env },
      `
bot:
  enabled: true
  token: "${TOKEN}"
  application_id: "${gateway.applicationId}"
  guild_id: "${gateway.guildId}"
  api_base: "${fake.apiBase}"
  channel_id: "${CHANNEL}"
`,
    );
    return fake;
  }

  const channelPosts = (fake: FakeDiscord) => fake.requests.filter((request) => request.method === 'POST' && request.path.endsWith(`/channels/${CHANNEL}/messages`));

  it('as the bot, answered 200 with garbage: the retry finds the same message and the resolve edits it', async () => {
    const fake = await startAsBot();
    fake.garbleNext(1, { channelId: CHANNEL });
    const firing = alert('UnconfirmedBotGarbage');
    await postToAmcord(amcord?.url ?? '', webhookPayload([firing]));
    await until(() => channelPosts(fake).length >= 2 && channelPosts(fake).every((request) => request.status === 200), 'the post and its retry');
    expect(fake.messages({ channelId: CHANNEL })).toHaveLength(1);
    const [posted] = fake.messages({ channelId: CHANNEL });
    // Both attempts carried the same nonce, so Discord answered the retry with the first message.
    const [first, retry] = channelPosts(fake).map((request) => request.body as { nonce?: string; enforce_nonce?: boolean });
    expect(first?.nonce).toMatch(/^[\w-]{25}$/);
    expect(retry).toMatchObject({ nonce: first?.nonce, enforce_nonce: true });

    await postToAmcord(amcord?.url ?? '', webhookPayload([resolved(firing)]));
    await until(() => isResolved(fake.messages({ channelId: CHANNEL })[0]), 'the resolve to edit the message');
    expect(fake.messages({ channelId: CHANNEL })).toHaveLength(1);
    expect(fake.messages({ channelId: CHANNEL })[0]?.id).toBe(posted?.id);
    expect(await metric('amcord_notifications_failed_total{destination="default",reason="unconfirmed"}')).toBe(1);
  });

  it('as the bot, with Discord creating the message only after amcord gave up: one message, and the resolve edits it', async () => {
    const fake = await startAsBot({ AMCORD_DISCORD_DELIVERY_TIMEOUT: '1s' });
    fake.slowNext(1, 2_000, { channelId: CHANNEL });
    const firing = alert('UnconfirmedBotSlow');
    await postToAmcord(amcord?.url ?? '', webhookPayload([firing]));
    await until(() => fake.messages({ channelId: CHANNEL }).length === 1 && channelPosts(fake).length >= 2, 'the late message and the retry');
    await postToAmcord(amcord?.url ?? '', webhookPayload([resolved(firing)]));
    await until(() => isResolved(fake.messages({ channelId: CHANNEL })[0]), 'the resolve to edit the message');
    expect(fake.messages({ channelId: CHANNEL })).toHaveLength(1);
  });

  it('through a webhook, answered 200 with garbage: not posted again; the resolve posts a new message', async () => {
    const fake = await startFakeDiscord({ channelRateLimit: false });
    discord = fake;
    const webhook = fake.createWebhook();
    amcord = await startTestAmcord({ ...GROUPING, AMCORD_DISCORD_WEBHOOK_URL: webhook.url });
    fake.garbleNext(1, { webhookId: webhook.id });
    const firing = alert('UnconfirmedWebhookGarbage');
    await postToAmcord(amcord.url, webhookPayload([firing]));
    await until(() => (amcord?.logs.entries('Discord did not confirm the message').length ?? 0) > 0, 'the unconfirmed post');

    await postToAmcord(amcord.url, webhookPayload([resolved(firing)]));
    await until(() => fake.messages({ webhookId: webhook.id }).length === 2, 'the resolve as a new message');
    const [red, green] = fake.messages({ webhookId: webhook.id });
    expect(red?.embeds[0]?.title).toContain('Firing');
    expect(isResolved(green)).toBe(true);
    const posts = fake.requests.filter((request) => request.method === 'POST' && request.webhookId === webhook.id);
    expect(posts).toHaveLength(2);
    expect(await metric('amcord_notifications_failed_total{destination="default",reason="unconfirmed"}')).toBe(1);
  });

  it('through a webhook, with Discord answering after the request timeout: posted again later, never lost', async () => {
    const fake = await startFakeDiscord({ channelRateLimit: false });
    discord = fake;
    const webhook = fake.createWebhook();
    amcord = await startTestAmcord({ ...GROUPING, AMCORD_DISCORD_WEBHOOK_URL: webhook.url, AMCORD_DISCORD_REQUEST_TIMEOUT: '500ms' });
    fake.slowNext(1, 1_500, { webhookId: webhook.id });
    await postToAmcord(amcord.url, webhookPayload([alert('UnconfirmedWebhookSlow')]));
    await until(() => (amcord?.logs.entries('delivery failed; will retry').length ?? 0) > 0, 'the timed-out post to go back to the outbox');
    // The first attempt got no answer in time; the outbox posts it again after its first wait
    // (5 s). The late first copy lands too: a duplicate, never a loss.
    await waitUntil(() => fake.messages({ webhookId: webhook.id }).length === 2, { timeoutMs: 20_000, intervalMs: 50, description: 'the late copy and the retry' });
    expect(fake.requests.filter((request) => request.method === 'POST' && request.webhookId === webhook.id)).toHaveLength(2);
    expect(await metric('amcord_notifications_sent_total{destination="default",kind="post"}')).toBe(1);
  });
});
