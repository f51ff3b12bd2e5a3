import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnAmcord, type SpawnedAmcord } from '../e2e/support-cli.js';
import { webhookPayload } from '../e2e/support-payloads.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook, type StoredMessage } from '../support/fake-discord.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import { postAlerts, startAlertmanager, waitUntil, type RunningProcess, type TestAlert } from '../support/processes.js';

const TOKEN = 'failover-bearer-token-51d0';
/** The shortest lease amcord takes: failover within seconds, so the tests stay short. */
const LEASE_MS = 3_000;
const GREEN = 0x2ecc71;

/**
 * Several amcord processes on one PostgreSQL, fed by two real Alertmanagers that each post to
 * every replica (one webhook_configs entry per replica, as the README suggests), delivering into
 * a rate-limited fake Discord. The leader is killed with -9, paused with SIGSTOP past its lease,
 * and the database restarted, each in the middle of a storm.
 */
describe('replicas on PostgreSQL', () => {
  let postgres: RunningPostgres;
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let workDir: string;
  let configPath: string;
  let replicas: SpawnedAmcord[] = [];
  let alertmanagers: RunningProcess[] = [];

  beforeAll(async () => {
    [postgres, discord] = await Promise.all([startPostgres(), startFakeDiscord({ rateLimit: { limit: 5, windowMs: 1_000 }, channelRateLimit: false })]);
    workDir = mkdtempSync(join(tmpdir(), 'amcord-failover-'));
    configPath = join(workDir, 'amcord.yml');
  });

  afterEach(async () => {
    await Promise.all(alertmanagers.map((alertmanager) => alertmanager.stop()));
    await Promise.all(replicas.map((replica) => replica.stop()));
    alertmanagers = [];
    replicas = [];
  });

  afterAll(async () => {
    await discord?.close();
    await postgres?.destroy();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** A fresh database and webhook for each test, and `count` replicas on them, then the Alertmanagers. */
  async function startCluster(name: string, count: number): Promise<void> {
    webhook = discord.createWebhook();
    const url = await postgres.createDatabase(`failover_${name}`);
    writeFileSync(
      configPath,
      toYaml({
        server: { host: '127.0.0.1', port: 0, auth: { bearer_token: TOKEN } },
        log: { level: 'info', format: 'json' },
        discord: { webhook_url: webhook.url },
        storage: { postgres: { url, lease_duration: `${LEASE_MS}ms` } },
        grouping: { group_by: ['alertname'], group_wait: '1s', group_interval: '1s' },
      }),
    );
    for (let index = 0; index < count; index += 1) replicas.push(await spawnAmcord({ configPath }));
    const config = {
      route: { receiver: 'amcord', group_by: ['alertname'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
      receivers: [
        {
          name: 'amcord',
          webhook_configs: replicas.map((replica) => ({
            url: `${replica.url}/alerts`,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials: TOKEN } },
          })),
        },
      ],
    };
    alertmanagers = await Promise.all([startAlertmanager({ config }), startAlertmanager({ config })]);
  }

  async function isLeader(replica: SpawnedAmcord): Promise<boolean> {
    const response = await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return /^amcord_leader 1$/m.test(await response.text());
  }

  /** The one replica that leads; fails when none or two do. */
  async function leader(among: readonly SpawnedAmcord[] = replicas): Promise<SpawnedAmcord> {
    let found: SpawnedAmcord[] = [];
    await waitUntil(
      async () => {
        const leading = await Promise.all(among.map(async (replica) => (replica.isAlive() && (await isLeader(replica).catch(() => false)) ? replica : undefined)));
        found = leading.filter((replica): replica is SpawnedAmcord => replica !== undefined);
        return found.length === 1;
      },
      { timeoutMs: 20_000, description: 'exactly one replica to lead' },
    );
    return found[0] as SpawnedAmcord;
  }

  const storm = (prefix: string, groups: number, at = new Date()): TestAlert[] =>
    Array.from({ length: groups }, (_, index) => ({
      labels: { alertname: `${prefix}${String(index).padStart(2, '0')}`, instance: `node-${index % 4}:9100`, severity: index % 3 === 0 ? 'critical' : 'warning' },
      annotations: { summary: `storm alert ${index}` },
      startsAt: at.toISOString(),
    }));
  const fire = (alerts: readonly TestAlert[]): Promise<void> => Promise.all(alertmanagers.map((alertmanager) => postAlerts(alertmanager.url, alerts))).then(() => undefined);
  const resolve = (alerts: readonly TestAlert[]): Promise<void> => fire(alerts.map((alert) => ({ ...alert, endsAt: new Date().toISOString() })));

  const messagesOf = (alertname: string): StoredMessage[] =>
    discord.messages({ webhookId: webhook.id }).filter((message) => message.embeds.some((embed) => embed.title?.includes(`: ${alertname} on `)));
  /** The alertnames shown in Discord, with how many messages each has. */
  const shownCounts = (alerts: readonly TestAlert[]): Map<string, number> =>
    new Map(alerts.map((alert) => [alert.labels.alertname ?? '', messagesOf(alert.labels.alertname ?? '').length]));
  const allShown = (alerts: readonly TestAlert[]): boolean => [...shownCounts(alerts).values()].every((count) => count >= 1);
  const allResolved = (alerts: readonly TestAlert[]): boolean =>
    alerts.every((alert) => messagesOf(alert.labels.alertname ?? '').at(-1)?.embeds[0]?.color === GREEN);

  /**
   * Every group's living message (its latest) was edited to resolved, and no group got a new
   * message for it: the living message continued across everything. `before`: the counts of
   * messages per group before the resolve.
   */
  function expectResolvedInPlace(alerts: readonly TestAlert[], before: Map<string, number>): void {
    expect(shownCounts(alerts)).toEqual(before);
    for (const alert of alerts) {
      const living = messagesOf(alert.labels.alertname ?? '').at(-1);
      expect(living?.embeds[0]?.color, alert.labels.alertname).toBe(GREEN);
      expect(living?.edits, alert.labels.alertname).toBeGreaterThanOrEqual(1);
    }
  }

  it('a leader killed with -9 mid-storm: another takes over within the lease, every alert is shown once, and resolves edit the same messages', { timeout: 120_000 }, async () => {
    await startCluster('kill', 3);
    const first = await leader();
    const alerts = storm('Kill', 36);
    await fire(alerts);
    // Mid-storm: some groups are in Discord, most are waiting in the outbox or in their group_wait.
    await waitUntil(() => discord.messages({ webhookId: webhook.id }).length >= 8, { timeoutMs: 30_000, intervalMs: 20, description: 'the first messages of the storm' });
    first.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;

    const second = await leader(replicas.filter((replica) => replica !== first));
    const tookOverMs = Date.now() - killedAt;
    expect(tookOverMs).toBeLessThan(LEASE_MS + 2_000);
    await waitUntil(() => allShown(alerts), { timeoutMs: 60_000, description: 'every group of the storm in Discord' });

    // The single post in flight at the kill may be repeated by the next leader (Discord's webhooks
    // cannot tell a repeat); nothing else is.
    const counts = [...shownCounts(alerts).values()];
    expect(counts.filter((count) => count > 1).length).toBeLessThanOrEqual(1);
    expect(Math.max(...counts)).toBeLessThanOrEqual(2);

    const beforeResolve = shownCounts(alerts);
    await resolve(alerts);
    await waitUntil(() => allResolved(alerts), { timeoutMs: 60_000, description: 'every group resolved' });
    expectResolvedInPlace(alerts, beforeResolve);
    expect(second.logs.some((line) => line.msg.startsWith('this replica leads now'))).toBe(true);
    expect(discord.stats().totals.clientErrors).toBe(0);
  });

  it('a leader paused past its lease sends nothing when it wakes, steps down, and nothing is lost or doubled', { timeout: 120_000 }, async () => {
    await startCluster('pause', 2);
    const paused = await leader();
    const before = storm('Before', 5);
    await fire(before);
    await waitUntil(() => allShown(before), { timeoutMs: 30_000, description: 'the first groups in Discord' });

    // Paused with work of its own under way: groups in group_wait, messages about to be sent.
    const during = storm('During', 12);
    await fire(during);
    paused.kill('SIGSTOP');
    const other = replicas.find((replica) => replica !== paused) as SpawnedAmcord;
    let beforeResolve: Map<string, number> | undefined;
    try {
      await waitUntil(() => isLeader(other), { timeoutMs: LEASE_MS * 3, description: 'the other replica to take over' });
      await waitUntil(() => allShown(during), { timeoutMs: 60_000, description: 'the groups fired during the pause in Discord' });
      beforeResolve = shownCounts(before);
      await resolve(before);
    } finally {
      paused.kill('SIGCONT');
    }
    const wokeAt = Date.now();
    await waitUntil(() => paused.logs.some((line) => line.msg.startsWith('stepped down as leader')), { timeoutMs: 10_000, description: 'the woken leader to step down' });
    await waitUntil(() => allResolved(before), { timeoutMs: 30_000, description: 'the first groups resolved' });
    expect(await isLeader(paused)).toBe(false);
    expect(await isLeader(other)).toBe(true);

    for (const [alertname, count] of shownCounts([...before, ...during])) expect(count, alertname).toBe(1);
    expectResolvedInPlace(before, beforeResolve ?? new Map());
    // The woken replica delivered nothing: whatever it had under way was refused or left for the leader.
    expect(paused.logs.filter((line) => line.msg === 'delivered' && line.time >= wokeAt)).toEqual([]);
    expect(other.logs.filter((line) => line.msg === 'delivered').length).toBeGreaterThan(0);
  });

  it('PostgreSQL restarted mid-storm: webhooks are refused with 503 while it is down, and afterwards everything is delivered once', { timeout: 120_000 }, async () => {
    await startCluster('restart', 2);
    await leader();
    const alerts = storm('Restart', 30);
    await fire(alerts.slice(0, 15));
    await waitUntil(() => discord.messages({ webhookId: webhook.id }).length >= 3, { timeoutMs: 30_000, intervalMs: 20, description: 'the first messages' });

    await postgres.stop();
    const refused = await fetch(`${replicas[0]?.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(webhookPayload([{ labels: { alertname: 'RestartRefused', severity: 'warning' }, startsAt: new Date() }])),
      signal: AbortSignal.timeout(10_000),
    });
    expect(refused.status).toBe(503);
    // Alertmanager keeps these and retries until amcord takes them.
    await fire(alerts.slice(15));
    await new Promise((resolveDelay) => setTimeout(resolveDelay, LEASE_MS));
    await postgres.restart();

    await leader();
    await waitUntil(() => allShown(alerts), { timeoutMs: 60_000, description: 'every group after the restart' });
    for (const [alertname, count] of shownCounts(alerts)) expect(count, alertname).toBe(1);
    const beforeResolve = shownCounts(alerts);
    await resolve(alerts);
    await waitUntil(() => allResolved(alerts), { timeoutMs: 60_000, description: 'every group resolved' });
    expectResolvedInPlace(alerts, beforeResolve);
  });
});
