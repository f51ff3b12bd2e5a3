import { GO_ZERO_TIME, type WebhookAlert, type WebhookPayload } from '../alertmanager/webhook.js';
import type { EngineAlert } from '../engine/alert.js';
import type { NotifyReason } from '../engine/dedup.js';
import type { Notification } from '../engine/notification.js';
import type { NotificationReason } from './templates/context.js';

function common(sets: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = sets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([name, value]) => rest.every((set) => set[name] === value)));
}

function toWebhookAlert(alert: EngineAlert, status: 'firing' | 'resolved'): WebhookAlert {
  return {
    status,
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: new Date(alert.startsAt).toISOString(),
    endsAt: status === 'resolved' ? new Date(alert.endsAt).toISOString() : GO_ZERO_TIME,
    generatorURL: alert.generatorURL,
    fingerprint: alert.fingerprint,
  };
}

/**
 * A notification in the shape of Alertmanager's webhook payload, which is what templates and the
 * default layout are written against: one data model, whether rendered from a flush or from
 * `amcord render`.
 */
export function notificationPayload(notification: Notification): WebhookPayload {
  const alerts = [
    ...notification.firing.map((alert) => toWebhookAlert(alert, 'firing')),
    ...notification.resolved.map((alert) => toWebhookAlert(alert, 'resolved')),
  ];
  return {
    version: '4',
    groupKey: notification.groupKey,
    truncatedAlerts: 0,
    status: notification.firing.length > 0 ? 'firing' : 'resolved',
    receiver: notification.receiver,
    groupLabels: notification.groupLabels,
    commonLabels: common(alerts.map((alert) => alert.labels)),
    commonAnnotations: common(alerts.map((alert) => alert.annotations)),
    externalURL: notification.externalUrl,
    alerts,
  };
}

const REASONS: Record<NotifyReason, NotificationReason> = {
  first: 'new',
  'new-firing': 'new',
  'newly-resolved': 'update',
  'all-resolved': 'resolved',
  repeat: 'repeat',
};

/** The engine's reason for a notification, in the words templates use. */
export function notificationReason(notification: Pick<Notification, 'reason'>): NotificationReason {
  return REASONS[notification.reason];
}
