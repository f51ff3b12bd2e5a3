import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/schema.js';
import { channelRouting, destinationChannels } from '../../routing/channel-routes.js';
import { resolveRoutes } from '../../routing/routes.js';
import { channelPlace, splitByPlace, subscriptionPlace, toScope } from './scope.js';
import { subscriptionsOf } from '../../../test/support/subscriptions.js';

const CHANNEL = '700000000000000002';

/** Routes only `team="db"` to CHANNEL; the rest goes to a webhook. */
const config = configSchema.parse({
  discord: { webhook_url: 'https://discord.com/api/webhooks/123456789012345678/abc' },
  bot: { enabled: true, token: 't', application_id: '600000000000000001', guild_id: '600000000000000002' },
  destinations: { ops: { channel_id: CHANNEL } },
  routes: [{ matchers: ['team="db"'], destination: 'ops' }],
});
const routing = channelRouting(resolveRoutes(config), destinationChannels(config));

describe('splitByPlace', () => {
  const items = [1, 2, 3, 4, 5];
  const even = (value: number) => value % 2 === 0;

  it('puts the place first, keeping the order in each part', () => {
    expect(splitByPlace(items, even, 'first')).toEqual({ here: [2, 4], rest: [1, 3, 5] });
  });

  it('narrows to the place, or leaves the list whole', () => {
    expect(splitByPlace(items, even, 'here')).toEqual({ here: [2, 4], rest: [] });
    expect(splitByPlace(items, even, 'all')).toEqual({ here: undefined, rest: items });
    expect(splitByPlace(items, undefined, 'first')).toEqual({ here: undefined, rest: items });
  });

  it('reads an unknown or missing scope as first', () => {
    expect(toScope(null)).toBe('first');
    expect(toScope('sideways')).toBe('first');
    expect(toScope('here')).toBe('here');
  });
});

describe('places', () => {
  it('is a channel only when routes deliver there', () => {
    const place = channelPlace(CHANNEL, routing);
    expect(place?.here).toBe('in this channel');
    expect(place?.includes({ team: 'db' })).toBe(true);
    expect(place?.includes({ team: 'web' })).toBe(false);
    expect(channelPlace('700000000000000009', routing)).toBeUndefined();
    expect(channelPlace(CHANNEL, undefined)).toBeUndefined();
  });

  it("is a member's subscriptions in a DM, any of them matching", async () => {
    const subscriptions = subscriptionsOf({ '1': ['{severity="critical"}', '{team=~"db|web"}'] });
    const place = await subscriptionPlace('1', subscriptions);
    expect(place?.here).toBe('matching your subscriptions');
    expect(place?.includes({ severity: 'critical', team: 'mail' })).toBe(true);
    expect(place?.includes({ severity: 'warning', team: 'web' })).toBe(true);
    expect(place?.includes({ severity: 'warning', team: 'mail' })).toBe(false);
    expect(await subscriptionPlace('2', subscriptions)).toBeUndefined();
    expect(await subscriptionPlace('1', undefined)).toBeUndefined();
  });
});
