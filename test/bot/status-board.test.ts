import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachFakeGateway, type FakeGateway } from '../support/fake-discord-gateway.js';
import { startFakeDiscord, type FakeDiscord, type StoredMessage } from '../support/fake-discord.js';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { startPrometheus, waitUntil, type RunningProcess } from '../support/processes.js';
import { decodePng } from '../graphs/png.js';
import { DASHBOARD_SIZE } from '../../src/graphs/dashboard-chart.js';

const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.board.token';
const CHANNEL = '456789012345678902';

/**
 * The live status board in a running amcord: the leader posts the /status content and picture
 * into the board's channel once, and every later start edits that same message (its id is in the
 * state), through a rate limit, and posts a new one only when the old one was deleted. The
 * interval between refreshes is tested with an injected clock in src/delivery/status-board.test.ts.
 */
describe('the status board of a running amcord', () => {
  let discord: FakeDiscord;
  let gateway: FakeGateway;
  let prometheus: RunningProcess;
  let dataDir: string;
  let amcord: TestAmcord | undefined;

  beforeAll(async () => {
    prometheus = await startPrometheus({ config: { global: { scrape_interval: '1s' }, scrape_configs: [] } });
    discord = await startFakeDiscord({ channelRateLimit: false });
    gateway = attachFakeGateway(discord, { token: TOKEN });
    dataDir = mkdtempSync(join(tmpdir(), 'amcord-board-'));
  }, 60_000);

  afterAll(async () => {
    await amcord?.close();
    await discord?.close();
    await prometheus?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = async (): Promise<TestAmcord> =>
    startTestAmcord(
      { AMCORD_DATA_DIR: dataDir, AMCORD_PROMETHEUS_URL: prometheus.url, AMCORD_ALERTMANAGER_URL: 'http://127.0.0.1:9' },
      `
bot:
  enabled: true
  token: "${TOKEN}"
  application_id: "${gateway.applicationId}"
  guild_id: "${gateway.guildId}"
  api_base: "${discord.apiBase}"
  status_board: { channel_id: "${CHANNEL}", interval: 10m }
discord: { preview: true }
`,
    );
  const board = (): StoredMessage[] => discord.messages({ channelId: CHANNEL });
  const picture = (message: StoredMessage | undefined): Uint8Array => {
    expect(message?.attachments.map((file) => file.filename)).toEqual(['status.png']);
    expect(message?.embeds[0]?.image?.url).toBe(message?.attachments[0]?.url);
    return message?.attachments[0]?.data ?? new Uint8Array();
  };

  it('posts the status with its picture when first started', async () => {
    amcord = await start();
    await waitUntil(() => board().length === 1, { timeoutMs: 20_000, description: 'the status board message' });
    const [message] = board();
    expect(message?.embeds[0]?.title).toMatch(/Status/);
    const png = decodePng(picture(message));
    expect({ width: png.width, height: png.height }).toEqual(DASHBOARD_SIZE);
    expect(message?.edits).toBe(0);
  });

  it('edits the same message after a restart, waiting out a rate limit rather than posting again', async () => {
    await amcord?.close();
    const [before] = board();
    discord.failNext(1, { status: 429, retryAfter: 0.3, body: { message: 'You are being rate limited.', retry_after: 0.3, global: false }, channelId: CHANNEL });
    amcord = await start();
    await waitUntil(() => (board()[0]?.edits ?? 0) === 1, { timeoutMs: 20_000, description: 'the board edited after the restart' });
    expect(board().map((message) => message.id)).toEqual([before?.id]);
    const patches = discord.requests.filter((request) => request.method === 'PATCH' && request.path.endsWith(`/channels/${CHANNEL}/messages/${before?.id ?? ''}`));
    expect(patches.map((request) => request.status)).toEqual([429, 200]);
    // The edit replaced the picture: one file, uploaded anew.
    picture(board()[0]);
    expect(board()[0]?.attachments[0]?.id).not.toBe(before?.attachments[0]?.id);
  });

  it('posts a new message when the old one was deleted, and keeps that one', async () => {
    await amcord?.close();
    const [deleted] = board();
    const gone = await fetch(`${discord.apiBase}/v10/channels/${CHANNEL}/messages/${deleted?.id ?? ''}`, { method: 'DELETE', headers: { authorization: `Bot ${TOKEN}` } });
    expect(gone.status).toBe(204);
    amcord = await start();
    await waitUntil(() => board().length === 1, { timeoutMs: 20_000, description: 'a new status board message' });
    const [fresh] = board();
    expect(fresh?.id).not.toBe(deleted?.id);
    await amcord.close();
    amcord = await start();
    await waitUntil(() => (board()[0]?.edits ?? 0) === 1, { timeoutMs: 20_000, description: 'the new message edited after a restart' });
    expect(board().map((message) => message.id)).toEqual([fresh?.id]);
  });
});
