import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from '../../test/support/fake-discord.js';
import { FakeTime } from '../../test/support/fake-time.js';
import { collectingGarbageUntil } from '../../test/support/garbage-collection.js';
import { DiscordDeliveryError, DiscordWebhookClient } from './webhook-client.js';
import { parseWebhookUrl, type WebhookTarget } from './webhook-url.js';

const logger = pino({ level: 'silent' });
const message = (n: number) => ({ embeds: [{ title: `message ${n}`, color: 0xe74c3c }] });

describe('DiscordWebhookClient against the fake Discord', () => {
  let discord: FakeDiscord;
  let time: FakeTime;
  let webhook: FakeWebhook;
  let target: WebhookTarget;
  let client: DiscordWebhookClient;

  beforeEach(async () => {
    time = new FakeTime();
    discord = await startFakeDiscord({ now: () => time.now(), rateLimit: { limit: 2, windowMs: 2000 }, channelRateLimit: false });
    webhook = discord.createWebhook();
    target = parseWebhookUrl(webhook.url);
    client = new DiscordWebhookClient({
      logger,
      requestTimeoutMs: 500,
      sleep: time.sleep,
      clock: time,
      random: () => 0.5,
      backoff: { initialMs: 1000, maxMs: 8000 },
    });
  });

  afterEach(() => discord.close());

  const deadline = (ms = 60_000) => ({ deadline: time.now() + ms });
  const posts = () => discord.requests.filter((request) => request.method === 'POST');

  it('sends a message with files as multipart: payload_json and files[n]', async () => {
    const data = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 7]);
    const sent = await client.execute(
      target,
      { embeds: [{ title: 'pictured', image: { url: 'attachment://graph.png' } }], attachments: [{ id: 0, filename: 'graph.png' }], files: [{ name: 'graph.png', contentType: 'image/png', data }] },
      deadline(),
    );
    const [stored] = discord.messages();
    expect(stored?.id).toBe(sent.id);
    expect([...(stored?.attachments[0]?.data ?? [])]).toEqual([...data]);
    expect(String(discord.requests[0]?.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(discord.requests[0]?.files?.map((file) => file.field)).toEqual(['files[0]']);
    expect(discord.requests[0]?.body).not.toHaveProperty('files');
  });

  it('posts a message and returns the id Discord gave it', async () => {
    const sent = await client.execute(target, message(1), deadline());
    const stored = discord.messages({ webhookId: webhook.id });
    expect(stored).toHaveLength(1);
    expect(sent.id).toBe(stored[0]?.id);
    expect(posts()[0]?.query.wait).toBe('true');
  });

  it('edits a message in place', async () => {
    const sent = await client.execute(target, message(1), deadline());
    await client.edit(target, sent.id, message(2), deadline());
    const [stored] = discord.messages({ webhookId: webhook.id });
    expect(stored?.embeds[0]?.title).toBe('message 2');
    expect(stored?.edits).toBe(1);
  });

  it('waits for the bucket to reset when the headers say it is empty, so no 429 is provoked', async () => {
    for (let n = 0; n < 5; n += 1) await client.execute(target, message(n), deadline());
    expect(discord.messages({ webhookId: webhook.id })).toHaveLength(5);
    expect(discord.stats().totals.rateLimited).toBe(0);
    expect(time.waits.length).toBeGreaterThanOrEqual(2);
  });

  it('waits Retry-After on a 429 and then delivers exactly once', async () => {
    discord.rateLimitNext(1, 3);
    await client.execute(target, message(1), deadline());
    expect(time.waits).toContain(3000);
    expect(posts().map((request) => request.status)).toEqual([429, 200]);
    expect(discord.messages({ webhookId: webhook.id })).toHaveLength(1);
  });

  it('backs off exponentially on 5xx and delivers when Discord recovers', async () => {
    discord.failNext(3, { status: 502 });
    await client.execute(target, message(1), deadline());
    // random() = 0.5 puts each wait at three quarters of 1 s, 2 s, 4 s.
    expect(time.waits).toEqual([750, 1500, 3000]);
    expect(discord.messages({ webhookId: webhook.id })).toHaveLength(1);
  });

  it('retries a request that timed out', async () => {
    // An edit: repeating it cannot show anything twice (a timed-out post is not repeated, below).
    const sent = await client.execute(target, message(1), deadline());
    discord.hangNext(1);
    const realTimeClient = new DiscordWebhookClient({ logger, requestTimeoutMs: 200, sleep: time.sleep, clock: time, backoff: { initialMs: 10, maxMs: 10 } });
    await realTimeClient.edit(target, sent.id, message(2), deadline());
    expect(discord.messages({ webhookId: webhook.id })).toHaveLength(1);
    expect(discord.messages({ webhookId: webhook.id })[0]?.embeds[0]?.title).toBe('message 2');
  });

  it('ends a request Discord never answers at its timeout, under garbage collection and with a shutdown signal', async () => {
    // Node 20 dropped an AbortSignal.timeout() combined with the shutdown signal through AbortSignal.any().
    discord.hangNext(1);
    const shutdown = new AbortController();
    const realTimeClient = new DiscordWebhookClient({ logger, requestTimeoutMs: 300, signal: shutdown.signal, sleep: time.sleep, clock: time });
    const started = performance.now();
    const error = await collectingGarbageUntil(realTimeClient.execute(target, message(1), deadline()).catch((caught: unknown) => caught));
    expect(performance.now() - started).toBeLessThan(3000);
    expect((error as DiscordDeliveryError).message).toContain('timed out');
  });

  it('hands a post that timed out back to the outbox instead of posting it again at once', async () => {
    discord.slowNext(1, 600);
    const realTimeClient = new DiscordWebhookClient({ logger, requestTimeoutMs: 200, sleep: time.sleep, clock: time, backoff: { initialMs: 10, maxMs: 10 } });
    const error = (await realTimeClient.execute(target, message(1), deadline()).catch((caught: unknown) => caught)) as DiscordDeliveryError;
    expect(error).toBeInstanceOf(DiscordDeliveryError);
    expect(error.failure).toBe('unavailable');
    expect(error.message).toContain('will be posted again later');
    // The slow Discord finishes the first post after the client gave up on it.
    await vi.waitFor(() => expect(discord.messages({ webhookId: webhook.id })).toHaveLength(1), { timeout: 3000, interval: 20 });
    expect(posts()).toHaveLength(1);
  });

  it('reports a 2xx answer without the message as unconfirmed and does not post again', async () => {
    discord.garbleNext(1);
    const error = (await client.execute(target, message(1), deadline()).catch((caught: unknown) => caught)) as DiscordDeliveryError;
    expect(error.failure).toBe('unconfirmed');
    expect(error.status).toBe(200);
    expect(discord.messages({ webhookId: webhook.id })).toHaveLength(1);
    expect(posts()).toHaveLength(1);
  });

  it('takes an edit answered 2xx with garbage as done: the message id is already known', async () => {
    const sent = await client.execute(target, message(1), deadline());
    discord.garbleNext(1);
    expect(await client.edit(target, sent.id, message(2), deadline())).toEqual({ id: sent.id });
  });

  it('gives up at the deadline with a retryable error when Discord stays down', async () => {
    discord.failNext(1000, { status: 503 });
    const error = await client.execute(target, message(1), deadline(20_000)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DiscordDeliveryError);
    expect((error as DiscordDeliveryError).retryable).toBe(true);
    expect(discord.messages()).toHaveLength(0);
  });

  it('stops at once when the webhook is gone, naming it without its token', async () => {
    discord.deleteWebhook(webhook.id);
    const error = (await client.execute(target, message(1), deadline()).catch((caught: unknown) => caught)) as DiscordDeliveryError;
    expect(error.failure).toBe('gone');
    expect(error.discordCode).toBe(10015);
    expect(error.message).toContain(webhook.id);
    expect(error.message).not.toContain(webhook.token);
    expect(posts()).toHaveLength(1);
  });

  it('reports Discord rejecting an oversized message without retrying', async () => {
    const oversized = { embeds: [{ title: 'x'.repeat(300) }] };
    const error = (await client.execute(target, oversized, deadline()).catch((caught: unknown) => caught)) as DiscordDeliveryError;
    expect(error.failure).toBe('rejected');
    expect(error.status).toBe(400);
    expect(error.message).toContain('50035');
    expect(posts()).toHaveLength(1);
  });
});
