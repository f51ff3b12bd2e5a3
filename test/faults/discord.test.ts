import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/processes.js';
import { errorText, startRig, TIMED_OUT_POST, type Rig } from './harness.js';

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

  const refusals = [
    { status: 401, body: { message: '401: Unauthorized', code: 0 }, logs: 'refused the token (401' },
    { status: 403, body: { message: 'Missing Permissions', code: 50013 }, logs: 'refused the token (403' },
    { status: 404, body: { message: 'Unknown Webhook', code: 10015 }, logs: 'not found (404 Unknown Webhook, code 10015)' },
  ];
  for (const refusal of refusals) {
    it(`${refusal.status} ${refusal.body.message}: the message stays queued, the log names the webhook and not its token, and it is delivered once allowed`, async () => {
      rig = await startRig({ name: String(refusal.status) });
      await rig.start();
      rig.discord.failNext(1, { status: refusal.status, body: refusal.body, webhookId: rig.webhook.id });
      await rig.fire(rig.alerts(`Refused${refusal.status}`, 2));
      await logged(rig, 'delivery failed; will retry', refusal.logs);
      expect(await pending(rig)).toBe(1);
      expect(rig.amcord.isAlive()).toBe(true);

      await rig.check();
      expect(rig.logText()).toContain(`webhook ${rig.webhook.id}`);
      expect(rig.logText()).not.toContain(rig.webhook.token);
    });
  }
});
