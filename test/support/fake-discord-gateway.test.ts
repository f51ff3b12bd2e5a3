import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  Client,
  Events,
  GatewayIntentBits,
  GuildMember,
  type Interaction,
  MessageFlags,
  REST,
  Routes,
  SlashCommandBuilder,
} from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attachFakeGateway, type FakeGateway, type FakeGatewayOptions } from './fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord } from './fake-discord.js';

const TOKEN = 'test-bot-token.fake.not-a-secret';

let discord: FakeDiscord;
let gateway: FakeGateway;
let client: Client | undefined;
/** What each test's bot does with an interaction. */
let handle: (interaction: Interaction) => Promise<void>;

async function start(options: FakeGatewayOptions = {}): Promise<void> {
  discord = await startFakeDiscord();
  gateway = attachFakeGateway(discord, { token: TOKEN, ...options });
  client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
  client.on(Events.InteractionCreate, (interaction) => {
    void handle(interaction);
  });
  const ready = new Promise<void>((resolve) => client?.once(Events.ClientReady, () => resolve()));
  await client.login(TOKEN);
  await ready;
}

beforeEach(() => {
  handle = () => Promise.resolve();
});

afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await discord.close();
});

describe('gateway handshake', () => {
  it('identifies discord.js with its token and intents, and announces the guild', async () => {
    await start();
    await gateway.waitForReady();
    expect(gateway.identifies).toEqual([{ token: TOKEN, intents: GatewayIntentBits.Guilds }]);
    expect(client?.user?.id).toBe(gateway.botUserId);
    expect(client?.application?.id).toBe(gateway.applicationId);
    expect(client?.guilds.cache.get(gateway.guildId)?.available).toBe(true);
    expect(client?.channels.cache.get(gateway.channelId)?.isTextBased()).toBe(true);
  });

  it('acknowledges heartbeats, so the client keeps its one connection', async () => {
    await start({ heartbeatIntervalMs: 40 });
    const connectionsBefore = gateway.identifies.length;
    await expect.poll(() => gateway.heartbeats, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    // A missed ACK makes discord.js drop the connection and identify again.
    expect(gateway.identifies.length).toBe(connectionsBefore);
    expect(client?.ws.ping).toBeGreaterThanOrEqual(0);
  });

  it('lets the client resume after the connection drops, and keeps delivering interactions', async () => {
    handle = async (interaction) => {
      if (interaction.isChatInputCommand()) await interaction.reply('still here');
    };
    await start();
    const resumed = new Promise<void>((resolve) => client?.once(Events.ShardResume, () => resolve()));
    gateway.disconnectAll(4000);
    await resumed;
    expect(gateway.identifies).toHaveLength(1);
    const sent = gateway.sendInteraction({ kind: 'command', name: 'ping' });
    expect((await gateway.reply(sent.id)).content).toBe('still here');
  });

  it('refuses another token with close code 4004, which discord.js reports as invalid', async () => {
    discord = await startFakeDiscord();
    gateway = attachFakeGateway(discord, { token: 'the-right-token' });
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: discord.apiBase } });
    await expect(client.login('a-wrong-token')).rejects.toThrow(/token|auth/i);
  });
});

describe('slash commands', () => {
  it('shows an immediate reply with its ephemeral flag and the member it came from', async () => {
    let member: unknown;
    handle = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      member = interaction.member;
      await interaction.reply({ content: `pong ${interaction.options.getString('word') ?? ''}`, flags: MessageFlags.Ephemeral });
    };
    await start();
    const role = '123456789012345678';
    const sent = gateway.sendInteraction({ kind: 'command', name: 'ping', options: { word: 'hi' }, roles: [role], user: { id: '223456789012345678', username: 'alice' } });
    const reply = await gateway.reply(sent.id);
    expect(reply).toMatchObject({ callbackType: 4, deferred: false, ephemeral: true, content: 'pong hi' });
    expect(member).toBeInstanceOf(GuildMember);
    const guildMember = member as GuildMember;
    expect(guildMember.user.username).toBe('alice');
    expect([...guildMember.roles.cache.keys()]).toContain(role);
  });

  it('carries raw members when the guild is not announced', async () => {
    let roles: unknown;
    handle = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      roles = interaction.member && !(interaction.member instanceof GuildMember) ? interaction.member.roles : undefined;
      await interaction.reply('ok');
    };
    await start({ announceGuild: false });
    const sent = gateway.sendInteraction({ kind: 'command', name: 'ping', roles: ['323456789012345678'] });
    await gateway.reply(sent.id);
    expect(roles).toEqual(['323456789012345678']);
  });

  it('waits through a deferral for the edit, and records follow-ups', async () => {
    handle = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.deferReply();
      await interaction.editReply({ embeds: [{ title: 'Status', description: 'all good' }] });
      await interaction.followUp({ content: 'only you', flags: MessageFlags.Ephemeral });
    };
    await start();
    const sent = gateway.sendInteraction({ kind: 'command', name: 'status' });
    const reply = await gateway.reply(sent.id, { until: (current) => current.followUps.length > 0 });
    expect(reply).toMatchObject({ callbackType: 5, deferred: true, ephemeral: false, embeds: [{ title: 'Status' }] });
    expect(reply.followUps).toEqual([expect.objectContaining({ content: 'only you', ephemeral: true })]);
  });

  it('refuses a second acknowledgement and an over-long embed, as Discord does', async () => {
    const errors: unknown[] = [];
    handle = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      await interaction.reply({ embeds: [{ title: 'x'.repeat(300) }] }).catch((error: unknown) => errors.push(error));
      await interaction.reply('fits').catch((error: unknown) => errors.push(error));
      interaction.replied = false; // force discord.js to send a second callback
      await interaction.reply('again').catch((error: unknown) => errors.push(error));
    };
    await start();
    const sent = gateway.sendInteraction({ kind: 'command', name: 'ping' });
    const reply = await gateway.reply(sent.id);
    expect(reply.content).toBe('fits');
    await expect.poll(() => errors.length).toBe(2);
    expect(gateway.rejections(sent.id).join('\n')).toMatch(/title: 300 > 256[\s\S]*acknowledged twice/);
  });

  it('keeps the files of an answer, deferred or not, and refuses attachment:// naming no file', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const errors: unknown[] = [];
    handle = async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      if (interaction.commandName === 'now') {
        await interaction.reply({ embeds: [{ image: { url: 'attachment://missing.png' } }] }).catch((error: unknown) => errors.push(error));
        await interaction.reply({ embeds: [{ title: 'Graph', image: { url: 'attachment://graph.png' } }], files: [{ attachment: png, name: 'graph.png', description: 'a line' }] });
        return;
      }
      await interaction.deferReply();
      await interaction.editReply({ content: 'first', files: [{ attachment: png, name: 'old.png' }] });
      await interaction.editReply({ embeds: [{ image: { url: 'attachment://new.png' } }], files: [{ attachment: png, name: 'new.png' }] });
    };
    await start();
    const now = gateway.sendInteraction({ kind: 'command', name: 'now' });
    const reply = await gateway.reply(now.id);
    expect(reply.attachments).toEqual([expect.objectContaining({ filename: 'graph.png', description: 'a line', data: new Uint8Array(png) })]);
    expect(reply.embeds[0]?.image?.url).toBe(reply.attachments[0]?.url);
    expect(errors).toHaveLength(1);
    expect(gateway.rejections(now.id).join('\n')).toContain('attachment://missing.png names no file of this message');

    const deferred = gateway.sendInteraction({ kind: 'command', name: 'later' });
    const edited = await gateway.reply(deferred.id, { until: (current) => current.edits === 1 });
    // An edit lists the files it keeps; discord.js lists only the new one.
    expect(edited.attachments.map((file) => file.filename)).toEqual(['new.png']);
    expect(edited.embeds[0]?.image?.url).toBe(edited.attachments[0]?.url);
  });

  it('refuses an acknowledgement that comes too late', async () => {
    let late: Promise<unknown> = Promise.resolve();
    handle = (interaction) => {
      if (!interaction.isChatInputCommand()) return Promise.resolve();
      late = new Promise((resolve) => setTimeout(resolve, 80)).then(() => interaction.reply('late').catch((error: unknown) => error));
      return Promise.resolve();
    };
    await start({ acknowledgeWithinMs: 50 });
    const sent = gateway.sendInteraction({ kind: 'command', name: 'ping' });
    await expect.poll(() => gateway.rejections(sent.id).length).toBe(1);
    await expect(late).resolves.toMatchObject({ code: 10062 });
  });
});

describe('autocomplete and buttons', () => {
  it('uses the registered option types and records the choices', async () => {
    let focused: unknown;
    let chosenLevel: unknown;
    handle = async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const auto: AutocompleteInteraction = interaction;
      focused = auto.options.getFocused(true);
      chosenLevel = auto.options.getInteger('level');
      await auto.respond([{ name: 'Disk full', value: 'DiskFull' }]);
    };
    await start();
    const rest = new REST({ api: discord.apiBase }).setToken(TOKEN);
    const command = new SlashCommandBuilder()
      .setName('pick')
      .setDescription('Pick')
      .addStringOption((option) => option.setName('alert').setDescription('Alert').setAutocomplete(true))
      .addIntegerOption((option) => option.setName('level').setDescription('Level'));
    await rest.put(Routes.applicationGuildCommands(gateway.applicationId, gateway.guildId), { body: [command.toJSON()] });
    expect(gateway.commandSets.at(-1)?.commands.map((registered) => registered.name)).toEqual(['pick']);

    const sent = gateway.sendInteraction({ kind: 'autocomplete', name: 'pick', options: { alert: 'Dis', level: 2 }, focused: 'alert' });
    const reply = await gateway.reply(sent.id);
    expect(reply.callbackType).toBe(8);
    expect(reply.choices).toEqual([{ name: 'Disk full', value: 'DiskFull' }]);
    expect(focused).toMatchObject({ name: 'alert', value: 'Dis' });
    expect(chosenLevel).toBe(2);
    expect(() => gateway.sendInteraction({ kind: 'command', name: 'pick', options: { nope: 'x' } })).toThrow(/no option "nope"/);
  });

  it('refuses more than 25 choices', async () => {
    handle = async (interaction) => {
      if (!interaction.isAutocomplete()) return;
      const many = Array.from({ length: 26 }, (_, index) => ({ name: `c${index}`, value: `c${index}` }));
      await interaction.respond(many).catch(() => undefined);
    };
    await start();
    const sent = gateway.sendInteraction({ kind: 'autocomplete', name: 'pick', options: {}, focused: 'alert' });
    await expect.poll(() => gateway.rejections(sent.id).join()).toMatch(/26 > 25/);
  });

  it('applies a button update to the clicked message', async () => {
    let clicked: string | undefined;
    handle = async (interaction) => {
      if (!interaction.isButton()) return;
      const button: ButtonInteraction = interaction;
      clicked = button.customId;
      await button.update({ content: `${button.message.content}\nhandled`, components: [] });
    };
    await start();
    const sent = gateway.sendInteraction({
      kind: 'button',
      customId: 'amcord:test',
      message: {
        content: 'Disk almost full',
        embeds: [{ title: 'DiskFull' }],
        components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Do it', custom_id: 'amcord:test' }] }],
      },
    });
    const reply = await gateway.reply(sent.id);
    expect(clicked).toBe('amcord:test');
    expect(reply).toMatchObject({ callbackType: 7, content: 'Disk almost full\nhandled', embeds: [{ title: 'DiskFull' }], components: [] });
  });
});

describe('command registration', () => {
  it('refuses an invalid command set and a wrong token', async () => {
    await start();
    const rest = new REST({ api: discord.apiBase }).setToken(TOKEN);
    const route = Routes.applicationGuildCommands(gateway.applicationId, gateway.guildId);
    await expect(rest.put(route, { body: [{ name: 'Bad Name', description: '' }] })).rejects.toMatchObject({ status: 400 });
    const stranger = new REST({ api: discord.apiBase, retries: 0 }).setToken('someone-else');
    await expect(stranger.put(route, { body: [] })).rejects.toMatchObject({ status: 401 });
    expect(gateway.commandSets).toEqual([]);
  });
});
