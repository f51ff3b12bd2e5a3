import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { LoadedConfig } from './config/load.js';
import { DiscordWebhookClient } from './discord/webhook-client.js';
import { parseWebhookUrl } from './discord/webhook-url.js';
import { createApp } from './http/app.js';
import { createLogger, type Logger } from './log/logger.js';
import type { DestinationStream } from 'pino';
import { DiscordNotifier } from './notify/discord-notifier.js';
import type { Notifier } from './notify/notifier.js';
import { PreviewNotifier } from './notify/preview-notifier.js';
import type { RenderOptions } from './render/render.js';
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
  /** Stops taking requests, lets those in flight finish, and releases everything. */
  close(): Promise<void>;
}

function createNotifier(loaded: LoadedConfig, logger: Logger, signal: AbortSignal, options: StartOptions): Notifier {
  const { discord, alertmanager } = loaded.config;
  const render: RenderOptions = {
    externalUrl: alertmanager.external_url,
    username: discord.username,
    avatarUrl: discord.avatar_url,
  };
  if (!discord.webhook_url) {
    const output = options.previewOutput ?? ((text: string) => void process.stdout.write(text));
    return new PreviewNotifier({ render, logger: logger.child({ module: 'preview' }), output });
  }
  const client = new DiscordWebhookClient({
    logger: logger.child({ module: 'discord' }),
    requestTimeoutMs: discord.request_timeout,
    signal,
  });
  return new DiscordNotifier({
    client,
    target: parseWebhookUrl(discord.webhook_url),
    render,
    deliveryTimeoutMs: discord.delivery_timeout,
    clock: systemClock,
    logger: logger.child({ module: 'notify' }),
  });
}

/** Wires config -> logger -> notifier -> HTTP, and listens. */
export async function startAmcord(loaded: LoadedConfig, options: StartOptions = {}): Promise<RunningAmcord> {
  const { config } = loaded;
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: loaded.secrets,
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  const shutdown = new AbortController();
  const notifier = createNotifier(loaded, logger, shutdown.signal, options);
  const mode = config.discord.webhook_url ? 'discord' : 'preview';
  let ready = false;
  const { auth } = config.server;
  const app = createApp({
    notifier,
    logger,
    maxBodyBytes: config.server.max_body_bytes,
    auth: {
      bearerToken: auth.bearer_token,
      basic: auth.basic_auth?.password ? { username: auth.basic_auth.username, password: auth.basic_auth.password } : undefined,
    },
    isReady: () => ready,
  });

  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, () => resolve(started));
    started.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  ready = true;
  logger.info({ port, host: config.server.host, mode, config: loaded.source }, mode === 'preview'
    ? 'amcord is listening in preview mode: no Discord destination is configured, messages are printed instead of sent'
    : 'amcord is listening');

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    logger,
    mode,
    async close() {
      ready = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Requests in flight get a grace period to finish their delivery; then waits are aborted.
      const grace = setTimeout(() => shutdown.abort(new Error('shutting down')), 10_000);
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
      clearTimeout(grace);
      shutdown.abort(new Error('shutting down'));
      logger.info('amcord stopped');
      logger.flush();
    },
  };
}
