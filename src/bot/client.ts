import { once } from 'node:events';
import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { Config } from '../config/schema.js';
import type { Grapher } from '../graphs/grapher.js';
import type { Logger } from '../log/logger.js';
import { type BotAlertmanager, type BotClients, type BotPrometheus, describeError } from './clients.js';
import { type DispatchContext, handleInteraction, type InteractionOutcome } from './interactions/dispatch.js';
import { commandRegistry } from './commands/registry.js';
import { makeScrubber } from '../log/scrub.js';
import { loggableError } from './redact.js';
import { DEFAULT_DEFER_AFTER_MS } from './interactions/respond.js';
import type { SilenceButtonOptions } from './silences/silence-buttons.js';
import type { Acknowledgements } from './incidents/acknowledge.js';
import type { SubscriptionRepository } from '../incidents/subscriptions.js';
import { channelRouting, destinationChannels } from '../routing/channel-routes.js';
import { resolveRoutes } from '../routing/routes.js';

export interface StartBotOptions {
  config: Config;
  alertmanager: BotAlertmanager;
  prometheus: BotPrometheus;
  logger: Logger;
  /** Enables the silence buttons under alert messages; without it a click explains they are off. */
  silenceButtons?: SilenceButtonOptions;
  /** Enables the Acknowledge button and /ack; without it both say they are not set up. */
  acknowledgements?: Acknowledgements;
  /** Enables /subscribe, /unsubscribe and /subscriptions. */
  subscriptions?: SubscriptionRepository;
  /** Draws /graph and the /status picture; without it they answer that graphs are off. */
  grapher?: Grapher | undefined;
  /** Told how each command and button ended (answered, refused, failed), for metrics. */
  onHandled?: (name: string, outcome: InteractionOutcome) => void;
  /** Injected clock; default the system clock. */
  now?: () => Date;
  /** Answers not ready after this long are deferred; default 2 s (Discord allows 3). */
  deferAfterMs?: number;
  /** How long to wait for the gateway's READY; default 30 s. */
  readyTimeoutMs?: number;
}

export interface RunningBot {
  client: Client;
  /** What the commands answer from, for messages the bot posts on its own (the status board). */
  clients: BotClients;
  /** Disconnects from Discord. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Logs the bot in over the gateway and answers slash commands and silence buttons. Resolves once
 * Discord reports the bot ready; rejects with a readable message (never the token) otherwise.
 */
export async function startBot(options: StartBotOptions): Promise<RunningBot> {
  const { config, logger: rootLogger } = options;
  const logger = rootLogger.child({ module: 'bot' });
  const token = config.bot.token;
  if (token === undefined || token === '') throw new Error('bot.token (or bot.token_file) is required to start the Discord bot');
  const scrub = makeScrubber([token]);

  // Guilds is the least intent: interactions need no privileged or message intents.
  // discord.request_timeout bounds the bot's requests too (discord.js's own default is 15 s).
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: config.bot.api_base, timeout: config.discord.request_timeout } });
  const dispatchContext: DispatchContext = {
    commands: commandRegistry,
    clients: {
      alertmanager: options.alertmanager,
      prometheus: options.prometheus,
      alertmanagerUiUrl: config.alertmanager.external_url ?? config.alertmanager.url,
      grapher: options.grapher,
    },
    permissions: config.bot.permissions,
    logger,
    now: options.now ?? (() => new Date()),
    deferAfterMs: options.deferAfterMs ?? DEFAULT_DEFER_AFTER_MS,
    resolveSilenceTarget: options.silenceButtons?.resolveSilenceTarget,
    onSilenced: options.silenceButtons?.onSilenced,
    acknowledgements: options.acknowledgements,
    subscriptions: options.subscriptions,
    channelRouting: channelRouting(resolveRoutes(config), destinationChannels(config)),
    onHandled: options.onHandled,
    scrub,
  };
  client.on(Events.InteractionCreate, (interaction) => {
    void handleInteraction(interaction, dispatchContext);
  });
  // Without an 'error' listener an EventEmitter error would end the process.
  client.on(Events.Error, (error) => logger.error({ err: loggableError(error, scrub) }, 'Discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ detail: scrub(message) }, 'Discord client warning'));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, 'disconnected from the Discord gateway'));
  client.on(Events.ShardReconnecting, () => logger.info('reconnecting to the Discord gateway'));
  client.on(Events.ShardResume, () => logger.info('resumed the Discord gateway session'));

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await client.destroy();
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(readyTimeoutMs) });
  try {
    await client.login(token);
    await ready;
  } catch (error) {
    ready.catch(() => undefined);
    await stop();
    const reason = error instanceof Error && error.name === 'AbortError' ? `not ready within ${readyTimeoutMs / 1000} s` : describeError(error);
    throw new Error(`Could not connect the Discord bot via ${config.bot.api_base}: ${scrub(reason)}`, { cause: error });
  }

  const guildId = config.bot.guild_id;
  if (guildId !== undefined && !client.guilds.cache.has(guildId)) {
    logger.warn({ guildId }, 'the bot is not a member of the configured guild; invite it with the bot and applications.commands scopes');
  }
  logger.info({ user: client.user?.tag, guildId, commands: [...commandRegistry.keys()] }, 'Discord bot ready');
  return { client, clients: dispatchContext.clients, stop };
}

