import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachFakeGateway, type FakeGateway } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord.js';
import { startTestAmcord } from '../support/amcord.js';
import { waitUntil } from '../support/processes.js';

const TOKEN = 'failed-start-token.not-a-secret.7';

/** A start that fails after the database is open and the bot logged in releases both. */
describe('a start that fails half-way', () => {
  let discord: FakeDiscord;
  let gateway: FakeGateway;
  let taken: Server;
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    discord = await startFakeDiscord();
    gateway = attachFakeGateway(discord, { token: TOKEN });
    // Something else already listens on the port amcord is told to use.
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
    dataDir = mkdtempSync(join(tmpdir(), 'amcord-failed-start-'));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    await discord?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes the database and logs the bot out, in reverse order, and the next start works', async () => {
    const env = {
      AMCORD_DATA_DIR: dataDir,
      AMCORD_SERVER_PORT: String(port),
      AMCORD_BOT_ENABLED: 'true',
      AMCORD_BOT_TOKEN: TOKEN,
      AMCORD_BOT_APPLICATION_ID: gateway.applicationId,
      AMCORD_BOT_GUILD_ID: gateway.guildId,
      AMCORD_BOT_API_BASE: discord.apiBase,
    };
    await expect(startTestAmcord(env)).rejects.toThrow(/EADDRINUSE/);
    // The bot had connected before listening failed.
    expect(gateway.identifies).toHaveLength(1);
    await waitUntil(() => gateway.openConnections === 0, { timeoutMs: 10_000, description: 'the bot to log out' });
    // SQLite removes the write-ahead log when the last connection closes.
    expect(existsSync(join(dataDir, 'amcord.sqlite'))).toBe(true);
    expect(existsSync(join(dataDir, 'amcord.sqlite-wal'))).toBe(false);

    const amcord = await startTestAmcord({ ...env, AMCORD_SERVER_PORT: '0' });
    expect(amcord.port).not.toBe(port);
    await amcord.close();
    await waitUntil(() => gateway.openConnections === 0, { timeoutMs: 10_000, description: 'the bot to log out after close' });
  });
});
