import type { WebhookPayload } from '../alertmanager/webhook.js';
import { fromWebhookAlert, type IncomingAlert } from '../engine/alert.js';
import { Dispatcher } from '../engine/dispatcher.js';
import type { Notification } from '../engine/notification.js';
import type { EngineRepository } from '../engine/ports.js';
import type { Logger } from '../log/logger.js';
import { routesFor, type Route } from '../routing/routes.js';
import type { Clock } from '../util/sleep.js';
import type { DeadMansSwitch } from '../watchdog/dead-mans-switch.js';
import type { CleanupStack } from './cleanup-stack.js';

export interface Ingest {
  /** One dispatcher per route, by route name. */
  dispatchers: ReadonlyMap<string, Dispatcher>;
  /** The *route* stage, then each route's *group* stage: resolves once everything is committed. */
  accept: (payload: WebhookPayload) => Promise<void>;
  activeGroups: () => number;
}

export interface IngestOptions {
  routes: readonly Route[];
  store: EngineRepository;
  clock: Clock;
  logger: Logger;
  watchdog: DeadMansSwitch | undefined;
  /** A flush handed a notification to delivery. */
  onHandedOff: (notification: Notification) => void;
  /** How a batch of webhooks waits for others to join it; a millisecond on the real clock by default. */
  gatherBatch?: () => Promise<void>;
}

/** Webhooks that arrive within a millisecond of each other share one commit (and one fsync). */
const gatherForAMillisecond = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

/** The start of the pipeline: routes and their dispatchers, started (stopped when the stack unwinds). */
export async function startIngest(options: IngestOptions, cleanup: CleanupStack): Promise<Ingest> {
  const { routes, store, clock, logger, watchdog } = options;
  const dispatchers = new Map<string, Dispatcher>();
  for (const route of routes) {
    const dispatcher = new Dispatcher({
      store,
      clock,
      logger: logger.child({ route: route.name }),
      route: route.name,
      receiver: route.destination,
      grouping: route.grouping,
      onHandedOff: options.onHandedOff,
      gatherBatch: options.gatherBatch ?? gatherForAMillisecond,
    });
    dispatchers.set(route.name, dispatcher);
  }
  cleanup.defer('dispatchers', () => {
    for (const dispatcher of dispatchers.values()) dispatcher.stop();
  });
  for (const dispatcher of dispatchers.values()) await dispatcher.start();

  return {
    dispatchers,
    activeGroups: () => [...dispatchers.values()].reduce((sum, dispatcher) => sum + dispatcher.groupCount, 0),
    /** The watchdog alert feeds the dead man's switch; every other alert goes to the routes it matches. */
    async accept(payload) {
      const byRoute = new Map<string, IncomingAlert[]>();
      let watchdogSeen = false;
      for (const alert of payload.alerts) {
        if (watchdog?.isWatchdog(alert.labels)) {
          watchdogSeen ||= alert.status === 'firing';
          continue;
        }
        const incoming = fromWebhookAlert(alert);
        for (const route of routesFor(alert.labels, routes)) {
          const list = byRoute.get(route.name) ?? [];
          list.push(incoming);
          byRoute.set(route.name, list);
        }
      }
      if (watchdogSeen) await watchdog?.seen();
      // One commit per route; an alert routed twice is committed on both before the answer.
      for (const [name, alerts] of byRoute) await dispatchers.get(name)?.ingest(alerts, payload.externalURL);
    },
  };
}
