import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { DestinationStream } from 'pino';
import type { WebhookPayload } from './alertmanager/webhook.js';
import type { LoadedConfig } from './config/load.js';
import { createDestinations, DEFAULT_DESTINATION } from './delivery/destinations.js';
import { PreviewDestination } from './delivery/preview-destination.js';
import { SilenceTargets } from './delivery/silence-targets.js';
import { OutboxWorker } from './delivery/outbox-worker.js';
import { DiscordWebhookClient, type RequestObservation } from './discord/webhook-client.js';
import type { DiscordMessage } from './discord/types.js';
import { fromWebhookAlert, type IncomingAlert } from './engine/alert.js';
import { Dispatcher } from './engine/dispatcher.js';
import type { Notification } from './engine/notification.js';
import { createApp } from './http/app.js';
import { RecentNotifications } from './http/preview/index.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics/metrics.js';
import { severityOf } from './severity/severity.js';
import { notificationPayload } from './render/notification-payload.js';
import { configuredTemplates } from './render/configured-templates.js';
import { notificationReason, renderPayload } from './render/render.js';
import { mentionsFor, withMentions } from './routing/mentions.js';
import { resolveRoutes, routesFor, type Route } from './routing/routes.js';
import { openDatabase } from './store/database.js';
import { EngineStore } from './store/engine-store.js';
import { KvStore } from './store/kv-store.js';
import { OutboxStore, type OutboxEntry, type OutboxKind } from './store/outbox-store.js';
import { sleep, systemClock } from './util/sleep.js';
import { DeadMansSwitch } from './watchdog/dead-mans-switch.js';

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

/** New alerts and repeats notify people with a new message; other changes update the living one. */
export function outboxKindFor(notification: Notification): OutboxKind {
  return notification.reason === 'all-resolved' || notification.reason === 'newly-resolved' ? 'edit' : 'post';
}

/** Wires config -> logger -> store -> routes and engine -> outbox workers -> HTTP, and listens. */
export async function startAmcord(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningAmcord> {
  const { config } = loaded;
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: loaded.secrets,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  // Templates first: a broken one stops amcord before it takes any alert it could not render.
  const templates = configuredTemplates(loaded);
  const shutdown = new AbortController();
  const db = openDatabase(config.data_dir);
  const outbox = new OutboxStore(db);
  const engineStore = new EngineStore(db);
  const routes = resolveRoutes(config);
  const routesByName = new Map(routes.map((route) => [route.name, route]));

  const dispatchers = new Map<string, Dispatcher>();
  const workers = new Map<string, OutboxWorker>();
  const metrics = new Metrics(
    {
      outboxDepth: () => outbox.depth(),
      activeGroups: () => [...dispatchers.values()].reduce((sum, dispatcher) => sum + dispatcher.groupCount, 0),
    },
    [DEFAULT_DESTINATION, ...Object.keys(config.destinations)],
  );
  const observe = (observation: RequestObservation): void => {
    metrics.discordRequests.observe({ method: observation.method, status: String(observation.status) }, observation.seconds);
    if (observation.rateLimitScope) metrics.rateLimited.inc({ scope: observation.rateLimitScope });
  };
  const kv = new KvStore(db);
  const silenceTargets = new SilenceTargets(kv);
  const botParts = config.bot.enabled ? await import('./bot/index.js') : undefined;
  const bot = await botParts?.startConfiguredBot(loaded, logger, silenceTargets, (command, outcome) => metrics.commands.inc({ command, outcome }));
  const client = new DiscordWebhookClient({
    logger: logger.child({ module: 'discord' }),
    requestTimeoutMs: config.discord.request_timeout,
    signal: shutdown.signal,
    observe,
  });
  const destinations = createDestinations(config, {
    client,
    botChannel: bot && botParts ? (name, channelId) => new botParts.BotChannelDestination(name, bot.client.rest, channelId) : undefined,
    previewOutput: options.previewOutput ?? ((text: string) => void process.stdout.write(text)),
  });
  // Preview mode is whatever createDestinations fell back to for the default destination.
  const mode = destinations.get(DEFAULT_DESTINATION) instanceof PreviewDestination ? 'preview' : 'discord';

  /** A queued notification as Discord messages, with the name, avatar and pings its destination and route ask for. */
  const render = (entry: OutboxEntry): DiscordMessage[] => {
    const route: Route | undefined = routesByName.get(entry.notification.route);
    const named = config.destinations[entry.destination];
    const renderOptions = {
      externalUrl: config.alertmanager.external_url,
      username: named?.username ?? config.discord.username,
      avatarUrl: named?.avatar_url ?? config.discord.avatar_url,
      templates,
      template: route?.template ?? config.templates.name,
      reason: notificationReason(entry.notification),
    };
    const messages = renderPayload(notificationPayload(entry.notification), renderOptions).map((fitted) => fitted.message);
    const mentioned = withMentions(messages, mentionsFor(route?.mentions, entry.notification, entry.kind, severityOf));
    return destinations.get(entry.destination)?.carriesButtons && botParts
      ? botParts.withSilenceControls(mentioned, entry.notification, silenceTargets, systemClock.now())
      : mentioned;
  };

  for (const destination of destinations.values()) {
    workers.set(
      destination.name,
      new OutboxWorker({
        destination,
        outbox,
        render,
        clock: systemClock,
        sleep,
        logger: logger.child({ module: 'outbox', destination: destination.name }),
        attemptTimeoutMs: config.discord.delivery_timeout,
        retry: { initialMs: 5_000, maxMs: 300_000 },
        onDelivered: (entry) => metrics.notificationsSent.inc({ destination: destination.name, kind: entry.kind }),
        onFailed: (_entry, reason) => metrics.notificationsFailed.inc({ destination: destination.name, reason }),
      }),
    );
  }
  const enqueue = (destination: string, kind: OutboxKind, notification: Notification): void => {
    outbox.enqueue(destination, kind, notification, systemClock.now());
    queueMicrotask(() => workers.get(destination)?.notify());
  };

  for (const route of routes) {
    dispatchers.set(
      route.name,
      new Dispatcher({
        store: engineStore,
        clock: systemClock,
        logger: logger.child({ route: route.name }),
        route: route.name,
        receiver: route.destination,
        grouping: route.grouping,
        sink: (notification) => enqueue(route.destination, outboxKindFor(notification), notification),
      }),
    );
  }

  const deadMansSwitch = config.watchdog.enabled
    ? new DeadMansSwitch({
        alertname: config.watchdog.alertname,
        timeoutMs: config.watchdog.timeout,
        clock: systemClock,
        kv,
        logger: logger.child({ module: 'watchdog' }),
        notify: (notification, kind) => enqueue(DEFAULT_DESTINATION, kind, notification),
      })
    : undefined;

  /** The watchdog alert feeds the dead man's switch; every other alert goes to the routes it matches. */
  const accept = (payload: WebhookPayload): void => {
    const byRoute = new Map<string, IncomingAlert[]>();
    let watchdogSeen = false;
    for (const alert of payload.alerts) {
      if (deadMansSwitch?.isWatchdog(alert.labels)) {
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
    if (watchdogSeen) deadMansSwitch?.seen();
    // One transaction per route; an alert routed twice is committed on both before the answer.
    for (const [name, alerts] of byRoute) dispatchers.get(name)?.ingest(alerts, payload.externalURL);
  };

  let ready = false;
  const { auth } = config.server;
  const app = createApp({
    accept,
    logger,
    maxBodyBytes: config.server.max_body_bytes,
    auth: {
      bearerToken: auth.bearer_token,
      basic: auth.basic_auth?.password ? { username: auth.basic_auth.username, password: auth.basic_auth.password } : undefined,
    },
    isReady: () => ready,
    metrics,
    preview: config.server.preview ? { templates: () => templates, templateName: config.templates.name, recent: new RecentNotifications() } : undefined,
  });

  for (const dispatcher of dispatchers.values()) dispatcher.start();
  deadMansSwitch?.start();
  for (const worker of workers.values()) worker.start();
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, () => resolve(started));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  ready = true;
  logger.info(
    { port, host: config.server.host, mode, routes: routes.map((route) => route.name), config: loaded.source, dataDir: config.data_dir },
    mode === 'preview'
      ? 'amcord is listening in preview mode: no Discord destination is configured, messages are printed instead of sent'
      : 'amcord is listening',
  );

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    logger,
    mode,
    dispatchers,
    metrics,
    async close() {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
      for (const dispatcher of dispatchers.values()) dispatcher.stop();
      deadMansSwitch?.stop();
      await bot?.stop();
      // A delivery in flight gets a moment to finish; whatever is left stays in the outbox for next time.
      const grace = setTimeout(() => shutdown.abort(new Error('shutting down')), 5_000);
      await Promise.all([...workers.values()].map((worker) => worker.stop()));
      clearTimeout(grace);
      shutdown.abort(new Error('shutting down'));
      db.close();
      logger.info('amcord stopped');
      logger.flush();
    },
  };
}
