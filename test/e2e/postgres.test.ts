import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook, type StoredMessage } from '../support/fake-discord.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import { waitUntil } from '../support/processes.js';
import { spawnAmcord, type SpawnedAmcord } from './support-cli.js';
import { webhookPayload, type PayloadAlert } from './support-payloads.js';

const GREEN = 0x2ecc71;

/**
 * The built program keeping its state in a real PostgreSQL: webhooks committed there, a restart
 * of amcord that finds the living message, and an outage of PostgreSQL during which amcord says
 * 503 (to Alertmanager and on /readyz), pauses, and afterwards delivers everything it accepted,
 * once. The password shows nowhere.
 */
describe('amcord on PostgreSQL', () => {
  let postgres: RunningPostgres;
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let workDir: string;
  let configPath: string;
  let urlFile: string;
  const processes: SpawnedAmcord[] = [];

  beforeAll(async () => {
    [postgres, discord] = await Promise.all([startPostgres(), startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1_000 }, channelRateLimit: false })]);
    webhook = discord.createWebhook();
    workDir = mkdtempSync(join(tmpdir(), 'amcord-e2e-postgres-'));
    configPath = join(workDir, 'amcord.yml');
    urlFile = join(workDir, 'postgres-url');
    writeFileSync(urlFile, `${postgres.url}\n`, { mode: 0o600 });
    writeFileSync(
      configPath,
      toYaml({
        data_dir: join(workDir, 'data'),
        server: { host: '127.0.0.1', port: 0 },
        log: { level: 'info', format: 'json' },
        discord: { webhook_url: webhook.url },
        grouping: { group_by: ['alertname'], group_wait: '2s', group_interval: '1s' },
      }),
    );
  });

  afterAll(async () => {
    for (const amcord of processes) await amcord.stop();
    await discord?.close();
    await postgres?.destroy();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string>): Promise<SpawnedAmcord> => {
    const amcord = await spawnAmcord({ configPath, env });
    processes.push(amcord);
    return amcord;
  };
  const messagesOf = (alertname: string): StoredMessage[] =>
    discord.messages({ webhookId: webhook.id }).filter((message) => message.embeds.some((embed) => embed.title?.includes(alertname)));
  const post = (amcord: SpawnedAmcord, alerts: PayloadAlert[]): Promise<Response> =>
    fetch(`${amcord.url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(webhookPayload(alerts)), signal: AbortSignal.timeout(10_000) });
  const query = async <R extends pg.QueryResultRow>(sql: string): Promise<R[]> => {
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return (await client.query<R>(sql)).rows;
    } finally {
      await client.end();
    }
  };
  /** Every line amcord wrote, as it wrote them. */
  const output = (amcord: SpawnedAmcord): string => `${amcord.logs.map((line) => JSON.stringify(line)).join('\n')}\n${amcord.otherOutput()}`;
  const expectNoPassword = (text: string): void => {
    expect(text).not.toContain(postgres.password);
    expect(text).not.toContain(encodeURIComponent(postgres.password));
  };

  it('commits webhooks to PostgreSQL and edits the living message after amcord restarts', { timeout: 40_000 }, async () => {
    const first = await start({ AMCORD_STORAGE_POSTGRES_URL: postgres.url });
    // Started long ago: the group is flushed at once instead of after group_wait.
    const disk: PayloadAlert = { labels: { alertname: 'PgDiskFull', instance: 'nas:9100', severity: 'warning' }, annotations: { summary: 'Disk almost full' }, startsAt: new Date(Date.now() - 10 * 60_000) };
    expect((await post(first, [disk])).status).toBe(200);
    // Answered 200 means committed: the alert is in PostgreSQL already, in the inbox of webhooks
    // the leader has yet to apply, or applied to its group (for a moment, both).
    const [kept] = await query<{ count: number }>(
      `SELECT ((SELECT count(*) FROM alerts WHERE labels->>'alertname' = 'PgDiskFull')
            + (SELECT count(*) FROM inbox WHERE payload::text LIKE '%PgDiskFull%'))::integer AS count`,
    );
    expect(kept?.count).toBeGreaterThanOrEqual(1);
    await waitUntil(() => messagesOf('PgDiskFull').length === 1, { timeoutMs: 10_000, description: 'the first message' });
    await waitUntil(async () => (await query('SELECT 1 FROM group_messages')).length === 1, { timeoutMs: 5_000, description: 'the living message to be recorded' });
    await first.stop();
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const second = await start({ AMCORD_STORAGE_POSTGRES_URL_FILE: urlFile });
    expect((await post(second, [{ ...disk, endsAt: new Date() }])).status).toBe(200);
    await waitUntil(() => messagesOf('PgDiskFull')[0]?.edits === 1, { timeoutMs: 10_000, description: 'the resolution to edit the message posted before the restart' });
    const [message] = messagesOf('PgDiskFull');
    expect(message?.embeds.at(-1)?.color).toBe(GREEN);
    expect(messagesOf('PgDiskFull')).toHaveLength(1);
    // The state is in PostgreSQL, not under data_dir.
    expect(existsSync(join(workDir, 'data'))).toBe(false);
    expect(second.logs.find((line) => line.msg === 'amcord is listening')?.['state']).toMatch(/^postgresql:127\.0\.0\.1:\d+\/postgres$/);
    await second.stop();
    expectNoPassword(output(first) + output(second));
  });

  it('answers 503 while PostgreSQL is down, pauses, and delivers everything it accepted once PostgreSQL is back', { timeout: 40_000 }, async () => {
    // One amcord on the database at a time: replicas that take turns come with high availability.
    const amcord = await start({ AMCORD_STORAGE_POSTGRES_URL: postgres.url });
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const sending: PayloadAlert = { labels: { alertname: 'PgSending', instance: 'a:9100', severity: 'critical' }, startsAt: longAgo };
    const waiting: PayloadAlert = { labels: { alertname: 'PgWaiting', instance: 'b:9100', severity: 'critical' }, startsAt: new Date() };
    const refused: PayloadAlert = { labels: { alertname: 'PgRefused', instance: 'c:9100', severity: 'critical' }, startsAt: new Date() };

    // PgSending is on its way to a slow Discord when PostgreSQL goes away, so its delivery cannot
    // be recorded; PgWaiting is accepted and waits out group_wait, so its flush cannot be committed.
    discord.slowNext(1, 1_500, { webhookId: webhook.id });
    const before = discord.requests.length;
    expect((await post(amcord, [sending])).status).toBe(200);
    expect((await post(amcord, [waiting])).status).toBe(200);
    await waitUntil(() => discord.requests.length > before, { timeoutMs: 10_000, intervalMs: 10, description: 'the request for PgSending' });
    await postgres.stop();

    await waitUntil(async () => (await fetch(`${amcord.url}/readyz`)).status === 503, { timeoutMs: 10_000, description: '/readyz to turn 503' });
    const readiness = (await (await fetch(`${amcord.url}/readyz`)).json()) as { reason?: string };
    expect(readiness.reason).toMatch(/^storage is not accepting writes: PostgreSQL at 127\.0\.0\.1:\d+\/postgres is unreachable/);
    expectNoPassword(readiness.reason ?? '');
    const answer = await post(amcord, [refused]);
    expect(answer.status).toBe(503);
    const body = await answer.text();
    expect(body).toMatch(/unreachable/);
    expectNoPassword(body);
    // Past PgWaiting's group_wait: its flush has been tried and failed; PgSending reached Discord
    // and its delivery could not be recorded: deliveries pause on that.
    await waitUntil(() => amcord.logs.some((line) => line.msg === 'flush failed; the next tick tries again'), { timeoutMs: 10_000, description: 'a flush to fail' });
    await waitUntil(() => amcord.logs.some((line) => line.msg === 'storage failed to record a delivery; deliveries pause until it recovers'), {
      timeoutMs: 10_000,
      description: 'recording a delivery to fail',
    });
    expect(messagesOf('PgSending')).toHaveLength(1);
    expect(messagesOf('PgWaiting')).toHaveLength(0);

    await postgres.restart();
    await waitUntil(async () => (await fetch(`${amcord.url}/readyz`)).status === 200, { timeoutMs: 10_000, description: '/readyz to recover by itself' });
    // Alertmanager retries what was answered 503.
    expect((await post(amcord, [refused])).status).toBe(200);

    await waitUntil(() => messagesOf('PgWaiting').length > 0 && messagesOf('PgRefused').length > 0, { timeoutMs: 15_000, description: 'the other groups to reach Discord' });
    await waitUntil(async () => (await query('SELECT 1 FROM outbox')).length === 0, { timeoutMs: 15_000, description: 'the outbox to drain' });
    expect(await query("SELECT 1 FROM notification_log WHERE group_key ~ 'Pg(Sending|Waiting|Refused)'")).toHaveLength(3);
    expect(await query("SELECT 1 FROM group_messages WHERE group_key ~ 'Pg(Sending|Waiting|Refused)'")).toHaveLength(3);
    // Each once: the message Discord had when PostgreSQL went away was recorded, not sent again.
    for (const name of ['PgSending', 'PgWaiting', 'PgRefused']) expect(messagesOf(name), name).toHaveLength(1);
    expect(discord.requests.slice(before).filter((request) => request.method === 'POST' && request.webhookId === webhook.id)).toHaveLength(3);
    expectNoPassword(output(amcord));
  });
});
