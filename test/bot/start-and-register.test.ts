/** Starting the bot and registering commands against the fake Discord, including the ways they fail. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCommands, startBot } from '../../src/bot/index.js';
import type { ConfigInput } from '../../src/config/schema.js';
import { attachFakeGateway, type FakeGateway } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.js';
import { freePort } from '../support/processes.js';
import { fakeClients } from './fakes.js';
import { botConfig, captureLogger } from './support.js';

const TOKEN = 'start-test-token.not-a-secret.42';

let discord: FakeDiscord;
let gateway: FakeGateway;

beforeAll(async () => {
  discord = await startFakeDiscord();
  gateway = attachFakeGateway(discord, { token: TOKEN });
});

afterAll(async () => {
  await discord?.close();
});

function config(bot: NonNullable<ConfigInput['bot']> = {}) {
  return botConfig({
    bot: { enabled: true, token: TOKEN, application_id: gateway.applicationId, guild_id: gateway.guildId, api_base: discord.apiBase, ...bot },
  });
}

describe('startBot', () => {
  it('connects, serves and stops', async () => {
    const { logger, logs } = captureLogger();
    const clients = fakeClients();
    const bot = await startBot({ config: config(), logger, ...clients });
    expect(bot.client.isReady()).toBe(true);
    const sent = gateway.sendInteraction({ kind: 'command', name: 'alerts' });
    expect((await gateway.reply(sent.id)).embeds[0]?.title).toBe('✅ No alerts firing');
    await bot.stop();
    await bot.stop();
    expect(logs.entries('Discord bot ready')).toHaveLength(1);
    expect(logs.text).not.toContain(TOKEN);
  });

  it('fails readably, without the token, when Discord refuses the token', async () => {
    const wrong = 'wrong-token.not-a-secret.0000';
    const start = startBot({ config: config({ token: wrong }), logger: captureLogger().logger, ...fakeClients() });
    await expect(start).rejects.toThrow(`Could not connect the Discord bot via ${discord.apiBase}`);
    await expect(start).rejects.not.toThrow(wrong);
  });

  it('fails readably when the API cannot be reached', async () => {
    const apiBase = `http://127.0.0.1:${await freePort()}/api`;
    await expect(startBot({ config: config({ api_base: apiBase }), logger: captureLogger().logger, ...fakeClients() })).rejects.toThrow(
      `Could not connect the Discord bot via ${apiBase}`,
    );
  });

  it('needs a token', async () => {
    const withoutToken = botConfig({ bot: { api_base: discord.apiBase } });
    await expect(startBot({ config: withoutToken, logger: captureLogger().logger, ...fakeClients() })).rejects.toThrow('bot.token');
  });
});

describe('registerCommands', () => {
  it('says which settings are missing', async () => {
    await expect(registerCommands({ config: botConfig({ bot: { token: TOKEN } }), logger: captureLogger().logger })).rejects.toThrow(
      'Cannot register slash commands: bot.application_id, bot.guild_id must be set',
    );
  });

  it('explains a refusal by Discord', async () => {
    const otherGuild = '999999999999999999';
    const attempt = registerCommands({ config: config({ guild_id: otherGuild }), logger: captureLogger().logger });
    await expect(attempt).rejects.toThrow(`Registering slash commands with guild ${otherGuild} failed: Missing Access`);
    expect(gateway.commandSets).toEqual([]);
  });
});
