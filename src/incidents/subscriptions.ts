import { matches, parseMatchers, formatMatchers, type Matcher } from '../alertmanager/matchers.js';
import type { Notification } from '../engine/notification.js';

/**
 * Subscriptions: a member asks to be told directly (a DM) of each new firing group that
 * matches their matchers. Declared here, kept by `store/`.
 */

/** What /subscribe means without matchers. */
export const DEFAULT_SUBSCRIPTION = 'severity="critical"';

export interface Subscription {
  id: number;
  userId: string;
  /** The matchers in Alertmanager's canonical form, `{severity="critical"}`. */
  matchers: string;
  /** Only incidents that start from now on are sent: a subscription is for new groups. */
  createdAt: number;
}

/** Where the DMs of one member are queued in the outbox: one destination per member. */
export const DM_DESTINATION_PREFIX = 'dm:';

export const dmDestination = (userId: string): string => `${DM_DESTINATION_PREFIX}${userId}`;

/** The member a DM destination goes to, or undefined for any other destination. */
export function dmRecipient(destination: string): string | undefined {
  if (!destination.startsWith(DM_DESTINATION_PREFIX)) return undefined;
  const userId = destination.slice(DM_DESTINATION_PREFIX.length);
  return /^\d+$/.test(userId) ? userId : undefined;
}

/** One incident's DM to one member, claimed once (see SubscriptionRepository.notify). */
export interface DirectNotice {
  userId: string;
  /** The incident: its reference and start, so a group that fires anew is a new notice. */
  ref: string;
  firingSince: number;
  notification: Notification;
}

export interface SubscriptionRepository {
  /** Adds a subscription; the same matchers twice for one member are one subscription. */
  subscribe(userId: string, matchers: string, now: number): Promise<Subscription>;
  /** Removes one of the member's subscriptions (by id), or all of them; answers how many went. */
  unsubscribe(userId: string, id?: number): Promise<number>;
  ofUser(userId: string): Promise<Subscription[]>;
  /** Every subscription, oldest first. */
  list(): Promise<Subscription[]>;
  /**
   * Claims the notice and queues its DM in the outbox (destination dmDestination(userId)) in the
   * same commit; false when it was claimed before, and then nothing is queued. So each incident
   * is sent to each member at most once, across restarts and leaders.
   */
  notify(notice: DirectNotice, now: number): Promise<boolean>;
  /** Forgets the notices of incidents that ended. */
  prune(): Promise<void>;
}

/** The matchers a member typed, checked and in canonical form; throws MatcherParseError. */
export function canonicalMatchers(typed: string | null | undefined): string {
  const text = typed?.trim() ? typed : DEFAULT_SUBSCRIPTION;
  const parsed = parseMatchers(text);
  if (parsed.length === 0) throw new RangeError('a subscription needs at least one matcher, such as severity="critical"');
  return formatMatchers(parsed);
}

/**
 * Whether a group concerns a subscription: some firing alert of it matches every matcher (its
 * own labels, which include the group's). Matching the alerts, not just the group's labels,
 * lets `severity="critical"` work for groups grouped by alertname.
 */
export function groupMatches(matchers: readonly Matcher[], notification: Pick<Notification, 'firing' | 'groupLabels'>): boolean {
  return notification.firing.some((alert) => matches(matchers, { ...notification.groupLabels, ...alert.labels }));
}
