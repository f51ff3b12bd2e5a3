import type { Subscription, SubscriptionRepository } from '../../src/incidents/subscriptions.js';

/** A subscription store that answers only `ofUser`, from each member's matchers; the rest is not for these tests. */
export function subscriptionsOf(byUser: Record<string, string[]>): SubscriptionRepository {
  const ofUser = (userId: string): Promise<Subscription[]> =>
    Promise.resolve((byUser[userId] ?? []).map((matchers, index) => ({ id: index + 1, userId, matchers, createdAt: 0 })));
  const unused = (): never => {
    throw new Error('not used here');
  };
  return { ofUser, subscribe: unused, unsubscribe: unused, list: unused, notify: unused, prune: unused };
}
