import { beforeEach, describe, expect, it } from 'vitest';
import { ALICE, fakeClients, firingAlert, NOW } from '../../../test/bot/fakes.js';
import { configSchema } from '../../config/schema.js';
import { limitViolations } from '../../discord/limits.js';
import { channelRouting, destinationChannels } from '../../routing/channel-routes.js';
import { resolveRoutes } from '../../routing/routes.js';
import { alertsPlace, alertsReply } from './alerts.js';
import type { CommandContext } from './command.js';
import { silencesReply } from './silences.js';
import { channelPlace } from './scope.js';
import type { SubscriptionRepository } from '../../incidents/subscriptions.js';
import { subscriptionsOf } from '../../../test/support/subscriptions.js';

const DB_CHANNEL = '700000000000000002';
const BOT_CHANNEL = '700000000000000001';
const ELSEWHERE = '700000000000000009';

const config = configSchema.parse({
  bot: { enabled: true, token: 't', application_id: '600000000000000001', guild_id: '600000000000000002', channel_id: BOT_CHANNEL },
  destinations: { db: { channel_id: DB_CHANNEL } },
  routes: [{ name: 'db', matchers: ['team="db"'], destination: 'db' }],
});
const routing = channelRouting(resolveRoutes(config), destinationChannels(config));

let clients: ReturnType<typeof fakeClients>;

function asked(askedIn: CommandContext['askedIn'], subscriptions?: SubscriptionRepository) {
  return alertsPlace({ askedIn, channelRouting: routing, subscriptions, actor: ALICE });
}

beforeEach(() => {
  clients = fakeClients();
  clients.alertmanager.alerts = [
    firingAlert({ alertname: 'MailQueue', team: 'mail', severity: 'critical' }),
    firingAlert({ alertname: 'Replication', team: 'db', severity: 'warning' }),
    firingAlert({ alertname: 'DbDown', team: 'db', severity: 'critical' }),
    firingAlert({ alertname: 'DbQuiet', team: 'db', severity: 'critical' }, { status: { state: 'suppressed', silencedBy: ['s-db'], inhibitedBy: [] } }),
    firingAlert({ alertname: 'MailQuiet', team: 'mail', severity: 'info' }, { status: { state: 'suppressed', silencedBy: ['s-mail'], inhibitedBy: [] } }),
  ];
});

const names = (embed: { fields?: { name: string }[] } | undefined) => embed?.fields?.map((field) => field.name);

describe('/alerts where it is asked', () => {
  it("lists a routed channel's alerts first under their own heading, then the rest", async () => {
    const reply = await alertsReply({ place: await asked({ kind: 'channel', channelId: DB_CHANNEL }) }, clients, NOW);
    const [here, rest] = reply.embeds ?? [];
    expect(here?.title).toBe('🔴 2 alerts firing in this channel');
    expect(names(here)).toEqual(['🔴 DbDown', '🟠 Replication']);
    expect(rest?.title).toBe('🔴 1 alert firing elsewhere');
    expect(names(rest)).toEqual(['🔴 MailQueue']);
    expect(rest?.footer?.text).toBe('2 more are silenced or inhibited.');
    expect(reply.embeds).toHaveLength(2);
  });

  it('narrows to the channel with scope here, and lists as before with scope all', async () => {
    const place = await asked({ kind: 'channel', channelId: DB_CHANNEL });
    const only = await alertsReply({ place, scope: 'here' }, clients, NOW);
    expect(only.embeds?.map((embed) => embed.title)).toEqual(['🔴 2 alerts firing in this channel']);
    expect(only.embeds?.[0]?.footer?.text).toBe('1 more is silenced or inhibited.');
    const all = await alertsReply({ place, scope: 'all' }, clients, NOW);
    expect(all).toEqual(await alertsReply({}, clients, NOW));
    expect(all.embeds?.[0]?.title).toBe('🔴 3 alerts firing');
  });

  it('says so when the channel has none firing, still listing the rest', async () => {
    const reply = await alertsReply({ place: await asked({ kind: 'channel', channelId: BOT_CHANNEL }), severity: 'warning' }, clients, NOW);
    expect(reply.embeds?.map((embed) => embed.title)).toEqual(['✅ No alerts firing in this channel (warning)', '🟠 1 alert firing elsewhere (warning)']);
  });

  it('narrowed to a channel with nothing firing, says the channel has none rather than that none fire', async () => {
    const place = await asked({ kind: 'channel', channelId: BOT_CHANNEL });
    const reply = await alertsReply({ place, scope: 'here', severity: 'warning' }, clients, NOW);
    expect(reply.embeds?.map((embed) => embed.title)).toEqual(['✅ No alerts firing in this channel (warning)']);
    expect((await alertsReply({ place, severity: 'info' }, clients, NOW)).embeds?.map((embed) => embed.title)).toEqual(['✅ No alerts firing (info)']);
  });

  it('keeps the old listing in a channel no route delivers to', async () => {
    expect(await asked({ kind: 'channel', channelId: ELSEWHERE })).toBeUndefined();
    expect(await asked({ kind: 'unknown' })).toBeUndefined();
    expect(await asked(undefined)).toBeUndefined();
  });

  it("in a DM lists what the member's subscriptions match first", async () => {
    const subscriptions = subscriptionsOf({ [ALICE.id]: ['{severity="critical",team="mail"}'] });
    const reply = await alertsReply({ place: await asked({ kind: 'dm' }, subscriptions) }, clients, NOW);
    expect(reply.embeds?.map((embed) => embed.title)).toEqual(['🔴 1 alert firing matching your subscriptions', '🔴 2 alerts firing not matching them']);
    expect(names(reply.embeds?.[0])).toEqual(['🔴 MailQueue']);
    // Without subscriptions a DM lists everything, as elsewhere.
    expect(await asked({ kind: 'dm' }, subscriptionsOf({}))).toBeUndefined();
  });

  it('stays within the message limits across both headings', async () => {
    const long = 'x'.repeat(200);
    clients.alertmanager.alerts = Array.from({ length: 30 }, (_, index) =>
      firingAlert({ alertname: `${long}${index}`, team: index % 2 === 0 ? 'db' : 'mail', severity: 'critical' }, { annotations: { summary: 'y'.repeat(2000) } }),
    );
    const reply = await alertsReply({ place: await asked({ kind: 'channel', channelId: DB_CHANNEL }) }, clients, NOW);
    expect(limitViolations(reply)).toEqual([]);
    expect(reply.embeds?.[0]?.footer?.text).toMatch(/^and \d+ more$/);
  });
});

describe('/silences where it is asked', () => {
  beforeEach(async () => {
    for (const [id, matchers] of [
      ['s-mail', 'team="mail"'],
      ['s-db', 'alertname="DbQuiet"'],
    ] as const) {
      await clients.alertmanager.createSilence({ matchers, startsAt: NOW, endsAt: new Date(NOW.getTime() + 3_600_000), createdBy: 'bob', comment: '' });
      const made = clients.alertmanager.silences.at(-1);
      if (made) made.id = id;
    }
  });

  it("lists the silences muting the channel's alerts first, then the rest, or only them", async () => {
    const place = channelPlace(DB_CHANNEL, routing);
    const reply = await silencesReply(clients, NOW, { place });
    expect(reply.embeds?.map((embed) => embed.title)).toEqual(['🔕 Silences in this channel (1)', '🔕 Silences elsewhere (1)']);
    expect(names(reply.embeds?.[0])).toEqual(['{alertname="DbQuiet"}']);
    expect(names(reply.embeds?.[1])).toEqual(['{team="mail"}']);
    const only = await silencesReply(clients, NOW, { place, scope: 'here' });
    expect(only.embeds?.map((embed) => embed.title)).toEqual(['🔕 Silences in this channel (1)']);
    expect(await silencesReply(clients, NOW, { place, scope: 'all' })).toEqual(await silencesReply(clients, NOW));
  });

  it('narrowed to a channel whose alerts nothing mutes, says so', async () => {
    clients.alertmanager.alerts = clients.alertmanager.alerts.filter((alert) => alert.labels['alertname'] !== 'MailQuiet');
    const reply = await silencesReply(clients, NOW, { place: channelPlace(BOT_CHANNEL, routing), scope: 'here' });
    expect(reply.embeds?.map((embed) => [embed.title, embed.description])).toEqual([['🔕 Silences in this channel', 'No active silences.']]);
  });
});
