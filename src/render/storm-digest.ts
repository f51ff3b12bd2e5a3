import { fitMessage, type EmbedDraft } from '../discord/fit.js';
import { escapeMarkdown } from './templates/filters.js';
import type { DiscordMessage } from '../discord/types.js';
import type { EngineAlert } from '../engine/alert.js';
import type { Notification } from '../engine/notification.js';
import { COLORS, EMOJI, SEVERITIES, compareSeverity, severityOf, type Severity } from '../severity/severity.js';

/**
 * A storm digest: one message naming every group that waits for its own message, with its
 * severity and how many alerts fire in it, so the whole picture is in the channel at once while
 * the groups' messages follow at Discord's rate limit. It travels through the outbox as a
 * notification of its own group, each named group one entry of `firing` (see `digestNotification`),
 * so a crash neither loses nor repeats it and an edit says when the storm is over.
 */

/** The digest's group key; Alertmanager's keys always contain `{`, so none can be the same. */
export const STORM_DIGEST_KEY = 'amcord:storm-digest';

export interface DigestGroup {
  groupKey: string;
  name: string;
  severity: Severity;
  firing: number;
}

export const isDigest = (notification: Pick<Notification, 'groupKey'>): boolean => notification.groupKey === STORM_DIGEST_KEY;

/** What a group is called in the digest: its group labels, or its first alert's name. */
export function digestGroupOf(notification: Notification): DigestGroup {
  const values = Object.values(notification.groupLabels).filter((value) => value !== '');
  const name = values.length > 0 ? values.join(' · ') : (notification.firing[0]?.labels.alertname ?? notification.groupKey);
  const severities = notification.firing.map((alert) => severityOf(alert.labels));
  const severity = SEVERITIES.find((level) => severities.includes(level)) ?? 'none';
  return { groupKey: notification.groupKey, name, severity, firing: notification.firing.length };
}

/** The digest as a notification: each group one entry of `firing`, so the outbox can keep it like any other. */
export function digestNotification(groups: readonly DigestGroup[], at: number, over: boolean): Notification {
  const firing: EngineAlert[] = groups.map((group) => ({
    fingerprint: group.groupKey,
    labels: { alertname: group.name, severity: group.severity },
    annotations: { firing: String(group.firing) },
    startsAt: at,
    endsAt: at,
    endsAtIsTimeout: true,
    generatorURL: '',
    updatedAt: at,
  }));
  return {
    route: '',
    groupKey: STORM_DIGEST_KEY,
    receiver: '',
    groupLabels: {},
    externalUrl: '',
    at,
    firing,
    resolved: [],
    newlyFiring: [],
    reason: over ? 'all-resolved' : 'first',
  };
}

const groupsOf = (notification: Notification): DigestGroup[] =>
  notification.firing.map((entry) => ({
    groupKey: entry.fingerprint,
    name: entry.labels.alertname ?? entry.fingerprint,
    severity: severityOf(entry.labels),
    firing: Number(entry.annotations.firing ?? 0),
  }));

const plural = (count: number, noun: string): string => `${count.toLocaleString('en-US')} ${noun}${count === 1 ? '' : 's'}`;

/** The digest message: one embed per severity, one line per group, most severe and largest first. */
export function renderDigest(notification: Notification, username?: string): DiscordMessage {
  const over = notification.reason === 'all-resolved';
  const groups = groupsOf(notification).sort((a, b) => compareSeverity(a.severity, b.severity) || b.firing - a.firing);
  const alerts = groups.reduce((sum, group) => sum + group.firing, 0);
  const headline = over
    ? `✅ Storm over: ${plural(groups.length, 'group')} (${plural(alerts, 'alert')}), each in its own message`
    : `🌩️ Alert storm: ${plural(groups.length, 'group')} (${plural(alerts, 'alert')}) waiting for Discord's rate limit`;
  const intro = over
    ? 'Every group named here has its own message in this channel now.'
    : "Each group gets its own message below as fast as Discord allows; until then, this is the whole picture.";
  const embeds: EmbedDraft[] = [];
  for (const severity of SEVERITIES) {
    const mine = groups.filter((group) => group.severity === severity);
    if (mine.length === 0) continue;
    embeds.push({
      title: `${EMOJI[severity]} ${severity === 'none' ? 'no severity' : severity}: ${plural(mine.length, 'group')}`,
      color: over ? COLORS.resolved : COLORS[severity],
      // The first embed says what the digest is.
      ...(embeds.length === 0 ? { intro } : {}),
      items: mine.map((group) => `**${escapeMarkdown(group.name)}** — ${plural(group.firing, 'alert')}`),
      continues: true,
    });
  }
  const { message } = fitMessage({ content: headline, ...(username ? { username } : {}), embeds, allowed_mentions: { parse: [] } });
  return message;
}
