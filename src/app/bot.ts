import type { LoadedConfig } from '../config/load.js';
import type { Destination, ThreadControl } from '../delivery/destination.js';
import type { MessageControls } from '../delivery/render-stage.js';
import type { SilenceTargets } from '../delivery/silence-targets.js';
import type { DiscordMessage } from '../discord/types.js';
import type { Grapher } from '../graphs/grapher.js';
import type { Incidents } from '../incidents/incidents.js';
import type { SubscriptionRepository } from '../incidents/subscriptions.js';
import { makeScrubber } from '../log/scrub.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../util/sleep.js';
import type { CleanupStack } from './cleanup-stack.js';

/** What the running bot adds to the pipeline: a way to post as the bot, and silence buttons. */
export interface BotParts {
  channelDestination: (name: string, channelId: string, options?: { threads: boolean }) => Destination;
  controls: MessageControls;
  /** Re-tags and archives forum posts (destinations with threads). */
  threadControl: ThreadControl;
  /** Posts as the bot into a member's DMs; `onRefused` hears of a member who takes none. */
  directMessages: (name: string, userId: string, onRefused: (userId: string, reason: string) => Promise<void>) => Destination;
  /** The /status content and picture, for the status board. */
  statusMessage: () => Promise<DiscordMessage>;
}

export interface BotOptions {
  loaded: LoadedConfig;
  logger: Logger;
  silenceTargets: SilenceTargets;
  metrics: Metrics;
  clock: Clock;
  incidents: Incidents;
  /** For /subscribe, /unsubscribe and /subscriptions. */
  subscriptions: SubscriptionRepository;
  /** An acknowledgement queued an edit of the living message at this destination. */
  wake: (destination: string) => void;
  grapher: Grapher | undefined;
}

/**
 * Starts the Discord bot when `bot.enabled` (logged out when the stack unwinds). discord.js is
 * loaded only then: it alone adds some 35 MB to the process.
 */
export async function startBotIfEnabled(options: BotOptions, cleanup: CleanupStack): Promise<BotParts | undefined> {
  const { loaded, logger, silenceTargets, metrics, clock, incidents, grapher } = options;
  if (!loaded.config.bot.enabled) return undefined;
  const parts = await import('../bot/index.js');
  const acknowledgements = {
    acknowledge: async (ref: string, userId: string) => {
      const outcome = await incidents.acknowledge(ref, userId);
      if (outcome.kind === 'acknowledged') options.wake(outcome.incident.destination);
      return outcome;
    },
    open: () => incidents.open(),
    onAcknowledged: (kind: 'acknowledged' | 'taken_over') => metrics.acknowledgements.inc({ kind }),
  };
  const bot = await parts.startConfiguredBot(loaded, logger, silenceTargets, (command, outcome) => metrics.commands.inc({ command, outcome }), acknowledgements, options.subscriptions, grapher);
  cleanup.defer('Discord bot', () => bot.stop());
  for (const series of parts.countedInteractions()) metrics.commands.inc(series, 0);
  return {
    channelDestination: (name, channelId, options) => new parts.BotChannelDestination(name, bot.client.rest, channelId, { threads: options?.threads === true }),
    directMessages: (name, userId, onRefused) => new parts.DirectMessageDestination(name, bot.client.rest, userId, onRefused),
    threadControl: parts.threadControlFor(bot.client.rest, logger.child({ module: 'bot' }), makeScrubber(loaded.secrets)),
    controls: (message, notification, acknowledged) => parts.withSilenceControls(message, notification, silenceTargets, clock.now(), acknowledged),
    statusMessage: () => parts.statusBoardMessage(bot.clients, new Date(clock.now())),
  };
}
