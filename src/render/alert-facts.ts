import { silenceLink } from '../alertmanager/api.js';
import { isUnset, toMillis, type WebhookAlert, type WebhookPayload } from '../alertmanager/webhook.js';

/** Facts about alerts and groups that every message layout needs, kept apart from the layout. */

/** What the group is about, in a few words: its group labels, or the alert name. */
export function groupName(payload: WebhookPayload): string {
  const values = Object.values(payload.groupLabels).filter((value) => value !== '');
  if (values.length > 0) return values.join(' · ');
  return payload.commonLabels.alertname ?? payload.alerts[0]?.labels.alertname ?? 'Alerts';
}

/** Labels that tell this alert apart from the others in its group. */
export function distinctLabels(alert: WebhookAlert, commonLabels: Record<string, string>): Array<[string, string]> {
  return Object.entries(alert.labels)
    .filter(([name, value]) => commonLabels[name] !== value && name !== 'alertname' && name !== 'severity')
    .sort(([a], [b]) => a.localeCompare(b));
}

/** The name a person knows the alert's subject by: its instance, else its distinct labels. */
export function subjectOf(alert: WebhookAlert, commonLabels: Record<string, string>): string {
  const distinct = distinctLabels(alert, commonLabels);
  const instance = alert.labels.instance;
  const rest = distinct.filter(([name]) => name !== 'instance' && name !== 'job');
  const restText = rest.map(([name, value]) => `${name}=${value}`).join(', ');
  if (instance) return restText ? `${instance} (${restText})` : instance;
  return restText || alert.labels.alertname || 'alert';
}

/** The most helpful one-line text an alert carries; an alert without annotations still says something. */
export function headlineOf(alert: WebhookAlert): string {
  const { summary, description, message } = alert.annotations;
  const candidates = [summary, message, description, alert.labels.alertname].map((text) => text?.replace(/\s+/g, ' ').trim());
  return candidates.find((text) => text) ?? 'alert';
}

/** How long a resolved alert fired, or undefined while it still fires. */
export function firedForMs(alert: WebhookAlert): number | undefined {
  if (alert.status !== 'resolved' || isUnset(alert.endsAt)) return undefined;
  return Math.max(0, toMillis(alert.endsAt) - toMillis(alert.startsAt));
}

/** Alertmanager's "new silence" page prefilled with matchers for these labels. */
export function silenceUrl(externalUrl: string, labels: Record<string, string>): string | undefined {
  if (!/^https?:\/\//.test(externalUrl)) return undefined;
  return silenceLink(externalUrl, Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })));
}
