import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from '../support/fake-discord.js';
import { postAlerts, startAlertmanager, waitUntil, type RunningProcess } from '../support/processes.js';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';

const TOKEN = 'e2e-bearer-token-4f9a';

/**
 * Real Alertmanager 0.25 -> amcord -> fake Discord, with Alertmanager routing as
 * examples/alertmanager.yml recommends (amcord groups) and timers scaled to seconds.
 */
describe('Alertmanager to Discord through amcord', () => {
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;
  let alertmanager: RunningProcess;

  beforeAll(async () => {
    discord = await startFakeDiscord();
    webhook = discord.createWebhook();
    amcord = await startTestAmcord({
      AMCORD_DISCORD_WEBHOOK_URL: webhook.url,
      AMCORD_SERVER_AUTH_BEARER_TOKEN: TOKEN,
      AMCORD_GROUPING_GROUP_WAIT: '1s',
      AMCORD_GROUPING_GROUP_INTERVAL: '1s',
    });
    alertmanager = await startAlertmanager({
      config: {
        route: { receiver: 'amcord', group_by: ['...'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
        receivers: [
          {
            name: 'amcord',
            webhook_configs: [
              {
                url: `${amcord.url}/alerts`,
                send_resolved: true,
                http_config: { authorization: { type: 'Bearer', credentials: TOKEN } },
              },
            ],
          },
        ],
      },
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await amcord?.close();
    await discord?.close();
  });

  afterEach(() => discord.clearFaults());

  const messagesAbout = (alertname: string) =>
    discord.messages({ webhookId: webhook.id }).filter((message) => JSON.stringify(message.embeds).includes(alertname));

  it('posts a firing alert as a rich embed, then turns that same message green when it resolves', async () => {
    const alert = {
      labels: { alertname: 'E2EHighCPU', instance: 'gateway:9100', severity: 'critical' },
      annotations: { summary: 'CPU busy on gateway', description: 'CPU at 97%' },
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=cpu',
    };
    await postAlerts(alertmanager.url, [alert]);
    await waitUntil(() => messagesAbout('E2EHighCPU').length === 1, { timeoutMs: 20_000, description: 'the firing message' });
    const [firing] = messagesAbout('E2EHighCPU');
    expect(firing?.embeds[0]?.title).toBe('🔴 Firing: E2EHighCPU on gateway:9100 (critical)');
    expect(firing?.embeds[0]?.color).toBe(0xe74c3c);
    expect(firing?.embeds[0]?.description).toBe('CPU busy on gateway\nCPU at 97%');
    expect(firing?.embeds[0]?.url).toBe(alert.generatorURL);

    await postAlerts(alertmanager.url, [{ ...alert, endsAt: new Date() }]);
    await waitUntil(() => messagesAbout('E2EHighCPU')[0]?.embeds[0]?.title?.startsWith('✅') === true, {
      timeoutMs: 20_000,
      description: 'the message to turn resolved',
    });
    const [living] = messagesAbout('E2EHighCPU');
    expect(messagesAbout('E2EHighCPU')).toHaveLength(1);
    expect(living?.id).toBe(firing?.id);
    expect(living?.embeds[0]?.title).toBe('✅ Resolved: E2EHighCPU on gateway:9100');
    expect(living?.embeds[0]?.color).toBe(0x2ecc71);
  });

  it('gets a notification through Discord server errors, retrying until Discord recovers', async () => {
    const failedBefore = discord.requests.filter((request) => request.status === 500).length;
    discord.failNext(2, { status: 500, webhookId: webhook.id });
    await postAlerts(alertmanager.url, [{ labels: { alertname: 'E2EDiscordDown', instance: 'nas:9100', severity: 'warning' } }]);
    await waitUntil(() => messagesAbout('E2EDiscordDown').length === 1, { timeoutMs: 30_000, description: 'delivery after the outage' });
    expect(discord.requests.filter((request) => request.status === 500).length - failedBefore).toBe(2);
    expect(messagesAbout('E2EDiscordDown')).toHaveLength(1);
  });

  it('waits out a 429 and delivers the message once', async () => {
    const before = discord.stats().totals.rateLimited;
    discord.rateLimitNext(1, 1, { webhookId: webhook.id });
    await postAlerts(alertmanager.url, [{ labels: { alertname: 'E2ERateLimited', instance: 'pi:9100', severity: 'info' } }]);
    await waitUntil(() => messagesAbout('E2ERateLimited').length === 1, { timeoutMs: 20_000, description: 'the rate-limited message' });
    expect(discord.stats().totals.rateLimited).toBe(before + 1);
    expect(messagesAbout('E2ERateLimited')).toHaveLength(1);
  });

  it('counts what happened on /metrics, without secrets', async () => {
    const text = await (await fetch(`${amcord.url}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('amcord_notifications_sent_total{destination="default",kind="post"}')).toBeGreaterThanOrEqual(3);
    expect(value('amcord_notifications_sent_total{destination="default",kind="edit"}')).toBeGreaterThanOrEqual(1);
    expect(value('amcord_notifications_failed_total{destination="default",reason="unavailable"}')).toBe(0);
    expect(value('amcord_discord_rate_limited_total{scope="user"}')).toBeGreaterThanOrEqual(1);
    expect(value('amcord_webhooks_received_total{outcome="accepted"}')).toBeGreaterThanOrEqual(4);
    expect(value('amcord_alerts_received_total{status="resolved"}')).toBeGreaterThanOrEqual(1);
    expect(value('amcord_outbox_depth{destination="default",state="pending"}')).toBe(0);
    expect(text).toMatch(/^amcord_discord_request_duration_seconds_bucket\{le="0.05",method="POST",status="500"\} \d+$/m);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).not.toContain(webhook.token);
    expect(text).not.toContain(TOKEN);
  });

  it('keeps a message whose webhook was deleted, and says so in the logs without the token', async () => {
    discord.deleteWebhook(webhook.id);
    await postAlerts(alertmanager.url, [{ labels: { alertname: 'E2EWebhookGone', instance: 'nas:9100', severity: 'critical' } }]);
    await waitUntil(() => amcord.logs.text.includes(`webhook ${webhook.id}: not found (404 Unknown Webhook, code 10015)`), {
      timeoutMs: 20_000,
      description: 'the failed delivery to be logged',
    });
    const text = await (await fetch(`${amcord.url}/metrics`)).text();
    expect(text).toMatch(/^amcord_outbox_depth\{destination="default",state="pending"\} 1$/m);
    expect(text).toMatch(/^amcord_notifications_failed_total\{destination="default",reason="gone"\} [1-9]/m);
  });

  it('never logs the webhook token or the bearer token', () => {
    expect(amcord.logs.lines.length).toBeGreaterThan(0);
    expect(amcord.logs.text).toContain(webhook.id);
    expect(amcord.logs.text).not.toContain(webhook.token);
    expect(amcord.logs.text).not.toContain(TOKEN);
  });
});
