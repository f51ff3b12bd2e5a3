import type { DestinationStream } from 'pino';
import { startBotIfEnabled } from './app/bot.js';
import { CleanupStack } from './app/cleanup-stack.js';
import { startDelivery } from './app/delivery.js';
import { grapherFor, graphStageFor } from './app/graphs.js';
import { listen } from './app/http.js';
import { startIngest } from './app/ingest.js';
import { openState } from './app/state.js';
import { startWatchdog } from './app/watchdog.js';
import type { LoadedConfig } from './config/load.js';
import { createDestinations, DEFAULT_DESTINATION, printedOnlyWarning } from './delivery/destinations.js';
import { PreviewDestination } from './delivery/preview-destination.js';
import { Retention } from './delivery/retention.js';
import { SilenceTargets } from './delivery/silence-targets.js';
import { DiscordWebhookClient } from './discord/webhook-client.js';
import type { Dispatcher } from './engine/dispatcher.js';
import { createApp } from './http/app.js';
import { RecentNotifications } from './http/preview/index.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics/metrics.js';
import { resolveRenderSettings } from './render/settings.js';
import { resolveRoutes } from './routing/routes.js';
import { sleep, systemClock } from './util/sleep.js';

export interface StartOptions {
  /** Log lines go here instead of stdout (tests). */
  logDestination?: DestinationStream;
  /** Preview mode prints rendered messages here; stdout by default. */
  previewOutput?: (text: string) => void;
}

export interface RunningAmcord {
  url: string;
  port: number;
  logger: Logger;
  mode: 'discord' | 'preview';
  dispatchers: ReadonlyMap<string, Dispatcher>;
  metrics: Metrics;
  /** Stops taking requests, lets deliveries in flight finish, and releases everything. */
  close(): Promise<void>;
}

/**
 * Builds amcord from its configuration and listens. Every part that holds a resource registers
 * its release on one cleanup stack, which close() unwinds, and so does a start that fails.
 */
export async function startAmcord(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningAmcord> {
  const { config } = loaded;
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: loaded.secrets,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const cleanup = new CleanupStack(logger);
  try {
    return await assemble(loaded, logger, cleanup, options);
  } catch (error) {
    await cleanup.unwind();
    throw error;
  }
}

/** The parts in the order the pipeline needs them: settings, state, bot, delivery, ingest, HTTP. */
async function assemble(loaded: LoadedConfig, logger: Logger, cleanup: CleanupStack, options: StartOptions): Promise<RunningAmcord> {
  const { config } = loaded;
  const clock = systemClock;
  const routes = resolveRoutes(config);
  // Templates first: a broken one stops amcord before it takes any alert it could not render.
  const settings = resolveRenderSettings(loaded, routes);
  const state = await openState(config, cleanup);
  const silenceTargets = new SilenceTargets(state.silenceTargets, clock);

  let activeGroups = (): number => 0;
  const metrics = new Metrics(
    { outboxDepth: () => state.outbox.depth(), activeGroups: () => activeGroups() },
    [DEFAULT_DESTINATION, ...Object.keys(config.destinations)],
  );
  const bot = await startBotIfEnabled({ loaded, logger, silenceTargets, metrics, clock }, cleanup);

  const shutdown = new AbortController();
  const destinations = createDestinations(config, {
    client: new DiscordWebhookClient({
      logger: logger.child({ module: 'discord' }),
      requestTimeoutMs: config.discord.request_timeout,
      signal: shutdown.signal,
      observe: (observation) => {
        metrics.discordRequests.observe({ method: observation.method, status: String(observation.status) }, observation.seconds);
        if (observation.rateLimitScope) metrics.rateLimited.inc({ scope: observation.rateLimitScope });
      },
    }),
    botChannel: bot?.channelDestination,
    previewOutput: options.previewOutput ?? ((text: string) => void process.stdout.write(text)),
  });
  // Preview mode is whatever createDestinations fell back to for the default destination.
  const mode = destinations.get(DEFAULT_DESTINATION) instanceof PreviewDestination ? 'preview' : 'discord';

  const graphs = graphStageFor(grapherFor(config, clock), logger, metrics);
  const delivery = startDelivery(
    { config, outbox: state.outbox, destinations, settings, routes, controls: bot?.controls, graphs, clock, sleep, logger, metrics, shutdown },
    cleanup,
  );
  const retention = new Retention({ outbox: state.outbox, silenceTargets, clock, logger: logger.child({ module: 'retention' }) });
  retention.start();
  cleanup.defer('retention', () => retention.stop());
  const watchdog = await startWatchdog({ config, state: state.watchdog, clock, logger, delivery }, cleanup);
  const ingest = await startIngest(
    { routes, store: state.engine, clock, logger, watchdog, onHandedOff: (notification) => delivery.wake(notification.receiver) },
    cleanup,
  );
  activeGroups = ingest.activeGroups;

  let ready = false;
  const { auth } = config.server;
  const defaultLook = settings.lookFor(DEFAULT_DESTINATION);
  const app = createApp({
    accept: ingest.accept,
    logger,
    maxBodyBytes: config.server.max_body_bytes,
    auth: {
      bearerToken: auth.bearer_token,
      basic: auth.basic_auth?.password ? { username: auth.basic_auth.username, password: auth.basic_auth.password } : undefined,
    },
    isReady: () => ready,
    storageStatus: state.storageStatus,
    metrics,
    preview: config.server.preview
      ? { templates: () => settings.templates, templateName: defaultLook.template, look: defaultLook, recent: new RecentNotifications() }
      : undefined,
  });
  const { url, port } = await listen(app, config, cleanup);
  // Unwound first: /readyz says "not ready" before anything stops.
  cleanup.defer('readiness', () => {
    ready = false;
  });
  ready = true;
  logger.info(
    { port, host: config.server.host, mode, routes: routes.map((route) => route.name), config: loaded.source, state: state.location },
    mode === 'preview' && Object.keys(config.destinations).length === 0
      ? 'amcord is listening in preview mode: no Discord destination is configured, messages are printed instead of sent'
      : 'amcord is listening',
  );
  const printedOnly = printedOnlyWarning(config);
  if (printedOnly) logger.warn(printedOnly);

  return {
    url,
    port,
    logger,
    mode,
    dispatchers: ingest.dispatchers,
    metrics,
    async close() {
      await cleanup.unwind();
      logger.info('amcord stopped');
      logger.flush();
    },
  };
}
