import type { EngineAlert } from './alert.js';
import type { NotificationLogEntry } from './dedup.js';
import type { Notification } from './notification.js';

/**
 * What the engine needs from storage, declared here and implemented by `store/` (SQLite today;
 * any database that can commit a change set atomically). The engine keeps its groups in memory
 * and hands storage whole change sets, so no transaction ever spans an await and a backend may
 * answer asynchronously.
 */

/** An aggregation group without its alerts, as it is written. */
export interface GroupState {
  groupKey: string;
  route: string;
  groupLabels: Record<string, string>;
  externalUrl: string;
  nextFlushAt: number;
  hasFlushed: boolean;
}

export interface StoredGroup extends GroupState {
  alerts: Map<string, EngineAlert>;
}

/** What one webhook changes for one route: committed before the webhook is answered. */
export interface IngestChanges {
  groups: GroupState[];
  alerts: Array<{ groupKey: string; alert: EngineAlert }>;
}

/** What one flush changes, all or nothing. */
export interface FlushChanges {
  group: GroupState;
  /** Resolved alerts leave the group once a flush has dealt with them. */
  removedAlerts: string[];
  /** Set when dedup decided to notify: the log entry it leaves, and what is handed to delivery. */
  sent?: {
    receiver: string;
    log: NotificationLogEntry;
    logExpiresAt: number;
    /** Absent when nothing is shown (only resolved alerts, without send_resolved). */
    notification?: Notification;
  };
}

export interface GroupRepository {
  /** The groups (with their alerts) a previous run left for this route. */
  loadGroups(route: string): Promise<StoredGroup[]>;
  saveIngest(changes: IngestChanges): Promise<void>;
  /** Writes the flush and hands its notification to delivery's outbox in the same commit. */
  saveFlush(changes: FlushChanges): Promise<void>;
  /** Maintenance: drops these empty groups and notification-log entries expired at `now`. */
  removeGroups(groupKeys: readonly string[], now: number): Promise<void>;
}

export interface NotificationLog {
  /** The last logged notification of a group to a receiver, unless it has expired. */
  lastNotification(groupKey: string, receiver: string, now: number): Promise<NotificationLogEntry | undefined>;
}

export type EngineRepository = GroupRepository & NotificationLog;
