import { afterEach, describe, expect, it } from 'vitest';
import { attachFakeGateway } from '../support/fake-discord-gateway.js';
import { waitUntil } from '../support/processes.js';
import { errorText, startRig, TIMED_OUT_POST, type Rig } from './harness.js';

// discord.js strips a leading "Bot" from tokens, so this one must not start with it.
const BOT_TOKEN = 'faults-bot-token.not-a-secret.0123456789';
const APPLICATION_ID = '123456789012345678';
const GUILD_ID = '234567890123456789';
const CHANNEL_ID = '345678901234567890';

/**
 * Discord misbehaving in each way it can, with Alertmanager and amcord real: every accepted alert
 * still reaches Discord once, amcord stays up, and /healthz stays fast throughout.
 * (amcord here: request_timeout 1s, delivery_timeout 3s; the outbox retries after 5 s, 10 s, …)
 */
describe('Discord faults', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  const logged = (current: Rig, message: string, detail = '') =>
    waitUntil(() => current.amcord.logs.some((line) => line.msg === message && errorText(line).includes(detail)), {
      timeoutMs: 15_000,
      intervalMs: 50,
      description: `amcord to log "${message}" ${detail}`,
    });
  const pending = (current: Rig) => current.metric('amcord_outbox_depth{destination="default",state="pending"}');
  const posts = (current: Rig) => current.discord.requests.filter((request) => request.method === 'POST' && request.webhookId === current.webhook.id);

  it('hanging, then answering again: what queued meanwhile arrives once', async () => {
    rig = await startRig({ name: 'hang' });
    await rig.start();
    rig.discord.hangNext(1_000, { webhookId: rig.webhook.id });
    await rig.fire([...rig.alerts('HangFirst', 2), ...rig.alerts('HangSecond', 1)]);
    await logged(rig, 'delivery failed; will retry', 'timed out');
    expect(await pending(rig)).toBeGreaterThanOrEqual(1);
    await rig.fire(rig.alerts('HangWhileDown', 1));

    rig.discord.clearFaults();
    await rig.check();
    // Hung requests never created a message, so nothing needed the at-least-once allowance.
    expect(rig.discord.requests.filter((request) => request.hung).length).toBeGreaterThanOrEqual(1);
  });

  it('answering slower than request_timeout: a timed-out post may show twice (at least once), an edit is simply repeated', async () => {
    rig = await startRig({ name: 'slow' });
    await rig.start();
    rig.discord.slowNext(1, 2_500, { webhookId: rig.webhook.id });
    const [alert] = rig.alerts('SlowPost', 1);
    if (!alert) throw new Error('no alert');
    await rig.fire([alert]);
    const firing = await rig.check({ allow: [TIMED_OUT_POST] });
    // The late first copy landed after amcord gave up on it, and the retry posted it again.
    expect(firing.explained.map((entry) => entry.allowance)).toEqual([TIMED_OUT_POST.name]);

    const patchesBefore = rig.discord.requests.filter((request) => request.method === 'PATCH').length;
    rig.discord.slowNext(1, 2_500, { webhookId: rig.webhook.id });
    await rig.resolve([alert]);
    const resolved = await rig.check({ allow: [TIMED_OUT_POST] });
    expect(resolved.explained).toHaveLength(1);
    expect(rig.discord.requests.filter((request) => request.method === 'PATCH').length - patchesBefore).toBeGreaterThanOrEqual(2);
  });

  it('as the bot, answering slower than request_timeout: the retry carries the same nonce and finds the message, so it shows once', async () => {
    rig = await startRig({
      name: 'bot-slow',
      config: ({ discord }) => ({
        discord: { webhook_url: undefined },
        bot: { enabled: true, token: BOT_TOKEN, application_id: APPLICATION_ID, guild_id: GUILD_ID, api_base: discord.apiBase, channel_id: CHANNEL_ID },
      }),
    });
    const gateway = attachFakeGateway(rig.discord, { token: BOT_TOKEN, applicationId: APPLICATION_ID, guildId: GUILD_ID, channelId: CHANNEL_ID });
    await rig.start();
    await gateway.waitForReady(10_000);
    rig.discord.slowNext(1, 2_500, { channelId: CHANNEL_ID });
    const alerts = rig.alerts('BotSlowPost', 1);
    await rig.fire(alerts);
    await rig.check();
    const channelPosts = rig.discord.requests.filter((request) => request.method === 'POST' && request.path.endsWith(`/channels/${CHANNEL_ID}/messages`));
    expect(channelPosts.length).toBeGreaterThanOrEqual(2);
    await rig.resolve(alerts);
    await rig.check();
  });

  it('answering 200 without the message: not posted again, and the next notification of the group posts its state anew', async () => {
    rig = await startRig({ name: 'garbled' });
    await rig.start();
    rig.discord.garbleNext(1, { webhookId: rig.webhook.id });
    const [first, second] = rig.alerts('GarbledAnswer', 2);
    if (!first || !second) throw new Error('no alerts');
    await rig.fire([first, second]);
    await logged(rig, 'Discord did not confirm the message; it is not posted again');
    await rig.check();
    // amcord has no id to edit, so the resolution comes as a new message, showing something new.
    await rig.resolve([first]);
    await rig.check();
    expect(posts(rig)).toHaveLength(2);
  });

  it('a burst of 5xx (500, 502 with a proxy page, 503, 504): backed off, then delivered once', async () => {
    rig = await startRig({ name: '5xx' });
    await rig.start();
    const webhookId = rig.webhook.id;
    rig.discord.failNext(1, { status: 500, webhookId });
    rig.discord.failNext(1, { status: 502, webhookId, body: '<html><body>502 Bad Gateway</body></html>' });
    rig.discord.failNext(1, { status: 503, webhookId });
    rig.discord.failNext(1, { status: 504, webhookId });
    await rig.fire([...rig.alerts('BurstOne', 2), ...rig.alerts('BurstTwo', 1)]);
    await rig.check();
    expect(posts(rig).filter((request) => (request.status ?? 0) >= 500)).toHaveLength(4);
  });

  it('429 with Retry-After 3600: honoured without a single request more, while amcord keeps accepting and stays healthy', async () => {
    rig = await startRig({ name: '429' });
    await rig.start();
    rig.discord.rateLimitNext(1, 3_600, { webhookId: rig.webhook.id });
    await rig.fire(rig.alerts('LimitedFirst', 1));
    await logged(rig, 'delivery failed; will retry', 'rate limited past the delivery deadline');
    expect(posts(rig)).toHaveLength(1);

    // Ingest does not wait on Discord: webhooks are answered at once and queue up.
    await rig.fire(rig.alerts('LimitedSecond', 2));
    for (const group of ['LimitedDirectA', 'LimitedDirectB']) {
      const answer = await rig.postToAmcord(rig.alerts(group, 1));
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeLessThan(500);
    }
    // The outbox tries again after 5 s and finds the hour not over: still no request to Discord.
    await waitUntil(() => (rig?.amcord.logs.filter((line) => line.msg === 'delivery failed; will retry').length ?? 0) >= 2, {
      timeoutMs: 15_000,
      intervalMs: 50,
      description: 'the second attempt',
    });
    expect(posts(rig)).toHaveLength(1);
    await waitUntil(async () => (await pending(rig as Rig)) >= 4, { timeoutMs: 10_000, description: 'four groups waiting in the outbox' });

    // The wait lives in memory: stopping is prompt, and a new process asks Discord once more. The
    // limit is over by then, so everything queued is delivered, once.
    expect(await rig.stop()).toBeLessThan(5_000);
    await rig.start();
    await rig.check();
    expect(rig.discord.stats().totals.rateLimited).toBe(1);
  });

});
