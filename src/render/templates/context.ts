import { isUnset, toMillis, type WebhookAlert, type WebhookPayload } from '../../alertmanager/webhook.js';
import { DISCORD_LIMITS } from '../../discord/limits.js';
import { COLORS, EMOJI, SEVERITY_RANK, highestOf, severityOf, type Severity } from '../../severity/severity.js';
import { distinctLabels, firedForMs, groupName, headlineOf, silenceUrl, subjectOf } from '../alert-facts.js';
import { lazyList } from './lazy-list.js';
import type { AlertSelection } from './schema.js';

/**
 * What templates see. Names from Alertmanager's webhook payload keep their spelling
 * (`startsAt`, `generatorURL`, `commonLabels`, `externalURL`); everything amcord adds is snake_case.
 */

/** Why this message is sent: a new alert, a change (some resolved), a reminder, or all resolved. */
export type NotificationReason = 'new' | 'update' | 'repeat' | 'resolved';
export const NOTIFICATION_REASONS: readonly NotificationReason[] = ['new', 'update', 'repeat', 'resolved'];

export interface LabelPair {
  name: string;
  value: string;
}

export interface AlertView {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
  name: string;
  severity: Severity;
  /** The severity's mark while firing, ✅ once resolved. */
  emoji: string;
  severity_emoji: string;
  color: number;
  subject: string;
  headline: string;
  summary: string | null;
  description: string | null;
  value: string | null;
  starts_at: number;
  ends_at: number | null;
  fired_for: number | null;
  source_url: string | null;
  silence_url: string | null;
  runbook_url: string | null;
  dashboard_url: string | null;
  label_list: LabelPair[];
  distinct_labels: LabelPair[];
}

export interface GroupView {
  name: string;
  key: string;
  labels: Record<string, string>;
  receiver: string;
  status: 'firing' | 'resolved';
  firing: number;
  resolved: number;
  truncated: number;
  total: number;
  severity: Severity;
  emoji: string;
  color: number;
  silence_url: string | null;
  runbook_url: string | null;
  dashboard_url: string | null;
  url: string | null;
  common_labels: LabelPair[];
}

export interface EmbedView {
  index: number;
  count: number;
  first: boolean;
  last: boolean;
  kind: AlertSelection;
  size: number;
  firing: number;
  resolved: number;
  severity: Severity;
  emoji: string;
  color: number;
  mixed_severities: boolean;
  starts_at: number | null;
  url: string | null;
}

/** Who said "I've got it" for this group (the Acknowledge button or /ack), while it fires. */
export interface AcknowledgementView {
  user_id: string;
  /** `<@id>`: shows the name, never pings (only the route's mentions may). */
  mention: string;
  /** When, in epoch milliseconds; `{{ acknowledgement.at | discord_time }}` says "5 minutes ago". */
  at: number;
  /** The mention of whoever had acknowledged it before this person took it over; nil otherwise. */
  took_over_from: string | null;
}

/** An acknowledgement as rendering is handed it. */
export interface Acknowledgement {
  userId: string;
  at: number;
  tookOverFrom?: { userId: string; at: number } | undefined;
}

export function acknowledgementView(acknowledgement: Acknowledgement | undefined): AcknowledgementView | null {
  if (!acknowledgement) return null;
  return {
    user_id: acknowledgement.userId,
    mention: `<@${acknowledgement.userId}>`,
    at: acknowledgement.at,
    took_over_from: acknowledgement.tookOverFrom ? `<@${acknowledgement.tookOverFrom.userId}>` : null,
  };
}

export interface MessageScope {
  reason: NotificationReason;
  mentions: string;
  /** Set while someone has acknowledged the firing group; nil otherwise. */
  acknowledgement: AcknowledgementView | null;
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  truncatedAlerts: number;
  group: GroupView;
  alerts: AlertView[];
  firing_alerts: AlertView[];
  resolved_alerts: AlertView[];
}

export interface EmbedScope extends MessageScope {
  embed: EmbedView;
}

export interface ItemScope extends EmbedScope {
  alert: AlertView;
}

export interface ScopeInput {
  reason: NotificationReason;
  mentions: string;
  externalUrl: string;
  acknowledgement?: Acknowledgement | undefined;
}

/** Labels shown elsewhere in a message (the title says the name and severity). */
const HIDDEN_LABELS = new Set(['alertname', 'severity']);

/** An annotation with something in it, else nil. */
const present = (text: string | undefined): string | null => (text && text.trim() !== '' ? text : null);

/** An http(s) URL Discord accepts; a longer one would make the whole message refused, or break a link. */
const httpUrl = (url: string | undefined): string | null => (url && url.length <= DISCORD_LIMITS.url && /^https?:\/\//i.test(url) ? url : null);

function pairs(labels: Record<string, string>, keep: (name: string) => boolean = () => true): LabelPair[] {
  return Object.entries(labels)
    .filter(([name]) => keep(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
}

function alertView(alert: WebhookAlert, payload: WebhookPayload, externalUrl: string): AlertView {
  const severity = severityOf(alert.labels);
  const resolved = alert.status === 'resolved';
  const { annotations } = alert;
  return {
    status: alert.status,
    labels: alert.labels,
    annotations,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt,
    generatorURL: alert.generatorURL,
    fingerprint: alert.fingerprint,
    name: alert.labels.alertname ?? groupName(payload),
    severity,
    emoji: EMOJI[resolved ? 'resolved' : severity],
    severity_emoji: EMOJI[severity],
    color: resolved ? COLORS.resolved : COLORS[severity],
    subject: subjectOf(alert, payload.commonLabels),
    headline: headlineOf(alert),
    summary: present(annotations.summary) ?? present(annotations.message),
    description: present(annotations.description),
    value: present(annotations.value),
    starts_at: toMillis(alert.startsAt),
    ends_at: isUnset(alert.endsAt) ? null : toMillis(alert.endsAt),
    fired_for: firedForMs(alert) ?? null,
    source_url: httpUrl(alert.generatorURL),
    silence_url: httpUrl(silenceUrl(externalUrl, alert.labels)),
    runbook_url: httpUrl(annotations.runbook_url),
    dashboard_url: httpUrl(annotations.dashboard_url),
    label_list: pairs(alert.labels, (name) => !HIDDEN_LABELS.has(name)),
    distinct_labels: distinctLabels(alert, payload.commonLabels).map(([name, value]) => ({ name, value })),
  };
}

/**
 * What lists of alerts are sorted and summed up by, made for every alert; the alert's view is
 * made only when a template reads it, so a group of 10,000 costs little more than what is shown.
 */
interface ListFacts {
  status: 'firing' | 'resolved';
  severity: Severity;
  starts_at: number;
  source_url: string | null;
}

interface AlertFacts extends ListFacts {
  alert: WebhookAlert;
}

/** The facts behind each list of views messageScope hands out. */
const LIST_FACTS = new WeakMap<readonly AlertView[], readonly ListFacts[]>();

/** Facts for each alert; alerts of one group often share their start, which is parsed once. */
function alertFacts(alerts: readonly WebhookAlert[]): AlertFacts[] {
  const starts = new Map<string, number>();
  return alerts.map((alert) => {
    let startsAt = starts.get(alert.startsAt);
    if (startsAt === undefined) starts.set(alert.startsAt, (startsAt = toMillis(alert.startsAt)));
    return { alert, status: alert.status, severity: severityOf(alert.labels), starts_at: startsAt, source_url: httpUrl(alert.generatorURL) };
  });
}

function viewList(facts: readonly AlertFacts[], view: (alert: WebhookAlert) => AlertView): AlertView[] {
  const list = lazyList(facts.length, (index) => view((facts[index] as AlertFacts).alert));
  LIST_FACTS.set(list, facts);
  return list;
}

const factsOf = (alerts: readonly AlertView[]): readonly ListFacts[] => LIST_FACTS.get(alerts) ?? alerts;

/** Severity, mark and colour of a list: its highest firing severity, or resolved when nothing in it fires. */
function look(alerts: readonly ListFacts[]): { severity: Severity; emoji: string; color: number } {
  const firing = alerts.filter((alert) => alert.status === 'firing');
  if (firing.length === 0) return { severity: highestOf(alerts.map((alert) => alert.severity)), emoji: EMOJI.resolved, color: COLORS.resolved };
  const severity = highestOf(firing.map((alert) => alert.severity));
  return { severity, emoji: EMOJI[severity], color: COLORS[severity] };
}

/** The silence for a whole group: its group labels, else what all its alerts share. */
function groupSilence(payload: WebhookPayload, externalUrl: string): string | null {
  const labels = Object.keys(payload.groupLabels).length > 0 ? payload.groupLabels : payload.commonLabels;
  return Object.keys(labels).length > 0 ? httpUrl(silenceUrl(externalUrl, labels)) : null;
}

/** Most important first: firing before resolved, then by severity; otherwise as Alertmanager sent them. */
function byImportance(a: ListFacts, b: ListFacts): number {
  if (a.status !== b.status) return a.status === 'firing' ? -1 : 1;
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
}

export function messageScope(payload: WebhookPayload, input: ScopeInput): MessageScope {
  const facts = alertFacts(payload.alerts).sort(byImportance);
  // One view per alert, whichever list it is read through.
  const views = new Map<WebhookAlert, AlertView>();
  const view = (alert: WebhookAlert): AlertView => {
    let made = views.get(alert);
    if (!made) views.set(alert, (made = alertView(alert, payload, input.externalUrl)));
    return made;
  };
  const alerts = viewList(facts, view);
  const firing = viewList(facts.filter((alert) => alert.status === 'firing'), view);
  const resolved = viewList(facts.filter((alert) => alert.status === 'resolved'), view);
  const { severity, emoji, color } = look(facts);
  return {
    reason: input.reason,
    mentions: input.mentions,
    // Only a firing group is acknowledged: a resolved one has nothing left to take care of.
    acknowledgement: payload.status === 'firing' ? acknowledgementView(input.acknowledgement) : null,
    receiver: payload.receiver,
    status: payload.status,
    groupKey: payload.groupKey,
    groupLabels: payload.groupLabels,
    commonLabels: payload.commonLabels,
    commonAnnotations: payload.commonAnnotations,
    externalURL: input.externalUrl,
    truncatedAlerts: payload.truncatedAlerts,
    group: {
      name: groupName(payload),
      key: payload.groupKey,
      labels: payload.groupLabels,
      receiver: payload.receiver,
      status: firing.length > 0 ? 'firing' : 'resolved',
      firing: firing.length,
      resolved: resolved.length,
      truncated: payload.truncatedAlerts,
      total: alerts.length + payload.truncatedAlerts,
      severity,
      emoji,
      color,
      silence_url: groupSilence(payload, input.externalUrl),
      runbook_url: httpUrl(payload.commonAnnotations.runbook_url),
      dashboard_url: httpUrl(payload.commonAnnotations.dashboard_url),
      url: facts.find((alert) => alert.source_url)?.source_url ?? null,
      common_labels: pairs(payload.commonLabels, (name) => !HIDDEN_LABELS.has(name)),
    },
    alerts,
    firing_alerts: firing,
    resolved_alerts: resolved,
  };
}

export function selectAlerts(scope: MessageScope, kind: AlertSelection): AlertView[] {
  if (kind === 'firing') return scope.firing_alerts;
  if (kind === 'resolved') return scope.resolved_alerts;
  return scope.alerts;
}

export function embedScope(scope: MessageScope, kind: AlertSelection, alerts: AlertView[], index: number, count: number): EmbedScope {
  const facts = factsOf(alerts);
  const firing = facts.filter((alert) => alert.status === 'firing');
  const starts = facts.map((alert) => alert.starts_at).filter((ms) => !Number.isNaN(ms));
  return {
    ...scope,
    alerts,
    embed: {
      index,
      count,
      first: index === 0,
      last: index === count - 1,
      kind,
      size: alerts.length,
      firing: firing.length,
      resolved: alerts.length - firing.length,
      ...look(facts),
      mixed_severities: new Set(firing.map((alert) => alert.severity)).size > 1,
      starts_at: starts.length > 0 ? starts.reduce((a, b) => Math.min(a, b)) : null,
      url: facts.find((alert) => alert.source_url)?.source_url ?? null,
    },
  };
}

export function itemScope(scope: EmbedScope, alert: AlertView): ItemScope {
  return { ...scope, alert };
}
