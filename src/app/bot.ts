import type { LoadedConfig } from '../config/load.js';
import type { Destination } from '../delivery/destination.js';
import type { DiscordMessage } from '../discord/types.js';
import type { MessageControls } from '../delivery/render-stage.js';
import type { SilenceTargets } from '../delivery/silence-targets.js';
import type { Grapher } from '../graphs/grapher.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../util/sleep.js';
import type { CleanupStack } from './cleanup-stack.js';

/** What the running bot adds to the pipeline: a way to post as the bot, and silence buttons. */
export interface BotParts {
  channelDestination: (name: string, channelId: string) => Destination;
  controls: MessageControls;
  /** The /status content and picture, for the status board. */
  statusMessage: () => Promise<DiscordMessage>;
}

export interface BotOptions {
  loaded: LoadedConfig;
  logger: Logger;
  silenceTargets: SilenceTargets;
  metrics: Metrics;
  clock: Clock;
  grapher: Grapher | undefined;
}

/**
 * Starts the Discord bot when `bot.enabled` (logged out when the stack unwinds). discord.js is
 * loaded only then: it alone adds some 35 MB to the process.
 */
export async function startBotIfEnabled(options: BotOptions, cleanup: CleanupStack): Promise<BotParts | undefined> {
  const { loaded, logger, silenceTargets, metrics, clock, grapher } = options;
  if (!loaded.config.bot.enabled) return undefined;
  const parts = await import('../bot/index.js');
  const bot = await parts.startConfiguredBot(loaded, logger, silenceTargets, (command, outcome) => metrics.commands.inc({ command, outcome }), grapher);
  cleanup.defer('Discord bot', () => bot.stop());
  for (const series of parts.countedInteractions()) metrics.commands.inc(series, 0);
  return {
    channelDestination: (name, channelId) => new parts.BotChannelDestination(name, bot.client.rest, channelId),
    controls: (message, notification) => parts.withSilenceControls(message, notification, silenceTargets, clock.now()),
    statusMessage: () => parts.statusBoardMessage(bot.clients, new Date(clock.now())),
  };
}
