import type { AlertmanagerAlert } from '../../alertmanager/api.js';

/** Severity as people label it; unknown values sort after the known ones. */
const RANKS: Record<string, number> = {
  emergency: 0,
  critical: 0,
  page: 0,
  high: 1,
  error: 1,
  major: 1,
  warning: 2,
  warn: 2,
  minor: 2,
  medium: 2,
  info: 3,
  low: 3,
  informational: 3,
  none: 4,
};
const EMOJI = ['🔴', '🟠', '🟡', '🔵', '⚪'];

export function severityRank(severity: string | undefined): number {
  return RANKS[(severity ?? '').toLowerCase()] ?? 4;
}

export function severityEmoji(severity: string | undefined): string {
  return EMOJI[severityRank(severity)] ?? '⚪';
}

/** Most severe first, then the longest firing. */
export function bySeverity(a: AlertmanagerAlert, b: AlertmanagerAlert): number {
  return severityRank(a.labels['severity']) - severityRank(b.labels['severity']) || a.startsAt.getTime() - b.startsAt.getTime();
}

/** Firing and neither silenced nor inhibited: what people are being notified about. */
export function isNotifying(alert: AlertmanagerAlert): boolean {
  return alert.status.state === 'active';
}
