import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Config } from '../config/schema.js';
import type { CleanupStack } from './cleanup-stack.js';

/** How long requests in flight may take to finish when amcord stops. */
const CLOSE_GRACE_MS = 2_000;

export interface Listening {
  url: string;
  port: number;
}

/** Listens on `server.host:port`; the server stops taking requests first when the stack unwinds. */
export async function listen(app: Hono, config: Config, cleanup: CleanupStack): Promise<Listening> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: config.server.port, hostname: config.server.host }, () => resolve(started));
    started.once('error', reject);
  });
  cleanup.defer('HTTP server', async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    // A client that keeps a request open must not hold the shutdown for Node's 300 s request timeout.
    const cut = setTimeout(() => 'closeAllConnections' in server && server.closeAllConnections(), CLOSE_GRACE_MS);
    await closed;
    clearTimeout(cut);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port };
}
