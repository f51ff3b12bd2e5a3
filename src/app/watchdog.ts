import type { Config } from '../config/schema.js';
import { DEFAULT_DESTINATION } from '../delivery/destinations.js';
import type { Logger } from '../log/logger.js';
import type { Clock } from '../util/sleep.js';
import { DeadMansSwitch, type StateStore } from '../watchdog/dead-mans-switch.js';
import type { CleanupStack } from './cleanup-stack.js';
import type { Delivery } from './delivery.js';

export interface WatchdogOptions {
  config: Config;
  state: StateStore;
  clock: Clock;
  logger: Logger;
  delivery: Delivery;
}

/** The dead man's switch when `watchdog.enabled`: its notices go straight to the default destination. */
export async function startWatchdog(options: WatchdogOptions, cleanup: CleanupStack): Promise<DeadMansSwitch | undefined> {
  const { config, delivery } = options;
  if (!config.watchdog.enabled) return undefined;
  const watchdog = new DeadMansSwitch({
    alertname: config.watchdog.alertname,
    timeoutMs: config.watchdog.timeout,
    clock: options.clock,
    state: options.state,
    logger: options.logger.child({ module: 'watchdog' }),
    notify: (notification, kind) => delivery.enqueue(DEFAULT_DESTINATION, kind, notification),
  });
  await watchdog.start();
  cleanup.defer('dead man\'s switch', () => watchdog.stop());
  return watchdog;
}
