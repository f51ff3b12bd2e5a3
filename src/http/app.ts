import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { webhookPayloadSchema, type WebhookPayload } from '../alertmanager/webhook.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { StorageUnavailableError } from '../util/storage-unavailable.js';
import { hasCredentials, previewAuth, receiverAuth, type ReceiverAuth } from './auth.js';
import { createPreviewApp, type PreviewDeps } from './preview/index.js';
import { parseJsonBody, readLimitedBody } from './webhook-body.js';

export interface AppDeps {
  /** Takes a notification durably: once it returns (or its promise resolves), what the payload carried is on disk. */
  accept: (payload: WebhookPayload) => void | Promise<void>;
  logger: Logger;
  auth: ReceiverAuth;
  maxBodyBytes: number;
  /** False while starting or shutting down, so /readyz can say so. */
  isReady: () => boolean;
  /** Why storage cannot commit right now (StorageHealth.status), or undefined while it can. */
  storageStatus?: (() => string | undefined) | undefined;
  metrics?: Metrics | undefined;
  /** Serves GET /preview and records each accepted payload for it. */
  preview?: PreviewDeps | undefined;
}

/** How a webhook request ended, by its status, for amcord_webhooks_received_total. */
const OUTCOME_BY_STATUS: Record<number, string> = { 200: 'accepted', 400: 'invalid', 401: 'unauthorized', 413: 'too_large', 503: 'unavailable' };

/** "alerts[0].labels.instance" from zod's path, for error bodies a person can act on. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

function describeIssues(error: z.core.$ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => ({ path: formatPath(issue.path) || '(body)', message: issue.message }));
}

/** amcord_alerts_received_total, one increment per status rather than per alert. */
function countAlerts(metrics: Metrics, payload: WebhookPayload): void {
  let firing = 0;
  for (const alert of payload.alerts) if (alert.status === 'firing') firing += 1;
  const resolved = payload.alerts.length - firing;
  if (firing > 0) metrics.alertsReceived.inc({ status: 'firing' }, firing);
  if (resolved > 0) metrics.alertsReceived.inc({ status: 'resolved' }, resolved);
}

/** The HTTP surface: Alertmanager's webhook, health probes and the preview page. No listen() here; tests call app.request(). */
export function createApp(deps: AppDeps): Hono {
  const log = deps.logger.child({ module: 'http' });
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    if (!deps.isReady()) return c.json({ status: 'not ready' }, 503);
    const storage = deps.storageStatus?.();
    // Running but unable to commit: traffic sent here would only get 503s.
    if (storage !== undefined) return c.json({ status: 'not ready', reason: `storage is not accepting writes: ${storage}` }, 503);
    return c.json({ status: 'ready' });
  });

  const { metrics, preview } = deps;
  if (metrics) {
    app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
    app.use('/alerts', async (c, next) => {
      await next();
      metrics.webhooks.inc({ outcome: OUTCOME_BY_STATUS[c.res.status] ?? 'error' });
    });
  }

  const tooLarge = `request body is larger than ${deps.maxBodyBytes} bytes`;
  app.post('/alerts', receiverAuth(deps.auth), async (c) => {
    // Size limit, JSON and schema in one step, as bodyLimit and the zod json validator did them,
    // reading the body straight from Node's request (webhook-body.ts).
    const body = await readLimitedBody(c, deps.maxBodyBytes);
    if (body.tooLarge) return c.json({ error: tooLarge }, 413);
    const result = webhookPayloadSchema.safeParse(parseJsonBody(c, body.bytes));
    if (!result.success) {
      const issues = describeIssues(result.error);
      log.warn({ issues }, 'rejected a webhook payload that does not match Alertmanager webhook v4');
      const summary = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      return c.json({ error: `invalid Alertmanager webhook payload: ${summary}`, issues }, 400);
    }
    const payload = result.data;
    // Accepted means committed. Storage that cannot commit (full disk, read-only, locked) is 503,
    // which Alertmanager retries; any other failure is a bug, becomes a 500 and is retried too.
    try {
      await deps.accept(payload);
    } catch (error) {
      if (!(error instanceof StorageUnavailableError)) throw error;
      log.warn({ err: error, groupKey: payload.groupKey }, 'storage refused a webhook; answered 503 so Alertmanager retries');
      return c.json({ error: `storage is not accepting writes: ${error.message}` }, 503);
    }
    preview?.recent.add(payload);
    if (metrics) countAlerts(metrics, payload);
    if (log.isLevelEnabled('debug')) log.debug({ groupKey: payload.groupKey, status: payload.status, alerts: payload.alerts.length }, 'accepted');
    return c.json({ status: 'accepted', alerts: payload.alerts.length });
  });

  if (preview) {
    // Alert contents: behind the same credentials as the receiver, whichever are configured.
    if (hasCredentials(deps.auth)) app.use('/preview/*', previewAuth(deps.auth));
    app.route('/preview', createPreviewApp({ ...preview, recent: () => preview.recent.list() }));
  }

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // Auth middlewares bring their own response (with WWW-Authenticate); a body that is not JSON does not.
      if (error.res) return error.getResponse();
      return c.json({ error: error.message }, error.status);
    }
    log.error({ err: error }, 'unexpected error while handling a request');
    return c.json({ error: 'internal error' }, 500);
  });

  return app;
}
