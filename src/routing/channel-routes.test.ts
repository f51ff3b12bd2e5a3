import { describe, expect, it } from 'vitest';
import { configSchema, type ConfigInput } from '../config/schema.js';
import { channelRouting, destinationChannels } from './channel-routes.js';
import { resolveRoutes } from './routes.js';

const HOOK = 'https://discord.com/api/webhooks/123456789012345678/abc';
const BOT_CHANNEL = '700000000000000001';
const OPS_CHANNEL = '700000000000000002';
const OTHER_CHANNEL = '700000000000000009';

function routingOf(input: ConfigInput) {
  const config = configSchema.parse(input);
  return channelRouting(resolveRoutes(config), destinationChannels(config));
}

const bot = { enabled: true, token: 't', application_id: '600000000000000001', guild_id: '600000000000000002', channel_id: BOT_CHANNEL };

describe('channel routing', () => {
  const config: ConfigInput = {
    bot,
    destinations: { ops: { channel_id: OPS_CHANNEL }, hooked: { webhook_url: HOOK } },
    routes: [
      { name: 'critical', matchers: ['severity="critical"'], destination: 'ops', continue: true },
      { name: 'db', matchers: ['team="db"'], destination: 'ops' },
      { name: 'web', matchers: ['team="web"'], destination: 'hooked' },
    ],
  };

  it('maps a channel to the routes whose destination posts there, the default one in the bot channel', () => {
    const routing = routingOf(config);
    expect(routing.routesIn(OPS_CHANNEL).map((route) => route.name)).toEqual(['critical', 'db']);
    expect(routing.routesIn(BOT_CHANNEL).map((route) => route.name)).toEqual(['default']);
    expect(routing.routesIn(OTHER_CHANNEL)).toEqual([]);
  });

  it('says whether an alert is routed to a channel, as routing decides (continue, first match, fallback)', () => {
    const routing = routingOf(config);
    expect(routing.reaches({ severity: 'critical', team: 'web' }, OPS_CHANNEL)).toBe(true);
    expect(routing.reaches({ severity: 'warning', team: 'db' }, OPS_CHANNEL)).toBe(true);
    // The web route takes it: its webhook's channel is not known, so no known channel has it.
    expect(routing.reaches({ severity: 'warning', team: 'web' }, OPS_CHANNEL)).toBe(false);
    expect(routing.reaches({ severity: 'warning', team: 'web' }, BOT_CHANNEL)).toBe(false);
    expect(routing.reaches({ severity: 'warning', team: 'mail' }, BOT_CHANNEL)).toBe(true);
    expect(routing.reaches({ severity: 'warning', team: 'mail' }, OPS_CHANNEL)).toBe(false);
  });

  it('leaves the bot channel out when discord.webhook_url is the default destination', () => {
    const routing = routingOf({ ...config, discord: { webhook_url: HOOK } });
    expect(routing.routesIn(BOT_CHANNEL)).toEqual([]);
    expect(routing.reaches({ team: 'mail' }, BOT_CHANNEL)).toBe(false);
    expect(routing.routesIn(OPS_CHANNEL).map((route) => route.name)).toEqual(['critical', 'db']);
  });
});
