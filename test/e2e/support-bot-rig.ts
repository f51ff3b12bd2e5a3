/**
 * The rig the bot's end-to-end tests share: a real Alertmanager sending to amcord, amcord
 * delivering as the bot, and the fake Discord with its fake gateway to click and type through.
 */
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { attachFakeGateway, type FakeGateway } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions } from '../support/fake-discord.js';
import { freePort, startAlertmanager, type RunningProcess } from '../support/processes.js';

/** One webhook per alert and a second's group_interval, so every test's alert reaches amcord at once. */
export function startAlertmanagerSendingTo(amcordPort: number): Promise<RunningProcess> {
  return startAlertmanager({
    config: {
      route: { receiver: 'amcord', group_by: ['...'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [{ name: 'amcord', webhook_configs: [{ url: `http://127.0.0.1:${amcordPort}/alerts`, send_resolved: true }] }],
    },
  });
}

export interface BotConfigParts {
  alertmanagerUrl: string;
  discord: FakeDiscord;
  gateway: FakeGateway;
  token: string;
  channelId: string;
  /** More lines of the `bot:` block, each indented by two spaces (register_commands, permissions). */
  botLines?: string;
  /** The rest of the file: destinations and routes. */
  rest?: string;
}

/** amcord's YAML for the bot against the fake Discord, grouping by alert name with no waiting. */
export function botConfigYaml(parts: BotConfigParts): string {
  return `
alertmanager: { url: "${parts.alertmanagerUrl}" }
grouping: { group_by: [alertname], group_wait: 0s, group_interval: 1s }
bot:
  enabled: true
  token: "${parts.token}"
  application_id: "${parts.gateway.applicationId}"
  guild_id: "${parts.gateway.guildId}"
  api_base: "${parts.discord.apiBase}"
  channel_id: "${parts.channelId}"
${parts.botLines ?? ''}
${parts.rest ?? ''}
`;
}

export interface BotRigOptions {
  token: string;
  channelId: string;
  botLines?: string;
  /** Called once the fake Discord runs (to create forums and webhooks); returns the rest of the YAML. */
  rest?: (discord: FakeDiscord) => string;
  discord?: FakeDiscordOptions;
}

export interface BotRig {
  discord: FakeDiscord;
  gateway: FakeGateway;
  alertmanager: RunningProcess;
  amcord: TestAmcord;
  close(): Promise<void>;
}

/** Rate limits that never get in a test's way, but still answer with Discord's headers. */
const ROOMY_LIMITS: FakeDiscordOptions = { channelRateLimit: false, rateLimit: { limit: 50, windowMs: 1_000 } };

export async function startBotRig(options: BotRigOptions): Promise<BotRig> {
  const discord = await startFakeDiscord(options.discord ?? ROOMY_LIMITS);
  let alertmanager: RunningProcess | undefined;
  try {
    const gateway = attachFakeGateway(discord, { token: options.token, channelId: options.channelId });
    const port = await freePort();
    alertmanager = await startAlertmanagerSendingTo(port);
    const yaml = botConfigYaml({ ...options, alertmanagerUrl: alertmanager.url, discord, gateway, rest: options.rest?.(discord) });
    const amcord = await startTestAmcord({ AMCORD_SERVER_PORT: String(port) }, yaml);
    const started = alertmanager;
    return {
      discord,
      gateway,
      alertmanager: started,
      amcord,
      async close() {
        await started.stop();
        await amcord.close();
        await discord.close();
      },
    };
  } catch (error) {
    // A rig that did not start leaves nothing running behind the failed test.
    await alertmanager?.stop();
    await discord.close();
    throw error;
  }
}
