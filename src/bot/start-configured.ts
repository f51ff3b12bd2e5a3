import { AlertmanagerClient } from '../alertmanager/api.js';
import type { LoadedConfig } from '../config/load.js';
import type { SilenceTargets } from '../delivery/silence-targets.js';
import type { Grapher } from '../graphs/grapher.js';
import type { Logger } from '../log/logger.js';
import { PrometheusClient } from '../prometheus/client.js';
import { startBot, type RunningBot } from './client.js';
import { registerCommands } from './commands/register.js';
import type { Acknowledgements } from './incidents/acknowledge.js';
import type { SubscriptionRepository } from '../incidents/subscriptions.js';

/**
 * The bot as the configuration describes it: clients for Alertmanager and Prometheus, silence
 * buttons backed by the delivered groups, acknowledgements, and the slash commands registered first when
 * `bot.register_commands` asks for it.
 */
export async function startConfiguredBot(
  loaded: LoadedConfig,
  logger: Logger,
  targets: SilenceTargets,
  onHandled: (name: string, outcome: string) => void,
  acknowledgements?: Acknowledgements,
  subscriptions?: SubscriptionRepository,
  grapher?: Grapher,
): Promise<RunningBot> {
  const { config } = loaded;
  if (config.bot.register_commands) await registerCommands({ config, logger });
  return startBot({
    config,
    logger,
    alertmanager: new AlertmanagerClient({ baseUrl: config.alertmanager.url, timeoutMs: config.alertmanager.request_timeout }),
    prometheus: new PrometheusClient({ baseUrl: config.prometheus.url, timeoutMs: config.prometheus.request_timeout }),
    onHandled,
    ...(acknowledgements ? { acknowledgements } : {}),
    ...(subscriptions ? { subscriptions } : {}),
    grapher,
    silenceButtons: {
      resolveSilenceTarget: (ref) => targets.resolve(ref),
      onSilenced: (silence) => targets.silenced(silence.ref, silence),
    },
  });
}
