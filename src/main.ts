import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { DestinationStream } from 'pino';
import type { LoadedConfig } from './config/load.js';
import type { Destination } from './delivery/destination.js';
import { OutboxWorker } from './delivery/outbox-worker.js';
import { PreviewDestination } from './delivery/preview-destination.js';
import { WebhookDestination } from './delivery/webhook-destination.js';
import { DiscordWebhookClient, type RequestObservation } from './discord/webhook-client.js';
import { parseWebhookUrl } from './discord/webhook-url.js';
import { fromWebhookAlert } from './engine/alert.js';
import { Dispatcher } from './engine/dispatcher.js';
import type { Notification } from './engine/notification.js';
import { createApp } from './http/app.js';
import { createLogger, type Logger } from './log/logger.js';
import { Metrics } from './metrics/metrics.js';
import { notificationPayload } from './render/notification-payload.js';
import { renderPayload, type RenderOptions } from './render/render.js';
import { openDatabase } from './store/database.js';
import { EngineStore } from './store/engine-store.js';
import { KvStore } from './store/kv-store.js';
import { OutboxStore, type OutboxKind } from './store/outbox-store.js';
import type { WebhookPayload } from './alertmanager/webhook.js';
import { DeadMansSwitch } from './watchdog/dead-mans-switch.js';
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
  dispatcher: Dispatcher;
  metrics: Metrics;
  /** Stops taking requests, lets deliveries in flight finish, and releases everything. */
  close(): Promise<void>;
}

/** New alerts and repeats notify people with a new message; other changes update the living one. */
export function outboxKindFor(notification: Notification): OutboxKind {
  return notification.reason === 'all-resolved' || notification.reason === 'newly-resolved' ? 'edit' : 'post';
}

function createDestination(
  loaded: LoadedConfig,
  logger: Logger,
  signal: AbortSignal,
  options: StartOptions,
  observe: (observation: RequestObservation) => void,
): Destination {
  const { discord } = loaded.config;
  if (!discord.webhook_url) {
    return new PreviewDestination(options.previewOutput ?? ((text: string) => void process.stdout.write(text)));
  }
  const client = new DiscordWebhookClient({
    logger: logger.child({ module: 'discord' }),
    requestTimeoutMs: discord.request_timeout,
    signal,
    observe,
  });
  // Named like the mode, so metrics labels and the notification log agree.
  return new WebhookDestination('discord', client, parseWebhookUrl(discord.webhook_url));
}

/** Wires config -> logger -> store -> engine -> outbox worker -> HTTP, and listens. */
export async function startAmcord(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningAmcord> {
  const { config } = loaded;
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: loaded.secrets,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const shutdown = new AbortController();
  const db = openDatabase(config.data_dir);
  const outbox = new OutboxStore(db);
  const mode = config.discord.webhook_url ? 'discord' : 'preview';
  // The sources are read at scrape time, by then the dispatcher exists.
  const metrics = new Metrics({ outboxDepth: () => outbox.depth(), activeGroups: () => dispatcher.groupCount }, [mode]);
  const observe = (observation: RequestObservation): void => {
    metrics.discordRequests.observe({ method: observation.method, status: String(observation.status) }, observation.seconds);
    if (observation.rateLimitScope) metrics.rateLimited.inc({ scope: observation.rateLimitScope });
  };
  const destination = createDestination(loaded, logger, shutdown.signal, options, observe);
  const render: RenderOptions = { externalUrl: config.alertmanager.external_url, username: config.discord.username, avatarUrl: config.discord.avatar_url };
  const worker = new OutboxWorker({
    destination,
    outbox,
    render: (entry) => renderPayload(notificationPayload(entry.notification), render).map((fitted) => fitted.message),
    clock: systemClock,
    sleep,
    logger: logger.child({ module: 'outbox', destination: destination.name }),
    attemptTimeoutMs: config.discord.delivery_timeout,
    retry: { initialMs: 5_000, maxMs: 300_000 },
    onDelivered: (entry) => metrics.notificationsSent.inc({ destination: destination.name, kind: entry.kind }),
    onFailed: (_entry, reason) => metrics.notificationsFailed.inc({ destination: destination.name, reason }),
  });
  const { grouping } = config;
  const dispatcher = new Dispatcher({
    store: new EngineStore(db),
    clock: systemClock,
    logger,
    route: 'amcord',
    receiver: destination.name,
    grouping: {
      groupBy: grouping.group_by,
      groupWaitMs: grouping.group_wait,
      groupIntervalMs: grouping.group_interval,
      repeatIntervalMs: grouping.repeat_interval,
      sendResolved: grouping.send_resolved,
      resolveTimeoutMs: grouping.resolve_timeout,
    },
    sink: (notification) => {
      outbox.enqueue(destination.name, outboxKindFor(notification), notification, systemClock.now());
      queueMicrotask(() => worker.notify());
    },
  });

  const deadMansSwitch = config.watchdog.enabled
    ? new DeadMansSwitch({
        alertname: config.watchdog.alertname,
        timeoutMs: config.watchdog.timeout,
        clock: systemClock,
        kv: new KvStore(db),
        logger: logger.child({ module: 'watchdog' }),
        notify: (notification, kind) => {
          outbox.enqueue(destination.name, kind, notification, systemClock.now());
          queueMicrotask(() => worker.notify());
        },
      })
    : undefined;

  /** The watchdog alert feeds the dead man's switch; every other alert goes to the dispatcher. */
  const accept = (payload: WebhookPayload): void => {
    let alerts = payload.alerts;
    if (deadMansSwitch) {
      const watchdogAlerts = alerts.filter((alert) => deadMansSwitch.isWatchdog(alert.labels));
      if (watchdogAlerts.some((alert) => alert.status === 'firing')) deadMansSwitch.seen();
      alerts = alerts.filter((alert) => !deadMansSwitch.isWatchdog(alert.labels));
    }
    if (alerts.length > 0) dispatcher.ingest(alerts.map(fromWebhookAlert), payload.externalURL);
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
  });

  dispatcher.start();
  deadMansSwitch?.start();
  worker.start();
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, () => resolve(started));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  ready = true;
  logger.info(
    { port, host: config.server.host, mode, config: loaded.source, dataDir: config.data_dir },
    mode === 'preview'
      ? 'amcord is listening in preview mode: no Discord destination is configured, messages are printed instead of sent'
      : 'amcord is listening',
  );

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    logger,
    mode,
    dispatcher,
    metrics,
    async close() {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
      dispatcher.stop();
      deadMansSwitch?.stop();
      // A delivery in flight gets a moment to finish; whatever is left stays in the outbox for next time.
      const grace = setTimeout(() => shutdown.abort(new Error('shutting down')), 5_000);
      await worker.stop();
      clearTimeout(grace);
      shutdown.abort(new Error('shutting down'));
      db.close();
      logger.info('amcord stopped');
      logger.flush();
    },
  };
}
