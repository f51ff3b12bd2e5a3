import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { WebhookPayload } from '../alertmanager/webhook.js';
import { capturedRaw } from '../../test/support/payloads.js';
import { builtinTemplates } from '../render/render.js';
import { createApp, type AppDeps } from './app.js';
import { RecentNotifications } from './preview/index.js';
import type { ReceiverAuth } from './auth.js';
import { Metrics } from '../metrics/metrics.js';
import { StorageHealth } from '../store/storage-health.js';
import { portDiskFullError, realDiskFullError } from '../../test/faults/support-sqlite-errors.js';

/** Stands in for the dispatcher: records what was accepted, or fails like a full disk would. */
class Acceptor {
  readonly received: WebhookPayload[] = [];
  failWith: Error | undefined;
  readonly accept = (payload: WebhookPayload): void => {
    if (this.failWith) throw this.failWith;
    this.received.push(payload);
  };
}

function setup(
  overrides: { auth?: ReceiverAuth; maxBodyBytes?: number; ready?: boolean; accept?: AppDeps['accept']; metrics?: Metrics; storage?: StorageHealth } = {},
) {
  const notifier = new Acceptor();
  const deps: AppDeps = {
    accept: overrides.accept ?? notifier.accept,
    logger: pino({ level: 'silent' }),
    auth: overrides.auth ?? {},
    maxBodyBytes: overrides.maxBodyBytes ?? 1024 * 1024,
    isReady: () => overrides.ready ?? true,
    metrics: overrides.metrics,
    storageStatus: overrides.storage ? () => overrides.storage?.status() : undefined,
  };
  return { app: createApp(deps), notifier };
}

const metricsWithoutSources = () => new Metrics({ outboxDepth: () => Promise.resolve([]), activeGroups: () => 0, isLeader: () => true }, []);
const webhookOutcomes = async (metrics: Metrics) =>
  Object.fromEntries((await metrics.webhooks.get()).values.map((value) => [String(value.labels.outcome), value.value]));

const payload = capturedRaw('webhook-group-firing') as Record<string, unknown>;
const post = (body: string, headers: Record<string, string> = {}) => ({
  method: 'POST',
  body,
  headers: { 'content-type': 'application/json', ...headers },
});
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('POST /alerts', () => {
  it('accepts an Alertmanager payload and hands it to the dispatcher', async () => {
    const { app, notifier } = setup();
    const response = await app.request('/alerts', post(JSON.stringify(payload)));
    expect(response.status).toBe(200);
    expect(notifier.received).toHaveLength(1);
    expect(notifier.received[0]?.alerts).toHaveLength(3);
  });

  it('accepts fields that newer Alertmanagers add', async () => {
    const { app, notifier } = setup();
    const newer = { ...payload, notification_reason: 'new_alerts', routeLabels: { team: 'ops' } };
    expect((await app.request('/alerts', post(JSON.stringify(newer)))).status).toBe(200);
    expect(notifier.received).toHaveLength(1);
  });

  it('refuses a body that is not JSON with 400, delivering nothing', async () => {
    const { app, notifier } = setup();
    const response = await app.request('/alerts', post('{"version": "4", '));
    expect(response.status).toBe(400);
    expect(notifier.received).toHaveLength(0);
  });

  it('names the offending field of a payload that breaks the schema', async () => {
    const { app, notifier } = setup();
    const alerts = payload.alerts as Array<Record<string, unknown>>;
    const broken = { ...payload, alerts: [{ ...alerts[0], status: 'burning' }] };
    const response = await app.request('/alerts', post(JSON.stringify(broken)));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: Array<{ path: string }> };
    expect(body.error).toContain('alerts[0].status');
    expect(body.issues[0]?.path).toBe('alerts[0].status');
    expect(notifier.received).toHaveLength(0);

    const missing = { ...payload } as Record<string, unknown>;
    delete missing.groupKey;
    const second = await app.request('/alerts', post(JSON.stringify(missing)));
    expect(((await second.json()) as { error: string }).error).toContain('groupKey');
    expect(notifier.received).toHaveLength(0);
  });

  it('refuses a body over the size limit with 413, delivering nothing', async () => {
    const { app, notifier } = setup({ maxBodyBytes: 1024 * 1024 });
    const huge = { ...payload, commonAnnotations: { pad: 'x'.repeat(1024 * 1024) } };
    const response = await app.request('/alerts', post(JSON.stringify(huge)));
    expect(response.status).toBe(413);
    expect(notifier.received).toHaveLength(0);
  });

  it('requires the bearer token when one is configured', async () => {
    const { app, notifier } = setup({ auth: { bearerToken: 'let-me-in' } });
    const body = JSON.stringify(payload);
    expect((await app.request('/alerts', post(body))).status).toBe(401);
    const wrong = await app.request('/alerts', post(body, { authorization: 'Bearer wrong' }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(notifier.received).toHaveLength(0);
    expect((await app.request('/alerts', post(body, { authorization: 'Bearer let-me-in' }))).status).toBe(200);
    expect(notifier.received).toHaveLength(1);
  });

  it('requires basic auth when configured, and takes either credential when both are', async () => {
    const { app, notifier } = setup({ auth: { bearerToken: 'tok', basic: { username: 'am', password: 'pw' } } });
    const body = JSON.stringify(payload);
    expect((await app.request('/alerts', post(body, { authorization: basic('am', 'nope') }))).status).toBe(401);
    expect(notifier.received).toHaveLength(0);
    expect((await app.request('/alerts', post(body, { authorization: basic('am', 'pw') }))).status).toBe(200);
    expect((await app.request('/alerts', post(body, { authorization: 'Bearer tok' }))).status).toBe(200);
    expect(notifier.received).toHaveLength(2);
  });

  it('answers 500 when the payload could not be stored, so Alertmanager retries', async () => {
    const { app, notifier } = setup();
    notifier.failWith = new Error('SQLITE_FULL: database or disk is full');
    const response = await app.request('/alerts', post(JSON.stringify(payload)));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal error' });
  });
});

describe('POST /alerts when storage cannot commit', () => {
  it('answers 503 with the reason, so Alertmanager retries, and counts it as unavailable', async () => {
    const metrics = metricsWithoutSources();
    const { app, notifier } = setup({ metrics });
    notifier.failWith = await portDiskFullError();
    const response = await app.request('/alerts', post(JSON.stringify(payload)));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'storage is not accepting writes: database or disk is full' });
    expect(notifier.received).toHaveLength(0);

    notifier.failWith = undefined;
    expect((await app.request('/alerts', post(JSON.stringify(payload)))).status).toBe(200);
    expect(await webhookOutcomes(metrics)).toEqual({ unavailable: 1, accepted: 1 });
  });

  it('keeps answering 500 for a failure that is not storage', async () => {
    const metrics = metricsWithoutSources();
    const { app, notifier } = setup({ metrics });
    notifier.failWith = new TypeError("Cannot read properties of undefined (reading 'labels')");
    expect((await app.request('/alerts', post(JSON.stringify(payload)))).status).toBe(500);
    expect(await webhookOutcomes(metrics)).toEqual({ error: 1 });
  });

  it('waits for an accept that commits asynchronously, and answers by how it ended', async () => {
    const committed: string[] = [];
    const storage: { refusal?: Error } = {};
    const accept = async (received: WebhookPayload): Promise<void> => {
      await new Promise((resolve) => setImmediate(resolve));
      if (storage.refusal) throw storage.refusal;
      committed.push(received.groupKey);
    };
    const { app } = setup({ accept });
    const accepted = await app.request('/alerts', post(JSON.stringify(payload)));
    expect(accepted.status).toBe(200);
    expect(committed).toEqual([payload.groupKey]);

    storage.refusal = await portDiskFullError();
    const refused = await app.request('/alerts', post(JSON.stringify(payload)));
    expect(refused.status).toBe(503);
    expect(committed).toHaveLength(1);
  });
});

describe('GET /readyz while storage cannot commit', () => {
  it('answers 503 with the reason until a write succeeds again', async () => {
    const storage = new StorageHealth();
    const { app } = setup({ storage });
    expect((await app.request('/readyz')).status).toBe(200);

    storage.failed(realDiskFullError());
    const refusing = await app.request('/readyz');
    expect(refusing.status).toBe(503);
    expect(await refusing.json()).toEqual({ status: 'not ready', reason: 'storage is not accepting writes: database or disk is full' });

    storage.succeeded();
    expect((await app.request('/readyz')).status).toBe(200);
  });
});

describe('GET /preview', () => {
  it('asks for the basic-auth credentials when they are configured', async () => {
    const preview = { templates: () => builtinTemplates(), templateName: 'default', recent: new RecentNotifications() };
    const app = createApp({
      accept: () => undefined,
      logger: pino({ level: 'silent' }),
      auth: { basic: { username: 'am', password: 'pw' } },
      maxBodyBytes: 1024,
      isReady: () => true,
      preview,
    });
    const refused = await app.request('/preview');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await app.request('/preview', { headers: { authorization: basic('am', 'pw') } })).status).toBe(200);
  });
});

describe('probes', () => {
  it('/healthz is always ok; /readyz follows readiness', async () => {
    expect((await setup().app.request('/healthz')).status).toBe(200);
    expect((await setup({ ready: true }).app.request('/readyz')).status).toBe(200);
    expect((await setup({ ready: false }).app.request('/readyz')).status).toBe(503);
  });

  it('unknown paths get a JSON 404', async () => {
    const response = await setup().app.request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no route for GET /nope' });
  });
});

describe('POST /alerts served by Node (the body read from Node\'s request)', () => {
  async function serving(overrides: Parameters<typeof setup>[0] = {}) {
    const { app, notifier } = setup(overrides);
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
    });
    const { port } = server.address() as AddressInfo;
    const send = (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(`http://127.0.0.1:${port}/alerts`, { method: 'POST', body, headers, duplex: 'half' });
    const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    return { notifier, send, close };
  }
  const chunked = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 1000) controller.enqueue(bytes.subarray(at, at + 1000));
        controller.close();
      },
    });
  };

  it('accepts a payload sent with a length or in chunks, and answers as app.request() does otherwise', async () => {
    const { notifier, send, close } = await serving({ maxBodyBytes: 64 * 1024 });
    try {
      const body = JSON.stringify(payload);
      const accepted = await send(body);
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toEqual({ status: 'accepted', alerts: 3 });
      expect((await send(chunked(body))).status).toBe(200);
      expect(notifier.received).toHaveLength(2);

      const huge = JSON.stringify({ ...payload, commonAnnotations: { pad: 'x'.repeat(64 * 1024) } });
      for (const tooLarge of [await send(huge), await send(chunked(huge))]) {
        expect(tooLarge.status).toBe(413);
        expect(await tooLarge.json()).toEqual({ error: `request body is larger than ${64 * 1024} bytes` });
      }
      const malformed = await send('{"version": "4", ');
      expect(malformed.status).toBe(400);
      expect(await malformed.json()).toEqual({ error: 'Malformed JSON in request body' });
      // Not declared as JSON: read as an empty object, so the schema names what is missing.
      const untyped = await send(body, { 'content-type': 'text/plain' });
      expect(untyped.status).toBe(400);
      expect(((await untyped.json()) as { error: string }).error).toContain('version');
      expect(notifier.received).toHaveLength(2);
    } finally {
      await close();
    }
  });
});
