import { silenceLink } from '../alertmanager/api.js';
import { isUnset, toMillis, type WebhookAlert, type WebhookPayload } from '../alertmanager/webhook.js';

/** Facts about alerts and groups that every message layout needs, kept apart from the layout. */

export type Severity = 'critical' | 'warning' | 'info' | 'none';

/** Embed colours: one per severity, green once resolved. */
export const COLORS = {
  critical: 0xe74c3c,
  warning: 0xf39c12,
  info: 0x3498db,
  none: 0x95a5a6,
  resolved: 0x2ecc71,
} as const;

/** The mark in front of a title or line: one per severity, a tick once resolved. */
export const EMOJI: Record<Severity | 'resolved', string> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
  none: '⚪',
  resolved: '✅',
};

export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1, none: 0 };

/** Maps the many spellings seen in rule files onto four levels. */
export function severityOf(labels: Record<string, string>): Severity {
  const raw = (labels.severity ?? labels.priority ?? '').toLowerCase();
  if (['critical', 'crit', 'page', 'high', 'p1', 'emergency', 'alert', 'error', 'fatal'].includes(raw)) return 'critical';
  if (['warning', 'warn', 'medium', 'p2', 'p3', 'major', 'minor'].includes(raw)) return 'warning';
  if (['info', 'informational', 'low', 'notice', 'p4', 'p5'].includes(raw)) return 'info';
  return 'none';
}

export function highestOf(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((top, next) => (SEVERITY_RANK[next] > SEVERITY_RANK[top] ? next : top), 'none');
}

export function highestSeverity(alerts: readonly WebhookAlert[]): Severity {
  return highestOf(alerts.map((alert) => severityOf(alert.labels)));
}

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

export function startedAt(alert: WebhookAlert): number {
  return toMillis(alert.startsAt);
}

/** How long a resolved alert fired, or undefined while it still fires. */
export function firedForMs(alert: WebhookAlert): number | undefined {
  if (alert.status !== 'resolved' || isUnset(alert.endsAt)) return undefined;
  return Math.max(0, toMillis(alert.endsAt) - toMillis(alert.startsAt));
}

/** Discord renders <t:unix:style> in each reader's own time zone. */
export function discordTime(ms: number, style: 'R' | 'f' | 't' = 'R'): string {
  return `<t:${Math.floor(ms / 1000)}:${style}>`;
}

/** A link Discord will render, or nothing when the URL is empty or not http(s). */
export function markdownLink(label: string, url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\//.test(url)) return undefined;
  return `[${label}](${url})`;
}

/** Alertmanager's "new silence" page prefilled with matchers for these labels. */
export function silenceUrl(externalUrl: string, labels: Record<string, string>): string | undefined {
  if (!/^https?:\/\//.test(externalUrl)) return undefined;
  return silenceLink(externalUrl, Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })));
}
