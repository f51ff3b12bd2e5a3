import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from '../support/fake-discord.js';
import { postAlerts, startAlertmanager, waitUntil, type RunningProcess } from '../support/processes.js';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';

/** The Watchdog route as examples/alertmanager.yml has it, with timers scaled to seconds. */
function alertmanagerConfig(amcordUrl: string) {
  return {
    route: {
      receiver: 'amcord',
      group_by: ['...'],
      group_wait: '0s',
      group_interval: '1s',
      repeat_interval: '500ms',
    },
    receivers: [{ name: 'amcord', webhook_configs: [{ url: `${amcordUrl}/alerts`, send_resolved: true }] }],
  };
}

const WATCHDOG = {
  labels: { alertname: 'Watchdog', severity: 'info' },
  annotations: { summary: 'The alerting pipeline works' },
  endsAt: new Date(Date.now() + 3_600_000),
};

describe("dead man's switch with real Alertmanager", () => {
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;
  let alertmanager: RunningProcess | undefined;

  beforeAll(async () => {
    discord = await startFakeDiscord();
    webhook = discord.createWebhook();
    amcord = await startTestAmcord({
      AMCORD_DISCORD_WEBHOOK_URL: webhook.url,
      AMCORD_WATCHDOG_ENABLED: 'true',
      AMCORD_WATCHDOG_TIMEOUT: '4s',
      AMCORD_GROUPING_GROUP_WAIT: '0s',
    });
  });

  afterAll(async () => {
    await alertmanager?.stop();
    await amcord?.close();
    await discord?.close();
  });

  const watchdogsReceived = async () => {
    const text = await (await fetch(`${amcord.url}/metrics`)).text();
    return Number(/^amcord_alerts_received_total\{status="firing"\} (\d+)$/m.exec(text)?.[1] ?? 0);
  };
  const messages = () => discord.messages({ webhookId: webhook.id });

  it('stays quiet while the Watchdog arrives, reports the outage when Alertmanager stops, and the recovery', async () => {
    alertmanager = await startAlertmanager({ config: alertmanagerConfig(amcord.url) });
    await postAlerts(alertmanager.url, [WATCHDOG]);
    // Six arrivals span more than the 4 s timeout: the switch must have stayed quiet through them.
    await waitUntil(async () => (await watchdogsReceived()) >= 6, { timeoutMs: 30_000, description: 'the Watchdog to keep arriving' });
    expect(messages()).toEqual([]);

    await alertmanager.stop();
    alertmanager = undefined;
    await waitUntil(() => messages().length === 1, { timeoutMs: 15_000, description: 'the "pipeline down" message' });
    const [down] = messages();
    expect(down?.embeds[0]?.title).toBe('🔴 Firing: AmcordMonitoringPipelineDown (critical)');
    expect(down?.embeds[0]?.description).toMatch(/^The monitoring pipeline is down\nNo Watchdog alert has reached amcord for 4s/);

    alertmanager = await startAlertmanager({ config: alertmanagerConfig(amcord.url) });
    await postAlerts(alertmanager.url, [WATCHDOG]);
    await waitUntil(() => messages()[0]?.embeds[0]?.title?.startsWith('✅') === true, {
      timeoutMs: 15_000,
      description: 'the message to say the pipeline is restored',
    });
    expect(messages()).toHaveLength(1);
    expect(messages()[0]?.embeds[0]?.title).toBe('✅ Resolved: AmcordMonitoringPipelineDown');
    expect(messages()[0]?.embeds[0]?.color).toBe(0x2ecc71);
  });
});
