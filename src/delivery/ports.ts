import type { Notification } from '../engine/notification.js';

/**
 * What delivery needs from storage, declared here and implemented by `store/`. Every method may
 * answer asynchronously, so a networked database can stand behind it.
 */

/** post: a new Discord message (people get notified); edit: update the group's living message. */
export type OutboxKind = 'post' | 'edit';

export interface OutboxEntry {
  id: number;
  destination: string;
  groupKey: string;
  kind: OutboxKind;
  notification: Notification;
  attempts: number;
  nextAttemptAt: number;
  /** Set when an attempt began and was never settled (the process died): Discord may have the message. */
  attemptStartedAt: number | undefined;
}

export interface OutboxDepth {
  destination: string;
  state: string;
  count: number;
}

/**
 * Messages waiting for Discord, and the id of each group's living message. An entry leaves the
 * outbox only in the commit that records its delivery, so nothing accepted is lost on a crash.
 */
export interface Outbox {
  /** Queues a notification; merges into a waiting entry of the same group (see the implementation). */
  enqueue(destination: string, kind: OutboxKind, notification: Notification, now: number): Promise<void>;
  /** The oldest waiting entry of a destination: delivered in order, one at a time. */
  head(destination: string): Promise<OutboxEntry | undefined>;
  /** Every waiting entry of a destination, oldest first (what a storm digest names). */
  waiting(destination: string): Promise<OutboxEntry[]>;
  /**
   * Records that an attempt begins, before anything is sent: from now until it settles, nothing
   * merges into it, and `entry` is brought up to date with what is queued (a flush may have
   * merged into it since head()). Rejects when storage cannot commit, and then nothing may be sent.
   */
  sending(entry: OutboxEntry, now: number): Promise<void>;
  /** Records a delivery: the entry leaves the outbox and a post becomes the group's living message. */
  delivered(entry: OutboxEntry, messageId: string | undefined, now: number): Promise<void>;
  retryLater(entry: OutboxEntry, at: number, error: string): Promise<void>;
  /** Discord refused this message for good; kept for the operator, never retried. */
  bury(entry: OutboxEntry, error: string): Promise<void>;
  /** A send that was cut short (shutdown) leaves the entry as it was. */
  abandoned(entry: OutboxEntry): void;
  livingMessage(destination: string, groupKey: string): Promise<string | undefined>;
  depth(): Promise<OutboxDepth[]>;
}

/** New alerts and repeats notify people with a new message; other changes update the living one. */
export function outboxKindFor(notification: Pick<Notification, 'reason'>): OutboxKind {
  return notification.reason === 'all-resolved' || notification.reason === 'newly-resolved' ? 'edit' : 'post';
}
