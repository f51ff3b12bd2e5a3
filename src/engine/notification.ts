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
}
