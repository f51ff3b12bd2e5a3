/**
 * The dispatcher with real discord.js interactions from the fake gateway, and in-memory clients:
 * deferral of slow answers, failures shown to the user, refusals, autocomplete and buttons.
 */
import { Client, Events, GatewayIntentBits, SlashCommandBuilder } from 'discord.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Matcher } from '../../src/alertmanager/matchers.js';
import type { BotCommand } from '../../src/bot/commands/command.js';
import { askedIn, type DispatchContext, handleInteraction } from '../../src/bot/interactions/dispatch.js';
import type { BotPermissions } from '../../src/bot/interactions/permissions.js';
import type { BotReply } from '../../src/bot/interactions/reply.js';
import { silenceButtons } from '../../src/bot/silences/silence-buttons.js';
import { attachFakeGateway, type FakeGateway, type FakeUser } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.js';
import { fakeClients, NOW } from './fakes.js';
import { captureLogger } from './support.js';
import type { LogCapture } from '../support/log-capture.js';

const TOKEN = 'dispatch-test-token.not-a-secret';
const OPS_ROLE = '412345678901234567';
const VIEWER_ROLE = '422345678901234567';
const OPERATOR: FakeUser = { id: '512345678901234567', username: 'olivia' };

/** Lets a test decide when a slow command finishes, after seeing what Discord got meanwhile. */
class Gate {
  private release: (reply: BotReply) => void = () => undefined;
  private fail: (error: Error) => void = () => undefined;
  readonly reply = new Promise<BotReply>((resolve, reject) => {
    this.release = resolve;
    this.fail = reject;
  });
  open(reply: BotReply): void {
    this.release(reply);
  }
  break(error: Error): void {
    this.fail(error);
  }
}

let gate: Gate;

function testCommand(name: string, overrides: Partial<BotCommand>): BotCommand {
  return {
    access: 'read',
    data: new SlashCommandBuilder().setName(name).setDescription(`${name} for tests`).toJSON(),
    execute: () => Promise.resolve({ content: `${name} done` }),
    ...overrides,
  };
}

const commands = new Map<string, BotCommand>(
  [
    testCommand('quick', {}),
    testCommand('slow', { execute: () => gate.reply }),
    testCommand('boom', { execute: () => Promise.reject(new Error(`kaput, token was ${TOKEN}`)) }),
    testCommand('guarded', { access: 'silence' }),
    testCommand('where', { execute: (_interaction, context) => Promise.resolve({ content: JSON.stringify(context.askedIn) }) }),
    testCommand('pick', {
      data: new SlashCommandBuilder()
        .setName('pick')
        .setDescription('pick for tests')
        .addStringOption((option) => option.setName('thing').setDescription('Thing').setAutocomplete(true))
        .toJSON(),
      autocomplete: (interaction) => {
        const typed = interaction.options.getFocused();
        if (typed === 'fail') return Promise.reject(new Error('lookup failed'));
        if (typed === 'slow') return gate.reply.then(() => [{ name: 'too late', value: 'late' }]);
        return Promise.resolve(Array.from({ length: 30 }, (_, index) => ({ name: `thing ${index}`, value: `t${index}` })));
      },
    }),
  ].map((command) => [command.data.name, command]),
);

let discord: FakeDiscord;
let gateway: FakeGateway;
let client: Client;
let logs: LogCapture;
let clients: ReturnType<typeof fakeClients>;
let permissions: BotPermissions;
let resolveSilenceTarget: ((ref: string) => Promise<Matcher[] | undefined>) | undefined;

beforeAll(async () => {
  discord = await startFakeDiscord();
  gateway = attachFakeGateway(discord, { token: TOKEN });
  const captured = captureLogger();
  logs = captured.logs;
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
  client.on(Events.InteractionCreate, (interaction) => {
    const context: DispatchContext = {
      commands,
      clients,
      permissions,
      logger: captured.logger,
      now: () => NOW,
      deferAfterMs: 50,
      resolveSilenceTarget,
      scrub: (text) => text.split(TOKEN).join('<redacted>'),
    };
    void handleInteraction(interaction, context);
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  await client.login(TOKEN);
  await ready;
});

afterAll(async () => {
  await client?.destroy();
  await discord?.close();
});

beforeEach(() => {
  gate = new Gate();
  clients = fakeClients();
  permissions = { silence_roles: [OPS_ROLE], silence_users: [], read_roles: [] };
  resolveSilenceTarget = undefined;
});

function send(name: string, roles: string[] = [OPS_ROLE], options: Record<string, string> = {}) {
  return gateway.sendInteraction({ kind: 'command', name, options, user: OPERATOR, roles });
}

describe('answering in time', () => {
  it('replies directly when the answer is quick', async () => {
    const reply = await gateway.reply(send('quick').id);
    expect(reply).toMatchObject({ callbackType: 4, content: 'quick done', ephemeral: false });
  });

  it('tells the command where it was asked: the channel, or a DM outside any guild', async () => {
    const reply = await gateway.reply(send('where').id);
    expect(JSON.parse(reply.content)).toEqual({ kind: 'channel', channelId: gateway.channelId });
    expect(askedIn({ guildId: null, channelId: '700000000000000003' })).toEqual({ kind: 'dm' });
  });

  it('defers a slow answer and edits it in when ready', async () => {
    const sent = send('slow');
    expect(await gateway.acknowledged(sent.id)).toBe(5);
    gate.open({ embeds: [{ title: 'Slow status' }] });
    const reply = await gateway.reply(sent.id);
    expect(reply).toMatchObject({ callbackType: 5, deferred: true, embeds: [{ title: 'Slow status' }] });
  });

  it('edits a deferred answer into a readable error when the command fails late', async () => {
    const sent = send('slow');
    await gateway.acknowledged(sent.id);
    gate.break(new Error('Prometheus at http://prom:9090 did not answer within 5 s'));
    const reply = await gateway.reply(sent.id);
    expect(reply.content).toBe('⚠️ Something went wrong while answering /slow: Prometheus at http://prom:9090 did not answer within 5 s');
  });
});

describe('failures and refusals', () => {
  it('answers a failing command with an ephemeral message, logs it and hides the token', async () => {
    const reply = await gateway.reply(send('boom').id);
    expect(reply).toMatchObject({ callbackType: 4, ephemeral: true });
    expect(reply.content).toBe('⚠️ Something went wrong while answering /boom: kaput, token was <redacted>');
    expect(logs.entries('interaction failed').at(-1)).toMatchObject({ interaction: '/boom', userId: OPERATOR.id });
    expect(logs.text).not.toContain(TOKEN);
    // The client is still serving.
    expect((await gateway.reply(send('quick').id)).content).toBe('quick done');
  });

  it('refuses a silence command to members without a silence role', async () => {
    const refused = await gateway.reply(send('guarded', [VIEWER_ROLE]).id);
    expect(refused).toMatchObject({ ephemeral: true, content: expect.stringContaining('You may not create or expire silences') as unknown });
    expect((await gateway.reply(send('guarded').id)).content).toBe('guarded done');
  });

  it('limits read commands to read_roles when set', async () => {
    permissions = { ...permissions, read_roles: [VIEWER_ROLE] };
    const refused = await gateway.reply(send('quick', ['432345678901234567']).id);
    expect(refused.content).toBe(`⚠️ This command is limited to the roles <@&${VIEWER_ROLE}>.`);
    expect((await gateway.reply(send('quick', [VIEWER_ROLE]).id)).content).toBe('quick done');
  });

  it('says when a command is not known (registrations out of date)', async () => {
    const reply = await gateway.reply(send('gone').id);
    expect(reply.content).toContain('amcord does not know /gone');
  });
});

describe('autocomplete', () => {
  it('offers at most 25 choices, and none when the lookup fails or reading is not allowed', async () => {
    const typed = (thing: string, roles = [OPS_ROLE]) =>
      gateway.sendInteraction({ kind: 'autocomplete', name: 'pick', options: { thing }, focused: 'thing', user: OPERATOR, roles });
    expect((await gateway.reply(typed('').id)).choices).toHaveLength(25);
    expect((await gateway.reply(typed('fail').id)).choices).toEqual([]);
    expect(logs.entries('autocomplete failed').at(-1)).toMatchObject({ command: 'pick' });
    // A lookup still running at the deadline gives way to an empty answer, well within Discord's 3 s.
    expect((await gateway.reply(typed('slow').id)).choices).toEqual([]);
    gate.open({ content: 'finished after the answer' });
    permissions = { ...permissions, read_roles: [VIEWER_ROLE], silence_roles: [] };
    expect((await gateway.reply(typed('', ['432345678901234567']).id)).choices).toEqual([]);
  });
});

describe('silence buttons', () => {
  const row = silenceButtons('grp-9');
  const oneHour = row.components[0];
  const customId = oneHour && 'custom_id' in oneHour ? oneHour.custom_id : '';
  const click = (roles = [OPS_ROLE]) =>
    gateway.sendInteraction({ kind: 'button', customId, user: OPERATOR, roles, message: { content: 'DiskFull on nas', components: [row] } });

  it('defers a slow lookup as an update and then edits the alert message', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    resolveSilenceTarget = async () => {
      await released;
      return [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }];
    };
    const sent = click();
    expect(await gateway.acknowledged(sent.id)).toBe(6);
    release();
    const reply = await gateway.reply(sent.id);
    expect(reply.content).toMatch(/^DiskFull on nas\n🔕 Silenced by <@512345678901234567> until <t:\d+:f>/);
    expect(clients.alertmanager.created).toHaveLength(1);
    expect(logs.entries('silence created from Discord').at(-1)).toMatchObject({ userId: OPERATOR.id, userName: 'olivia', via: 'button' });
  });

  it('tells the clicker when buttons are not wired, leaving the message alone', async () => {
    const reply = await gateway.reply(click().id);
    expect(reply).toMatchObject({ callbackType: 4, ephemeral: true, content: expect.stringContaining('not set up') as unknown });
  });

  it('refuses a click without permission and logs it', async () => {
    resolveSilenceTarget = () => Promise.resolve([{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }]);
    const reply = await gateway.reply(click([VIEWER_ROLE]).id);
    expect(reply).toMatchObject({ callbackType: 4, ephemeral: true });
    expect(clients.alertmanager.created).toEqual([]);
    expect(logs.entries('silence action refused').at(-1)).toMatchObject({ userId: OPERATOR.id, action: 'button 1h' });
  });

  it('answers buttons that are not amcord silence buttons', async () => {
    const sent = gateway.sendInteraction({ kind: 'button', customId: 'someone-else:thing', user: OPERATOR });
    expect((await gateway.reply(sent.id)).content).toContain('does not know this button');
  });
});
