import type { Config } from '../config/schema.js';
import type { Destination } from '../delivery/destination.js';
import { OutboxWorker } from '../delivery/outbox-worker.js';
import type { Outbox } from '../delivery/ports.js';
import { createRenderStage, type MessageControls } from '../delivery/render-stage.js';
import { incidentRef } from '../incidents/incidents.js';
import type { IncidentRepository } from '../incidents/ports.js';
import { SubscriptionNotifier } from '../incidents/subscription-notifier.js';
import { dmDestination, dmRecipient, type SubscriptionRepository } from '../incidents/subscriptions.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RenderSettings } from '../render/settings.js';
import { sleep, type Clock } from '../util/sleep.js';
import type { BotParts } from './bot.js';
import type { CleanupStack } from './cleanup-stack.js';

/** How often the leader looks for new firing groups to DM subscribers about. */
const NOTIFY_INTERVAL_MS = 1_000;
/** Between attempts of one DM, as for the channels: 5 s, doubled up to 5 min. */
const RETRY = { initialMs: 5_000, maxMs: 300_000 } as const;

export interface SubscriptionDeps {
  config: Config;
  outbox: Outbox;
  incidents: IncidentRepository;
  subscriptions: SubscriptionRepository;
  bot: BotParts;
  settings: RenderSettings;
  controls: MessageControls;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  mayDeliver: () => boolean;
}

/**
 * DMs to subscribers, on the leader while the bot runs: the notifier queues them in the outbox
 * (one destination per member, `dm:<user id>`), and an outbox worker per member delivers them
 * like any other message (retried, never twice). A DM shows the group as its channel message
 * does, buttons and acknowledgement included, without pings. A member Discord refuses is
 * dropped: their subscriptions go, with a log line, and the refused DM is set aside.
 */
export async function startSubscriptions(deps: SubscriptionDeps, cleanup: CleanupStack): Promise<void> {
  const { config, outbox, subscriptions, clock, metrics } = deps;
  const logger = deps.logger.child({ module: 'subscriptions' });
  const destinations = new Map<string, Destination>();
  const render = createRenderStage({
    settings: deps.settings,
    mentions: () => undefined,
    destinations,
    controls: deps.controls,
    // A DM shows who acknowledged, but is no incident's message: it records nothing.
    incidents: {
      shown: async (notification) => {
        if (notification.firing.length === 0) return undefined;
        const incident = await deps.incidents.get(incidentRef(notification));
        return { acknowledgement: incident?.acknowledgement, started: false };
      },
    },
  });
  const onRefused = async (userId: string, reason: string): Promise<void> => {
    const removed = await subscriptions.unsubscribe(userId);
    metrics.directMessages.inc({ outcome: 'refused' });
    logger.warn({ userId, removed, reason }, 'Discord refuses DMs to this member (they left or block DMs): their subscriptions are dropped');
  };
  const workers = new Map<string, OutboxWorker>();
  const workerFor = (userId: string): OutboxWorker => {
    const name = dmDestination(userId);
    let worker = workers.get(name);
    if (worker) return worker;
    const destination = deps.bot.directMessages(name, userId, onRefused);
    destinations.set(name, destination);
    worker = new OutboxWorker({
      destination,
      outbox,
      render,
      clock,
      sleep,
      logger: logger.child({ destination: 'dm', userId }),
      attemptTimeoutMs: config.discord.delivery_timeout,
      retry: RETRY,
      mayDeliver: deps.mayDeliver,
      onDelivered: (entry) => {
        if (entry.kind === 'post') metrics.directMessages.inc({ outcome: 'sent' });
      },
    });
    workers.set(name, worker);
    worker.start();
    return worker;
  };

  // Members with DMs still waiting from before a restart, and every subscriber.
  const waiting = (await outbox.depth()).filter((row) => row.state === 'pending').flatMap((row) => dmRecipient(row.destination) ?? []);
  const subscribers = (await subscriptions.list()).map((subscription) => subscription.userId);
  for (const userId of new Set([...waiting, ...subscribers])) workerFor(userId);

  const notifier = new SubscriptionNotifier({
    incidents: deps.incidents,
    subscriptions,
    clock,
    sleep,
    logger,
    intervalMs: NOTIFY_INTERVAL_MS,
    onQueued: (userId) => workerFor(userId).notify(),
  });
  notifier.start();
  cleanup.defer('subscriptions', async () => {
    await notifier.stop();
    await Promise.all([...workers.values()].map((worker) => worker.stop()));
  });
}
