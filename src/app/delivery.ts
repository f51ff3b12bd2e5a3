import type { Config } from '../config/schema.js';
import type { Destination } from '../delivery/destination.js';
import { OutboxWorker } from '../delivery/outbox-worker.js';
import type { Outbox, OutboxKind } from '../delivery/ports.js';
import type { GraphStage } from '../delivery/graph-stage.js';
import { createRenderStage, type IncidentTracking, type MessageControls } from '../delivery/render-stage.js';
import { StormDigestOutbox } from '../delivery/storm-digest-outbox.js';
import type { Notification } from '../engine/notification.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RenderSettings } from '../render/settings.js';
import type { Route } from '../routing/routes.js';
import type { Clock, Sleep } from '../util/sleep.js';
import type { CleanupStack } from './cleanup-stack.js';

/** Between attempts of one entry: 5 s, doubled up to 5 min. */
const RETRY = { initialMs: 5_000, maxMs: 300_000 } as const;
/** How long a delivery in flight may take to finish when amcord stops. */
const STOP_GRACE_MS = 5_000;

export interface Delivery {
  /** Queues a notification for a destination outside the engine (the dead man's switch). */
  enqueue(destination: string, kind: OutboxKind, notification: Notification): Promise<void>;
  /** Something was committed to a destination's outbox: look now. */
  wake(destination: string): void;
}

export interface DeliveryOptions {
  config: Config;
  outbox: Outbox;
  destinations: ReadonlyMap<string, Destination>;
  settings: RenderSettings;
  routes: readonly Route[];
  controls: MessageControls | undefined;
  /** Pictures of the alerts' expressions; undefined when graphs are off. */
  graphs?: GraphStage | undefined;
  /** Acknowledgements on the groups' messages, and escalation pings. */
  incidents?: IncidentTracking | undefined;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  metrics: Metrics;
  /** Aborted when amcord stops, to cut requests still in flight after the grace. */
  shutdown: AbortController;
  /** Asked right before each request to Discord: false once this replica may no longer lead. */
  mayDeliver?: () => boolean;
}

/** The end of the pipeline: one outbox worker per destination (render, send, record), started. */
export function startDelivery(options: DeliveryOptions, cleanup: CleanupStack): Delivery {
  const { config, outbox, destinations, clock, metrics } = options;
  const mentionPolicies = new Map(options.routes.map((route) => [route.name, route.mentions]));
  const render = createRenderStage({
    settings: options.settings,
    mentions: (route) => mentionPolicies.get(route),
    destinations,
    controls: options.controls,
    graphs: options.graphs,
    incidents: options.incidents,
    livingMessage: (destination, groupKey) => outbox.livingMessage(destination, groupKey),
  });
  // Storm digests only decide which entry goes first; everything else is the outbox's own.
  const digests = new StormDigestOutbox(outbox, { thresholdMs: config.discord.storm_digest_after, clock, logger: options.logger.child({ module: 'storm-digest' }) });
  const workers = new Map<string, OutboxWorker>();
  for (const destination of destinations.values()) {
    workers.set(
      destination.name,
      new OutboxWorker({
        destination,
        // In a forum every incident is a post of its own: there is no channel stream for a digest to lead.
        outbox: destination.threads ? outbox : digests,
        render,
        clock,
        sleep: options.sleep,
        logger: options.logger.child({ module: 'outbox', destination: destination.name }),
        attemptTimeoutMs: config.discord.delivery_timeout,
        retry: RETRY,
        ...(options.mayDeliver ? { mayDeliver: options.mayDeliver } : {}),
        onDelivered: (entry) => metrics.countDelivered(destination, entry.kind),
        onFailed: (_entry, reason) => metrics.notificationsFailed.inc({ destination: destination.name, reason }),
      }),
    );
  }
  cleanup.defer('outbox workers', async () => {
    // A delivery in flight gets a moment to finish; whatever is left stays in the outbox for next time.
    const grace = setTimeout(() => options.shutdown.abort(new Error('shutting down')), STOP_GRACE_MS);
    await Promise.all([...workers.values()].map((worker) => worker.stop()));
    clearTimeout(grace);
    options.shutdown.abort(new Error('shutting down'));
  });
  for (const worker of workers.values()) worker.start();

  const wake = (destination: string): void => workers.get(destination)?.notify();
  return {
    wake,
    async enqueue(destination, kind, notification) {
      await outbox.enqueue(destination, kind, notification, clock.now());
      wake(destination);
    },
  };
}
