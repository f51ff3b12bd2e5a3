import { afterEach, describe, expect, it } from 'vitest';
import { attachFakeGateway, type FakeGateway } from '../support/fake-discord-gateway.js';
import { startHangingServer, startRig, type HangingServer, type Rig } from './harness.js';

// discord.js strips a leading "Bot" from tokens, so this one must not start with it.
const TOKEN = 'faults-bot-token.not-a-secret.0123456789';
const APPLICATION_ID = '123456789012345678';
const GUILD_ID = '234567890123456789';
/** Discord forgets an interaction that is not acknowledged within this. */
const DISCORD_ACK_MS = 3_000;

/**
 * Prometheus or Alertmanager accepting connections and never answering, behind the bot of a real
 * amcord process, with their request_timeout at its default (5 s, longer than Discord waits):
 * the bot acknowledges within Discord's 3 s, then says which service did not answer, while alerts
 * keep flowing from the real Alertmanager to the webhook.
 */
describe('Prometheus and Alertmanager hanging behind the bot', () => {
  let rig: Rig | undefined;
  let hanging: HangingServer | undefined;
  afterEach(async () => {
    await rig?.close();
    await hanging?.close();
    rig = undefined;
    hanging = undefined;
  });

  const bot = { enabled: true, token: TOKEN, application_id: APPLICATION_ID, guild_id: GUILD_ID };

  async function startWithBot(services: (alertmanagerUrl: string, hangingUrl: string) => Record<string, Record<string, unknown>>): Promise<{ rig: Rig; gateway: FakeGateway; hangingUrl: string }> {
    const silent = await startHangingServer();
    hanging = silent;
    const started = await startRig({
      name: 'upstream',
      config: ({ discord, alertmanager }) => ({ bot: { ...bot, api_base: discord.apiBase }, ...services(alertmanager?.url ?? '', silent.url) }),
    });
    rig = started;
    const gateway = attachFakeGateway(started.discord, { token: TOKEN, applicationId: APPLICATION_ID, guildId: GUILD_ID });
    await started.start();
    await gateway.waitForReady(10_000);
    return { rig: started, gateway, hangingUrl: silent.url };
  }

  /** Sends the command; resolves with how long the acknowledgement took and the answer people finally see. */
  async function ask(gateway: FakeGateway, name: string) {
    const started = performance.now();
    const sent = gateway.sendInteraction({ kind: 'command', name });
    const callbackType = await gateway.acknowledged(sent.id, 10_000);
    const acknowledgedMs = performance.now() - started;
    const reply = await gateway.reply(sent.id, { timeoutMs: 15_000, until: (answer) => answer.embeds.length > 0 || answer.content !== '' });
    return { callbackType, acknowledgedMs, reply };
  }

  it('Prometheus hanging: /status is deferred within 3 s, then names Prometheus and still shows the alerts', { timeout: 60_000 }, async () => {
    const { rig: current, gateway, hangingUrl } = await startWithBot((alertmanagerUrl, hangingUrl) => ({
      prometheus: { url: hangingUrl },
      alertmanager: { url: alertmanagerUrl },
    }));
    const alerts = current.alerts('UpstreamPromHang', 1);
    await current.fire(alerts);

    const status = await ask(gateway, 'status');
    expect(status.acknowledgedMs).toBeLessThan(DISCORD_ACK_MS);
    expect(status.callbackType).toBe(5);
    const embed = status.reply.embeds[0];
    expect(embed?.title).toBe('⚠️ Status: incomplete');
    expect(embed?.description).toContain(`Prometheus is unavailable, so its part is missing: Prometheus at ${hangingUrl} did not answer within 5 s`);
    expect(embed?.fields?.find((field) => field.name === 'Alerts')?.value).toContain('UpstreamPromHang');

    await current.check();
    expect(current.logText()).not.toContain(TOKEN);
  });

  it('Alertmanager hanging: /silences and /status are deferred within 3 s, then name Alertmanager', { timeout: 60_000 }, async () => {
    const { rig: current, gateway, hangingUrl } = await startWithBot((_alertmanagerUrl, hangingUrl) => ({
      alertmanager: { url: hangingUrl },
      // Nothing listens here: Prometheus is refused at once, so only Alertmanager keeps /status waiting.
      prometheus: { url: 'http://127.0.0.1:9' },
    }));
    await current.fire(current.alerts('UpstreamAmHang', 1));

    const [silences, status] = await Promise.all([ask(gateway, 'silences'), ask(gateway, 'status')]);
    for (const answer of [silences, status]) {
      expect(answer.acknowledgedMs).toBeLessThan(DISCORD_ACK_MS);
      expect(answer.callbackType).toBe(5);
    }
    expect(silences.reply.content).toBe(`⚠️ Could not list silences. Alertmanager at ${hangingUrl} did not answer within 5 s (GET /api/v2/silences).`);
    expect(status.reply.embeds[0]?.description).toContain(`Alertmanager is unavailable, so its part is missing: Alertmanager at ${hangingUrl} did not answer within 5 s`);

    await current.check();
    expect(current.logText()).not.toContain(TOKEN);
  });
});
