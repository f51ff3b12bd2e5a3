import type { DestinationStream } from 'pino';
import type { WebhookPayload } from './alertmanager/webhook.js';
import { CleanupStack } from './app/cleanup-stack.js';
import { anyGrapherFor, grapherFor, graphStageFor } from './app/graphs.js';
import { graphsOffReason } from './graphs/picture-or-sample.js';
import { listen } from './app/http.js';
import { startLeaderParts, type LeaderDeps, type LeaderParts } from './app/leader.js';
import { startLeadership } from './app/leadership.js';
import { openState } from './app/open-state.js';
import type { LoadedConfig } from './config/load.js';
import { defaultDiscordTarget } from './config/schema.js';
import { DEFAULT_DESTINATION, printedOnlyWarning } from './delivery/destinations.js';
import { SilenceTargets } from './delivery/silence-targets.js';
import type { Dispatcher } from './engine/dispatcher.js';
import { createApp } from './http/app.js';
import { previewPictures, RecentNotifications } from './http/preview/index.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics/metrics.js';
import { resolveRenderSettings } from './render/settings.js';
import { resolveRoutes } from './routing/routes.js';
import { systemClock } from './util/sleep.js';

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

/**
 * The parts in the order the pipeline needs them: settings, state, then what only the leader
 * runs (bot, delivery, watchdog, groups), then HTTP. With SQLite this process always leads;
 * with PostgreSQL the replicas elect one through a lease and the others take webhooks into the
 * shared inbox, ready to take over.
 */
async function assemble(loaded: LoadedConfig, logger: Logger, cleanup: CleanupStack, options: StartOptions): Promise<RunningAmcord> {
  const { config } = loaded;
  const clock = systemClock;
  const routes = resolveRoutes(config);
  // Templates first: a broken one stops amcord before it takes any alert it could not render.
  const settings = resolveRenderSettings(loaded, routes);
  let leading: LeaderParts | undefined;
  let isLeader = (): boolean => leading !== undefined;
  // Storage errors are counted from the first write on; the counter exists once metrics do.
  const storageErrors = { count: (): void => undefined };
  const state = await openState(config, cleanup, { onStorageError: () => storageErrors.count() });
  const metrics = new Metrics(
    { outboxDepth: () => state.outbox.depth(), activeGroups: () => leading?.activeGroups() ?? 0, isLeader: () => isLeader() },
    [DEFAULT_DESTINATION, ...Object.keys(config.destinations)],
  );
  storageErrors.count = () => metrics.storageErrors.inc();
  const silenceTargets = new SilenceTargets(state.silenceTargets, clock);
  const { replication } = state;
  // One grapher for the process: its chart stack is loaded once, on the first picture.
  const grapher = grapherFor(config, clock, metrics);
  const graphs = graphStageFor(grapher, logger, metrics);

  const leaderDeps = (mayDeliver: () => boolean): LeaderDeps => ({
    loaded,
    state,
    settings,
    routes,
    silenceTargets,
    clock,
    logger,
    metrics,
    previewOutput: options.previewOutput,
    mayDeliver,
    inbox: replication?.inbox,
    graphs,
    grapher,
  });
  let accept: (payload: WebhookPayload) => Promise<void>;
  if (!replication) {
    const parts = await startLeaderParts(leaderDeps(() => true), cleanup);
    leading = parts;
    accept = parts.accept;
  } else {
    const leadership = await startLeadership({ replication, leaderDeps, logger, metrics, onChange: (parts) => (leading = parts) }, cleanup);
    isLeader = () => leadership.isLeader();
    accept = async (payload) => {
      await replication.inbox.append(payload, clock.now());
      leading?.wake();
    };
  }
  const mode = defaultDiscordTarget(config) === undefined ? 'preview' : 'discord';

  let ready = false;
  const { auth } = config.server;
  const defaultLook = settings.lookFor(DEFAULT_DESTINATION);
  const app = createApp({
    accept,
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
      ? {
          templates: () => settings.templates,
          templateName: defaultLook.template,
          look: defaultLook,
          recent: new RecentNotifications(),
          pictures: previewPictures(grapher ?? anyGrapherFor(config, clock), graphsOffReason(config), clock),
        }
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
    get dispatchers() {
      return leading?.dispatchers ?? new Map<string, Dispatcher>();
    },
    metrics,
    async close() {
      await cleanup.unwind();
      logger.info('amcord stopped');
      logger.flush();
    },
  };
}
