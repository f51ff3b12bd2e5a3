import { webhookPayloadSchema, toMillis, isUnset } from '../../src/alertmanager/webhook.js';
import { postAlerts, startAlertmanager, type RunningProcess } from '../support/processes.js';
import type { ObservedNotification } from './notifications.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { toPosted, type PlayedTimeline, type PostedAlert, type Timeline } from './timeline.js';

/** Time between Alertmanager being ready and t0, so the first post is not late. */
const LEAD_MS = 300;
/**
 * Alertmanager 0.25 garbage-collects expired notification-log entries only at this maintenance
 * (15 min by default); a short one makes expiry take effect when the entry expires, as in amcord.
 */
const NFLOG_MAINTENANCE = '100ms';

export interface AlertmanagerRun extends PlayedTimeline {
  /** Before the process was started: its dispatcher's 30 s maintenance cannot come earlier than 30 s after this. */
  launchedAt: number;
  notifications: ObservedNotification[];
}

/** Go duration text for a millisecond count, as alertmanager.yml takes it. */
export const goDuration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** One root route, grouped as the timeline says, to one webhook receiver. */
export function alertmanagerConfig(timeline: Timeline, webhookUrl: string): Record<string, unknown> {
  const { grouping } = timeline;
  return {
    global: { resolve_timeout: goDuration(grouping.resolveTimeoutMs) },
    route: {
      receiver: 'recorder',
      group_by: grouping.groupBy === 'all' ? ['...'] : [...grouping.groupBy],
      group_wait: goDuration(grouping.groupWaitMs),
      group_interval: goDuration(grouping.groupIntervalMs),
      repeat_interval: goDuration(grouping.repeatIntervalMs),
    },
    receivers: [{ name: 'recorder', webhook_configs: [{ url: webhookUrl, send_resolved: grouping.sendResolved }] }],
  };
}

/**
 * Plays a timeline against a real Alertmanager in real time: posts each step via API v2 at its
 * offset, records every webhook, and returns when the timeline's duration has passed.
 */
export async function playOnAlertmanager(timeline: Timeline): Promise<AlertmanagerRun> {
  let receiver: WebhookReceiver | undefined;
  let alertmanager: RunningProcess | undefined;
  try {
    receiver = await startWebhookReceiver();
    const launchedAt = Date.now();
    alertmanager = await startAlertmanager({
      config: alertmanagerConfig(timeline, `${receiver.url}/${timeline.name}`),
      extraArgs: [`--data.maintenance-interval=${NFLOG_MAINTENANCE}`],
    });
    const t0 = Date.now() + LEAD_MS;
    const posts: PlayedTimeline['posts'] = [];
    for (const step of timeline.steps) {
      await waitUntilTime(t0 + step.at);
      const alerts = step.alerts.map((alert) => toPosted(alert, t0));
      const sentAt = Date.now();
      await postAlerts(alertmanager.url, alerts.map(toApiAlert));
      posts.push({ sentAt, alerts });
    }
    // The script's end: silence until then is part of what is compared.
    await waitUntilTime(t0 + timeline.durationMs);
    const notifications = receiver.received.map((request) => toObserved(request.body, request.receivedAt));
    return { t0, launchedAt, posts, notifications };
  } catch (error) {
    const tail = alertmanager ? `\n--- Alertmanager output ---\n${alertmanager.logTail()}` : '';
    throw new Error(`timeline ${timeline.name} failed on Alertmanager: ${String(error)}${tail}`, { cause: error });
  } finally {
    await alertmanager?.stop();
    await receiver?.close();
  }
}

function toApiAlert(alert: PostedAlert) {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt).toISOString(),
    ...(alert.endsAt === undefined ? {} : { endsAt: new Date(alert.endsAt).toISOString() }),
  };
}

function toObserved(body: unknown, receivedAt: number): ObservedNotification {
  const payload = webhookPayloadSchema.parse(body);
  const observed: ObservedNotification = { groupKey: payload.groupKey, at: receivedAt, firing: [], resolved: [] };
  for (const alert of payload.alerts) {
    const entry = {
      fingerprint: alert.fingerprint,
      labels: alert.labels,
      startsAt: toMillis(alert.startsAt),
      endsAt: isUnset(alert.endsAt) ? undefined : toMillis(alert.endsAt),
    };
    (alert.status === 'firing' ? observed.firing : observed.resolved).push(entry);
  }
  return observed;
}

/**
 * Scripted pacing of the timeline (not an assertion): resolves once the given epoch time is
 * reached. Node's timers may fire a millisecond early by the wall clock, hence the loop.
 */
async function waitUntilTime(epochMs: number): Promise<void> {
  while (Date.now() < epochMs) await new Promise((resolve) => setTimeout(resolve, epochMs - Date.now()));
}
