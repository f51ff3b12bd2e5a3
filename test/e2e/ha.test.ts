import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from '../support/fake-discord.js';
import { postAlerts, startAlertmanager, waitUntil, type RunningProcess, type TestAlert } from '../support/processes.js';
import { waitUntilSettled } from './support-state.js';

const TOKEN = 'e2e-ha-bearer-token-7c21';
const GROUP_INTERVAL_MS = 1_000;

/** Webhook notifications this Alertmanager has delivered successfully so far, from its own metrics. */
async function deliveredWebhooks(alertmanager: RunningProcess): Promise<number> {
  const response = await fetch(`${alertmanager.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  const metric = (name: string): number => {
    const match = new RegExp(`^${name}\\{integration="webhook"\\} (\\S+)$`, 'm').exec(text);
    if (!match?.[1]) throw new Error(`Alertmanager exposes no ${name} for the webhook integration`);
    return Number(match[1]);
  };
  // The latency histogram is observed once a request has been answered, whatever the outcome.
  return metric('alertmanager_notification_latency_seconds_count') - metric('alertmanager_notification_requests_failed_total');
}

/**
 * Two Alertmanager replicas that do not gossip (so neither knows what the other sent), both
 * routing to the same amcord, as an HA pair looks to a receiver that cannot dedup: amcord must.
 */
describe('an Alertmanager HA pair sending the same alert', () => {
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;
  let replicas: RunningProcess[] = [];

  beforeAll(async () => {
    discord = await startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1_000 } });
    webhook = discord.createWebhook();
    amcord = await startTestAmcord({
      AMCORD_DISCORD_WEBHOOK_URL: webhook.url,
      AMCORD_SERVER_AUTH_BEARER_TOKEN: TOKEN,
      AMCORD_GROUPING_GROUP_WAIT: '1s',
      AMCORD_GROUPING_GROUP_INTERVAL: `${GROUP_INTERVAL_MS}ms`,
    });
    const config = {
      route: { receiver: 'amcord', group_by: ['...'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'amcord',
          webhook_configs: [
            { url: `${amcord.url}/alerts`, send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: TOKEN } } },
          ],
        },
      ],
    };
    replicas = await Promise.all([startAlertmanager({ config }), startAlertmanager({ config })]);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await amcord?.close();
    await discord?.close();
  });

  const messagesAbout = (alertname: string) =>
    discord.messages({ webhookId: webhook.id }).filter((message) => message.embeds.some((embed) => embed.title?.includes(`: ${alertname} on `)));

  /** Posts to both replicas and waits until each has handed its notification to amcord. */
  async function sendToBoth(alert: TestAlert): Promise<number> {
    const before = await Promise.all(replicas.map(deliveredWebhooks));
    await Promise.all(replicas.map((replica) => postAlerts(replica.url, [alert])));
    const expected = before.map((count) => count + 1);
    await waitUntil(async () => (await Promise.all(replicas.map(deliveredWebhooks))).every((count, index) => count >= (expected[index] ?? 0)), {
      timeoutMs: 10_000,
      description: 'both replicas to deliver their webhook to amcord',
    });
    const handedOver = Date.now();
    // One webhook from each: amcord gets the same alert twice, once per replica.
    expect(await Promise.all(replicas.map(deliveredWebhooks))).toEqual(expected);
    return handedOver;
  }

  for (const [title, alertname, startedAgoMs] of [
    ['a fresh alert, both copies arriving within group_wait', 'HAFreshDiskFull', 0],
    ['an alert that started long ago, whose group flushes on the first copy', 'HAOldDiskFull', 10 * 60_000],
  ] as const) {
    it(`${title}: one message, edited once to resolved`, async () => {
      const alert = {
        labels: { alertname, instance: 'nas:9100', severity: 'critical' },
        annotations: { summary: 'Disk almost full on nas' },
        startsAt: new Date(Date.now() - startedAgoMs).toISOString(),
      };
      const bothFired = await sendToBoth(alert);
      await waitUntilSettled(amcord, { alertname, since: bothFired, groupIntervalMs: GROUP_INTERVAL_MS, timeoutMs: 10_000 });
      const [firing, ...extraFiring] = messagesAbout(alertname);
      expect(extraFiring).toEqual([]);
      expect(firing?.embeds[0]?.title).toBe(`🔴 Firing: ${alertname} on nas:9100 (critical)`);
      expect(firing?.edits).toBe(0);

      const bothResolved = await sendToBoth({ ...alert, endsAt: new Date().toISOString() });
      await waitUntilSettled(amcord, { alertname, since: bothResolved, groupIntervalMs: GROUP_INTERVAL_MS, timeoutMs: 10_000 });
      const [resolved, ...extraResolved] = messagesAbout(alertname);
      expect(extraResolved).toEqual([]);
      expect(resolved?.id).toBe(firing?.id);
      expect(resolved?.edits).toBe(1);
      expect(resolved?.embeds[0]?.title).toBe(`✅ Resolved: ${alertname} on nas:9100`);
      expect(resolved?.embeds[0]?.color).toBe(0x2ecc71);
    });
  }
});
