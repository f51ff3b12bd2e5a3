import type { AlertmanagerAlert } from '../../alertmanager/api.js';
import { compareSeverity, severityOf } from '../../severity/severity.js';

/** Most severe first (as the channel ranks them), then the longest firing. */
export function bySeverity(a: AlertmanagerAlert, b: AlertmanagerAlert): number {
  return compareSeverity(severityOf(a.labels), severityOf(b.labels)) || a.startsAt.getTime() - b.startsAt.getTime();
}

/** Firing and neither silenced nor inhibited: what people are being notified about. */
export function isNotifying(alert: AlertmanagerAlert): boolean {
  return alert.status.state === 'active';
}
