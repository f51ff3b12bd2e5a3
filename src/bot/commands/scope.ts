import { matches, parseMatchers } from '../../alertmanager/matchers.js';
import type { ChannelRouting } from '../../routing/channel-routes.js';
import type { SubscriptionRepository } from '../../incidents/subscriptions.js';

/**
 * Listings scoped to where they are asked: in a channel that routes deliver to, that channel's
 * part comes first; in a DM, what the member subscribed to. Elsewhere nothing changes.
 */

/** `first`: the place's part, then the rest; `here`: only the place's part; `all`: as before, unsorted by place. */
export const LISTING_SCOPES = ['first', 'here', 'all'] as const;
export type ListingScope = (typeof LISTING_SCOPES)[number];

export const SCOPE_CHOICES = [
  { name: "this channel's first", value: 'first' },
  { name: "only this channel's", value: 'here' },
  { name: 'all, not sorted by channel', value: 'all' },
] as const satisfies readonly { name: string; value: ListingScope }[];

export function toScope(value: string | null): ListingScope {
  return LISTING_SCOPES.find((known) => known === value) ?? 'first';
}

/** Where a command was asked, as the interaction tells. */
export type AskedIn = { kind: 'dm' } | { kind: 'channel'; channelId: string } | { kind: 'unknown' };

/** The part of a listing that belongs where it was asked, and how to name both parts. */
export interface Place {
  /** "in this channel", "matching your subscriptions". */
  here: string;
  /** "elsewhere", "not matching them". */
  elsewhere: string;
  includes(labels: Readonly<Record<string, string>>): boolean;
}

/** The channel's place when routes deliver there; undefined for any other channel. */
export function channelPlace(channelId: string, routing: ChannelRouting | undefined): Place | undefined {
  if (routing === undefined || routing.routesIn(channelId).length === 0) return undefined;
  return { here: 'in this channel', elsewhere: 'elsewhere', includes: (labels) => routing.reaches(labels, channelId) };
}

/** A member's place in a DM: what their subscriptions match; undefined without subscriptions. */
export async function subscriptionPlace(userId: string, subscriptions: SubscriptionRepository | undefined): Promise<Place | undefined> {
  const mine = (await subscriptions?.ofUser(userId)) ?? [];
  if (mine.length === 0) return undefined;
  const sets = mine.map((subscription) => parseMatchers(subscription.matchers));
  return { here: 'matching your subscriptions', elsewhere: 'not matching them', includes: (labels) => sets.some((set) => matches(set, labels)) };
}

/**
 * Splits a listing, keeping each part's order: `here` is undefined when the listing is not split
 * (no place, or scope `all`), so it reads as before.
 */
export function splitByPlace<T>(items: readonly T[], includes: ((item: T) => boolean) | undefined, scope: ListingScope): { here: T[] | undefined; rest: T[] } {
  if (includes === undefined || scope === 'all') return { here: undefined, rest: [...items] };
  const here = items.filter(includes);
  return { here, rest: scope === 'here' ? [] : items.filter((item) => !includes(item)) };
}
