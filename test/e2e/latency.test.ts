import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook, type StoredMessage } from '../support/fake-discord.js';
import { postAlerts, startAlertmanager, waitUntil, type RunningProcess } from '../support/processes.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'alertmanager.yml');
const TOKEN = 'e2e-latency-bearer-token-19de';
const GROUP_WAIT_MS = 2_000;
const GROUP_INTERVAL_MS = 3_000;
/** What the whole path may add to amcord's own group_wait: Alertmanager, HTTP, Discord. */
const SLACK_MS = 2_000;

interface ExampleConfig {
  route: { receiver: string };
  receivers: Array<{
    name: string;
    webhook_configs?: Array<{ url?: string; http_config?: { authorization?: Record<string, unknown> } }>;
  }>;
}

/**
 * examples/alertmanager.yml as shipped, pointed at this amcord: only the receiver's URL changes,
 * and the token file becomes the token itself.
 */
function exampleConfigFor(amcordUrl: string): ExampleConfig {
  const config = parseYaml(readFileSync(EXAMPLE, 'utf8')) as ExampleConfig;
  const webhookConfig = config.receivers.find((receiver) => receiver.name === config.route.receiver)?.webhook_configs?.[0];
  const authorization = webhookConfig?.http_config?.authorization;
  if (!webhookConfig || !authorization) throw new Error(`${EXAMPLE} no longer routes to a webhook with an authorization header`);
  webhookConfig.url = `${amcordUrl}/alerts`;
  delete authorization.credentials_file;
  authorization.credentials = TOKEN;
  return config;
}

/**
 * Alertmanager configured as examples/alertmanager.yml recommends hands alerts over at once, so
 * amcord's group_wait is the only wait between an alert and its Discord message.
 */
describe('latency through the recommended Alertmanager configuration', () => {
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;
  let alertmanager: RunningProcess;

  beforeAll(async () => {
    discord = await startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1_000 } });
    webhook = discord.createWebhook();
    amcord = await startTestAmcord({
      AMCORD_DISCORD_WEBHOOK_URL: webhook.url,
      AMCORD_SERVER_AUTH_BEARER_TOKEN: TOKEN,
      AMCORD_GROUPING_GROUP_WAIT: `${GROUP_WAIT_MS}ms`,
      AMCORD_GROUPING_GROUP_INTERVAL: `${GROUP_INTERVAL_MS}ms`,
    });
    alertmanager = await startAlertmanager({ config: exampleConfigFor(amcord.url) as unknown as Record<string, unknown> });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await amcord?.close();
    await discord?.close();
  });

  const messagesOf = (alertname: string): StoredMessage[] =>
    discord.messages({ webhookId: webhook.id }).filter((message) => JSON.stringify(message.embeds).includes(alertname));

  it('posts a new alert within amcord group_wait + 2 s of Alertmanager receiving it', async () => {
    const postedAt = Date.now();
    await postAlerts(alertmanager.url, [{ labels: { alertname: 'LatencyFirst', instance: 'web-1:9100', severity: 'critical' } }]);
    await waitUntil(() => messagesOf('LatencyFirst').length > 0, {
      timeoutMs: GROUP_WAIT_MS + SLACK_MS + 5_000,
      intervalMs: 20,
      description: 'the first message',
    });
    const [message] = messagesOf('LatencyFirst');
    const latency = (message?.createdAt ?? Number.POSITIVE_INFINITY) - postedAt;
    expect(latency).toBeLessThanOrEqual(GROUP_WAIT_MS + SLACK_MS);
    // amcord's group_wait applies once, from when the alert reached it.
    expect(latency).toBeGreaterThanOrEqual(GROUP_WAIT_MS - 50);
    expect(message?.embeds[0]?.title).toBe('🔴 Firing: LatencyFirst on web-1:9100 (critical)');
  });

  it('holds a later alert of the same group until the next group_interval tick, then posts it as a new message', async () => {
    await postAlerts(alertmanager.url, [{ labels: { alertname: 'LatencyLater', instance: 'web-1:9100', severity: 'critical' } }]);
    await waitUntil(() => messagesOf('LatencyLater').length > 0, { timeoutMs: GROUP_WAIT_MS + SLACK_MS + 5_000, description: 'the first message' });
    const group = (amcord.dispatchers.get('default')?.snapshot() ?? []).find((candidate) => candidate.groupLabels.alertname === 'LatencyLater');
    expect(group?.hasFlushed).toBe(true);
    const nextTick = group?.nextFlushAt ?? Number.NaN;

    await postAlerts(alertmanager.url, [{ labels: { alertname: 'LatencyLater', instance: 'web-2:9100', severity: 'critical' } }]);
    // Alertmanager's group for web-2 is new (group_by '...', group_wait 0s): it forwards at once.
    const acceptedAt = () =>
      amcord.logs.lines
        .map((line) => JSON.parse(line) as { msg?: string; groupKey?: string; time?: number })
        .find((line) => line.msg === 'accepted' && line.groupKey?.includes('LatencyLater') === true && line.groupKey.includes('web-2:9100'))?.time;
    await waitUntil(() => acceptedAt() !== undefined, { timeoutMs: 5_000, intervalMs: 20, description: 'amcord to accept the second alert' });
    expect(acceptedAt()).toBeLessThan(nextTick);

    await waitUntil(() => messagesOf('LatencyLater').length > 1, { timeoutMs: GROUP_INTERVAL_MS + SLACK_MS + 5_000, description: 'the second message' });
    const [first, second, ...more] = messagesOf('LatencyLater');
    expect(more).toEqual([]);
    expect(second?.createdAt).toBeGreaterThanOrEqual(nextTick);
    expect(second?.createdAt).toBeLessThanOrEqual(nextTick + SLACK_MS);
    // A newly firing alert notifies people: a new message, the first one left as it was.
    expect(second?.id).not.toBe(first?.id);
    expect(first?.edits).toBe(0);
    expect(second?.embeds[0]?.title).toBe('🔴 2 firing: LatencyLater (critical)');
  });
});
