import type { EngineAlert } from './alert.js';
import type { NotifyReason } from './dedup.js';

/** What a flush decided to send: the group's alerts as they stood at the flush. */
export interface Notification {
  /** The route whose dispatcher flushed the group: it decides template and mentions. */
  route: string;
  groupKey: string;
  receiver: string;
  groupLabels: Record<string, string>;
  externalUrl: string;
  /** The flush time. */
  at: number;
  firing: EngineAlert[];
  /** Empty unless send_resolved. */
  resolved: EngineAlert[];
  /** Fingerprints firing now that the last notification did not list as firing. */
  newlyFiring: string[];
  reason: NotifyReason;
  /**
   * Set on an escalation's re-ping (src/incidents): not a flush but a short reply to the living
   * message of the group `escalation.groupKey`. `groupKey` is then the ping's own, so in the
   * outbox it never merges with the group's notifications.
   */
  escalation?: EscalationPing;
}

/** Step `step` (from 0) of a route's escalation: who to ping, and how long nobody has answered. */
export interface EscalationPing {
  groupKey: string;
  step: number;
  unacknowledgedForMs: number;
  roles: string[];
  users: string[];
}
