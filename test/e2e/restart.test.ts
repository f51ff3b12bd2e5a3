import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from '../support/fake-discord.js';
import { waitUntil } from '../support/processes.js';
import { spawnAmcord, type SpawnedAmcord } from './support-cli.js';
import { postToAmcord, webhookPayload } from './support-payloads.js';
import { readState } from './support-state.js';

const GROUPS = 30;
/** Discord lets this webhook through 4 requests a second, so the storm takes a while to drain. */
const RATE_LIMIT = { limit: 2, windowMs: 500 };
/** Messages to wait for before pulling the plug: some, far from all. */
const KILL_AFTER = 6;

/**
 * The built program, killed with SIGKILL while its outbox still holds most of a storm of
 * notifications that a rate-limited Discord is taking slowly, then started again on the same
 * data directory: every alert it said 200 to reaches Discord, and none twice.
 */
describe('amcord killed with -9 in the middle of a rate-limited storm', () => {
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let workDir: string;
  let configPath: string;
  const processes: SpawnedAmcord[] = [];

  beforeAll(async () => {
    discord = await startFakeDiscord({ rateLimit: RATE_LIMIT, channelRateLimit: false });
    webhook = discord.createWebhook();
    workDir = mkdtempSync(join(tmpdir(), 'amcord-e2e-restart-'));
    configPath = join(workDir, 'amcord.yml');
    writeFileSync(
      configPath,
      toYaml({
        data_dir: join(workDir, 'data'),
        server: { host: '127.0.0.1', port: 0 },
        log: { level: 'info', format: 'json' },
        discord: { webhook_url: webhook.url },
        grouping: { group_by: ['alertname'], group_wait: '1s', group_interval: '1s' },
      }),
    );
  });

  afterAll(async () => {
    for (const amcord of processes) await amcord.stop();
    await discord?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const names = Array.from({ length: GROUPS }, (_, index) => `Storm${String(index).padStart(2, '0')}`);
  const created = () => discord.messages({ webhookId: webhook.id });
  const naming = (name: string) => created().filter((message) => message.embeds.some((embed) => embed.title?.includes(`: ${name} on `)));
  const delivered = (amcord: SpawnedAmcord) => amcord.logs.filter((line) => line.msg === 'delivered').length;

  it('delivers every accepted alert exactly once across the crash', { timeout: 60_000 }, async () => {
    const first = await spawnAmcord({ configPath });
    processes.push(first);

    // Started ten minutes ago, so each new group flushes at once instead of after group_wait.
    const startsAt = new Date(Date.now() - 10 * 60_000);
    await Promise.all(
      names.map((name, index) =>
        postToAmcord(
          first.url,
          webhookPayload([
            {
              labels: { alertname: name, instance: `host-${index}:9100`, severity: 'warning' },
              annotations: { summary: `${name} needs attention` },
              startsAt,
            },
          ]),
        ),
      ),
    );

    await waitUntil(() => created().length >= KILL_AFTER, { timeoutMs: 15_000, description: `${KILL_AFTER} messages to arrive` });
    // The next request is left unanswered, so the kill lands while amcord waits on Discord: an
    // entry whose message Discord never created, with every earlier delivery already committed.
    const before = discord.requests.length;
    discord.hangNext(1, { webhookId: webhook.id });
    await waitUntil(() => discord.requests.length > before, { timeoutMs: 10_000, intervalMs: 10, description: 'the next request to Discord' });
    first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    const arrivedBeforeKill = created();
    expect(discord.requests[before]?.status).toBeUndefined();
    expect(arrivedBeforeKill.length).toBeLessThan(GROUPS / 2);
    expect(delivered(first)).toBe(arrivedBeforeKill.length);

    // On disk at the moment of the kill: every accepted alert, and an outbox entry for each
    // group whose message had not been created yet; each created message is recorded.
    const atKill = readState(join(workDir, 'data'));
    expect(atKill.alerts).toBe(GROUPS);
    expect(atKill.pending).toBe(GROUPS - arrivedBeforeKill.length);
    expect(new Set(atKill.groupMessages.values())).toEqual(new Set(arrivedBeforeKill.map((message) => message.id)));

    // Discord is still throttling when amcord comes back: its first request is refused with a 429.
    discord.rateLimitNext(1, 1, { webhookId: webhook.id });
    const second = await spawnAmcord({ configPath });
    processes.push(second);
    await waitUntil(() => names.every((name) => naming(name).length > 0), {
      timeoutMs: 30_000,
      description: `a message for each of the ${GROUPS} groups (have ${created().length})`,
    });
    await waitUntil(() => delivered(second) >= GROUPS - arrivedBeforeKill.length, {
      timeoutMs: 10_000,
      description: 'the restarted amcord to record its deliveries',
    });
    await second.stop();
    expect(await second.exited).toEqual({ code: 0, signal: null });

    for (const name of names) expect(naming(name), name).toHaveLength(1);
    expect(created()).toHaveLength(GROUPS);
    const posts = discord.requests.filter((request) => request.method === 'POST' && request.webhookId === webhook.id);
    expect(posts.filter((request) => request.status === 200)).toHaveLength(GROUPS);
    expect(discord.requests.filter((request) => request.method === 'PATCH')).toHaveLength(0);
    expect(delivered(second)).toBe(GROUPS - arrivedBeforeKill.length);
    expect(discord.stats().totals.rateLimited).toBeGreaterThanOrEqual(1);

    const drained = readState(join(workDir, 'data'));
    expect(drained.pending).toBe(0);
    expect(drained.dead).toBe(0);
    expect(new Set(drained.groupMessages.values())).toEqual(new Set(created().map((message) => message.id)));
    expect(second.logs.filter((line) => line.level >= 50)).toEqual([]);
  });
});
