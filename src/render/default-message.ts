import type { WebhookAlert, WebhookPayload } from '../alertmanager/webhook.js';
import type { EmbedDraft, MessageDraft } from '../discord/fit.js';
import type { DiscordEmbedField } from '../discord/types.js';
import { formatDuration } from '../util/duration.js';
import {
  discordTime,
  firedForMs,
  groupName,
  headlineOf,
  highestSeverity,
  markdownLink,
  severityOf,
  silenceUrl,
  startedAt,
  subjectOf,
  type Severity,
} from './alert-facts.js';

export const COLORS = {
  critical: 0xe74c3c,
  warning: 0xf39c12,
  info: 0x3498db,
  none: 0x95a5a6,
  resolved: 0x2ecc71,
} as const;

const EMOJI: Record<Severity | 'resolved', string> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
  none: '⚪',
  resolved: '✅',
};

/** Labels that are shown elsewhere in the message or are noise to a reader. */
const HIDDEN_LABELS = new Set(['alertname', 'severity']);

export interface RenderOptions {
  /** Replaces the payload's externalURL in links, for Alertmanagers behind a proxy. */
  externalUrl?: string | undefined;
  username?: string | undefined;
  avatarUrl?: string | undefined;
}

function linksLine(alert: WebhookAlert, silenceLink: string | undefined): string | undefined {
  const links = [
    markdownLink('Source', alert.generatorURL),
    markdownLink('Runbook', alert.annotations.runbook_url),
    markdownLink('Dashboard', alert.annotations.dashboard_url),
    markdownLink('Silence', silenceLink),
  ].filter((link): link is string => link !== undefined);
  return links.length > 0 ? links.join(' · ') : undefined;
}

function labelFields(labels: Array<[string, string]>): DiscordEmbedField[] {
  return labels
    .filter(([name]) => !HIDDEN_LABELS.has(name))
    .map(([name, value]) => ({ name, value: value === '' ? '​' : value, inline: true }));
}

/** One alert in full: its summary and description, its labels as fields, its links. */
function singleAlertEmbed(alert: WebhookAlert, payload: WebhookPayload, externalUrl: string): EmbedDraft {
  const resolved = alert.status === 'resolved';
  const severity = highestSeverity([alert]);
  const name = alert.labels.alertname ?? groupName(payload);
  const subject = alert.labels.instance ?? subjectOf(alert, payload.commonLabels);
  const where = subject && subject !== name ? ` on ${subject}` : '';
  const title = `${EMOJI[resolved ? 'resolved' : severity]} ${resolved ? 'Resolved' : 'Firing'}: ${name}${where}${severityNote(severity, resolved)}`;
  const { summary, description, message } = alert.annotations;
  const text = [summary ?? message, description].filter((part): part is string => Boolean(part)).join('\n');
  const firedFor = firedForMs(alert);
  const fields = labelFields(Object.entries(alert.labels).sort(([a], [b]) => a.localeCompare(b)));
  fields.push({ name: 'Started', value: `${discordTime(startedAt(alert), 'f')} (${discordTime(startedAt(alert))})`, inline: false });
  if (firedFor !== undefined) fields.push({ name: 'Fired for', value: formatDuration(firedFor), inline: true });
  const links = linksLine(alert, resolved ? undefined : silenceUrl(externalUrl, alert.labels));
  if (links) fields.push({ name: 'Links', value: links, inline: false });
  return {
    title,
    url: alert.generatorURL || undefined,
    color: resolved ? COLORS.resolved : COLORS[severity],
    intro: text || headlineOf(alert),
    items: [],
    wholeItems: 1,
    fields,
    timestamp: new Date(startedAt(alert)).toISOString(),
  };
}

/** "(critical)" after a firing title, as people know it from Alertmanager's own messages. */
function severityNote(severity: Severity, resolved: boolean): string {
  return resolved || severity === 'none' ? '' : ` (${severity})`;
}

function alertLine(alert: WebhookAlert, payload: WebhookPayload, showSeverity: boolean): string {
  const subject = subjectOf(alert, payload.commonLabels);
  const firedFor = firedForMs(alert);
  const when = firedFor === undefined ? `since ${discordTime(startedAt(alert))}` : `fired for ${formatDuration(firedFor)}`;
  const source = markdownLink('graph', alert.generatorURL);
  const severity = showSeverity ? `${EMOJI[highestSeverity([alert])]} ` : '';
  return `${severity}**${subject}** — ${headlineOf(alert)} · ${when}${source ? ` · ${source}` : ''}`;
}

/** Many alerts of one kind: one line each, common labels as fields. */
function alertListEmbed(
  alerts: WebhookAlert[],
  status: 'firing' | 'resolved',
  payload: WebhookPayload,
  externalUrl: string,
): EmbedDraft {
  const severity = highestSeverity(alerts);
  const resolved = status === 'resolved';
  const title = `${EMOJI[resolved ? 'resolved' : severity]} ${alerts.length} ${resolved ? 'resolved' : 'firing'}: ${groupName(payload)}${severityNote(severity, resolved)}`;
  // A mark per line only helps when the severities differ.
  const mixedSeverities = !resolved && new Set(alerts.map((alert) => severityOf(alert.labels))).size > 1;
  const { summary, description } = payload.commonAnnotations;
  const common = Object.entries(payload.commonLabels).filter(
    ([name]) => !HIDDEN_LABELS.has(name) && alerts.every((alert) => alert.labels[name] !== undefined),
  );
  const fields = labelFields(common.sort(([a], [b]) => a.localeCompare(b)));
  const links = [
    markdownLink('Silence group', resolved ? undefined : silenceUrl(externalUrl, payload.groupLabels)),
    markdownLink('Runbook', payload.commonAnnotations.runbook_url),
    markdownLink('Alertmanager', externalUrl),
  ].filter((link): link is string => link !== undefined);
  if (links.length > 0) fields.push({ name: 'Links', value: links.join(' · '), inline: false });
  const earliest = Math.min(...alerts.map(startedAt));
  return {
    title,
    url: alerts.find((alert) => alert.generatorURL)?.generatorURL || undefined,
    color: resolved ? COLORS.resolved : COLORS[severity],
    intro: [summary, description].filter(Boolean).join('\n') || undefined,
    items: alerts.map((alert) => alertLine(alert, payload, mixedSeverities)),
    fields,
    timestamp: new Date(earliest).toISOString(),
  };
}

/**
 * The built-in layout: a firing embed (severity colour) and a resolved embed (green), each
 * showing one alert in full or many as a list. Pure: the same payload gives the same message.
 */
export function renderDefaultMessage(payload: WebhookPayload, options: RenderOptions = {}): MessageDraft {
  const externalUrl = options.externalUrl ?? payload.externalURL;
  const firing = payload.alerts.filter((alert) => alert.status === 'firing');
  const resolved = payload.alerts.filter((alert) => alert.status === 'resolved');
  const embeds: EmbedDraft[] = [];
  for (const [status, alerts] of [['firing', firing], ['resolved', resolved]] as const) {
    if (alerts.length === 0) continue;
    const [only] = alerts;
    embeds.push(only && alerts.length === 1 ? singleAlertEmbed(only, payload, externalUrl) : alertListEmbed(alerts, status, payload, externalUrl));
  }
  const last = embeds[embeds.length - 1];
  if (last) {
    // Alertmanager's max_alerts cut these before sending; they still count.
    last.hiddenItems = payload.truncatedAlerts;
    const counts = [`${firing.length} firing`, `${resolved.length} resolved`];
    if (payload.truncatedAlerts > 0) counts.push(`${payload.truncatedAlerts} cut by max_alerts`);
    last.footer = `${counts.join(' · ')} · ${payload.receiver}`;
  }
  return { username: options.username, avatar_url: options.avatarUrl, embeds };
}
