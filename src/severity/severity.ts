/**
 * Severity, once for all of amcord: how the many spellings in rule files map onto four levels,
 * how the levels rank, and the mark and colour each one gets. Channel messages and bot replies
 * both read it, so an alert looks the same wherever it is shown.
 */

export type Severity = 'critical' | 'warning' | 'info' | 'none';

/** How an alert, a line or a message is shown: by its severity while it fires, resolved once it does not. */
export type Look = Severity | 'resolved';

/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info', 'none'];

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 3, warning: 2, info: 1, none: 0 };

const SPELLINGS: Readonly<Record<Exclude<Severity, 'none'>, readonly string[]>> = {
  critical: ['critical', 'crit', 'page', 'high', 'p1', 'emergency', 'alert', 'error', 'fatal'],
  warning: ['warning', 'warn', 'medium', 'p2', 'p3', 'major', 'minor'],
  info: ['info', 'informational', 'low', 'notice', 'p4', 'p5'],
};

/** One label value (any case) to its level; anything unknown or missing is `none`. */
export function parseSeverity(raw: string | undefined): Severity {
  const value = (raw ?? '').toLowerCase();
  for (const severity of ['critical', 'warning', 'info'] as const) {
    if (SPELLINGS[severity].includes(value)) return severity;
  }
  return 'none';
}

/** An alert's level from its `severity` label, or its `priority` label when it has no severity. */
export function severityOf(labels: Readonly<Record<string, string | undefined>>): Severity {
  return parseSeverity(labels['severity'] ?? labels['priority']);
}

/** For `sort`: the more severe first. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITY_RANK[b] - SEVERITY_RANK[a];
}

export function highestOf(severities: readonly Severity[]): Severity {
  return severities.reduce<Severity>((top, next) => (SEVERITY_RANK[next] > SEVERITY_RANK[top] ? next : top), 'none');
}

export function highestSeverity(alerts: readonly { labels: Readonly<Record<string, string | undefined>> }[]): Severity {
  return highestOf(alerts.map((alert) => severityOf(alert.labels)));
}

/** Embed colours: one per severity, green once resolved. */
export const COLORS: Readonly<Record<Look, number>> = {
  critical: 0xe74c3c,
  warning: 0xf39c12,
  info: 0x3498db,
  none: 0x95a5a6,
  resolved: 0x2ecc71,
};

/** The mark in front of a title or line: one per severity, a tick once resolved. */
export const EMOJI: Readonly<Record<Look, string>> = {
  critical: '🔴',
  warning: '🟠',
  info: '🔵',
  none: '⚪',
  resolved: '✅',
};

