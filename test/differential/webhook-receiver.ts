import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A webhook receiver for the differential runs. Unlike test/support's recorder it answers after a
 * delay and keeps idle connections open for the whole timeline:
 * - Alertmanager logs a notification at the time its send finished. Where a repeat falls exactly
 *   on a tick (repeat_interval a multiple of group_interval), whether it is sent then depends on
 *   that send outlasting Alertmanager's timer lag, a race of a millisecond on loopback. Real
 *   receivers take tens of milliseconds or more; so does this one, which settles the race the way
 *   it goes in production.
 * - Node closes idle connections after 5 s; a send on a connection closed meanwhile fails and is
 *   retried after a back-off, which would shift both the notification and its log time.
 */
export interface WebhookReceiver {
  url: string;
  readonly received: readonly { receivedAt: number; body: unknown }[];
  close(): Promise<void>;
}

const RESPONSE_DELAY_MS = 50;
const KEEP_ALIVE_MS = 120_000;

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: { receivedAt: number; body: unknown }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ receivedAt: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      setTimeout(() => response.writeHead(200).end(), RESPONSE_DELAY_MS);
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
