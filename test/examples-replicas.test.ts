/**
 * examples/replicas/: PostgreSQL and two amcord replicas behind one Alertmanager. The Compose file
 * must agree with the configurations it mounts and with the README's steps, amtool and amcord
 * must accept the configurations, and the replicas' amcord.yml must run as described: two
 * processes on one database, one leading, a webhook to either shown once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseDocument } from 'yaml';
import { spawnAmcord, type SpawnedAmcord } from './e2e/support-cli.js';
import { webhookPayload } from './e2e/support-payloads.js';
import { startFakeDiscord, type FakeDiscord } from './support/fake-discord.js';
import { startPostgres, type RunningPostgres } from './support/postgres.js';
import { requireBinary, waitUntil } from './support/processes.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const DIR = join(REPO_ROOT, 'examples', 'replicas');
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

type Yaml = Record<string, unknown>;
interface Service {
  build?: { context?: string };
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: Array<string | { source: string; target?: string }>;
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: unknown;
  ports?: string[];
}

// The replicas share one definition through a YAML merge key.
const compose = parseYaml(readFileSync(join(DIR, 'compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service>; secrets: Record<string, { file: string }> };
const amcord = parseYaml(readFileSync(join(DIR, 'amcord.yml'), 'utf8')) as Yaml;
const alertmanager = parseYaml(readFileSync(join(DIR, 'alertmanager.yml'), 'utf8')) as { receivers: Array<{ webhook_configs: Array<{ url: string; http_config: { authorization: { credentials_file: string } } }> }> };
const replicaNames = Object.keys(compose.services).filter((name) => name.startsWith('amcord-'));
const service = (name: string): Service => compose.services[name] ?? {};
const secretTargets = (name: string): string[] =>
  (service(name).secrets ?? []).map((secret) => (typeof secret === 'string' ? `/run/secrets/${secret}` : (secret.target ?? `/run/secrets/${secret.source}`)));

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('examples/replicas/compose.yml', () => {
  it('runs PostgreSQL, Alertmanager and at least two amcord replicas built from the repository', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'alertmanager']));
    expect(replicaNames.length).toBeGreaterThanOrEqual(2);
    for (const name of replicaNames) {
      expect(resolve(DIR, service(name).build?.context ?? ''), name).toBe(REPO_ROOT);
      expect(service(name).volumes, name).toContain('./amcord.yml:/etc/amcord/amcord.yml:ro');
      expect(service(name).environment?.['AMCORD_CONFIG'], name).toBe('/etc/amcord/amcord.yml');
      // Started once PostgreSQL answers, so the first start does not fail on a booting database.
      expect(service(name).depends_on?.['postgres']?.condition, name).toBe('service_healthy');
    }
    expect(service('postgres').healthcheck).toBeDefined();
  });

  it("mounts every secret amcord.yml and alertmanager.yml read, from files the README's steps create", () => {
    const readByAmcord = [
      ['storage', 'postgres', 'url_file'],
      ['server', 'auth', 'bearer_token_file'],
      ['discord', 'webhook_url_file'],
    ].map((path) => path.reduce<unknown>((node, key) => (node as Yaml | undefined)?.[key], amcord));
    for (const name of replicaNames) for (const file of readByAmcord) expect(secretTargets(name), `${name}: ${String(file)}`).toContain(file);
    for (const webhook of alertmanager.receivers[0]?.webhook_configs ?? []) {
      expect(secretTargets('alertmanager')).toContain(webhook.http_config.authorization.credentials_file);
    }
    const steps = README.slice(README.indexOf('## Running several replicas'), README.indexOf('## Dead man'));
    for (const [name, secret] of Object.entries(compose.secrets)) {
      expect(secret.file, name).toMatch(/^\.\/secrets\//);
      expect(steps, `the README creates ${secret.file}`).toContain(`> ${secret.file.slice(2)}`);
    }
    // The URL the README writes names the Compose database, its user and its service.
    const postgres = service('postgres').environment ?? {};
    expect(steps).toContain(`postgres://${postgres['POSTGRES_USER']}:%s@postgres:5432/${postgres['POSTGRES_DB']}`);
    expect(postgres['POSTGRES_PASSWORD_FILE']).toBe('/run/secrets/postgres-password');
  });

  it('has Alertmanager post to every replica, on the port amcord listens on', async () => {
    const urls = (alertmanager.receivers[0]?.webhook_configs ?? []).map((webhook) => webhook.url);
    expect(urls.sort()).toEqual(replicaNames.map((name) => `http://${name}:${String((amcord['server'] as Yaml)['port'])}/alerts`).sort());
    const amtool = requireBinary('amtool');
    const result = await new Promise<{ code: number; output: string }>((done) =>
      execFile(amtool, ['check-config', join(DIR, 'alertmanager.yml')], (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr })),
    );
    expect(result.code, result.output).toBe(0);
  });
});

describe('examples/replicas/amcord.yml', () => {
  let postgres: RunningPostgres;
  let discord: FakeDiscord;

  it('runs as two replicas on one PostgreSQL: one leads, and a webhook to either is shown once', { timeout: 60_000 }, async () => {
    [postgres, discord] = await Promise.all([startPostgres(), startFakeDiscord({ channelRateLimit: false })]);
    cleanups.push(() => postgres.destroy(), () => discord.close());
    const webhook = discord.createWebhook();
    const dir = mkdtempSync(join(tmpdir(), 'amcord-replicas-example-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // The example as it is, with its secrets where this test keeps them and loopback addresses.
    const document = parseDocument(readFileSync(join(DIR, 'amcord.yml'), 'utf8'));
    const secrets = { 'postgres-url': postgres.url, 'amcord-token': 'replicas-example-token', 'discord-webhook-url': webhook.url };
    for (const [name, value] of Object.entries(secrets)) writeFileSync(join(dir, name), `${value}\n`, { mode: 0o600 });
    document.setIn(['storage', 'postgres', 'url_file'], 'postgres-url');
    document.setIn(['server', 'auth', 'bearer_token_file'], 'amcord-token');
    document.setIn(['discord', 'webhook_url_file'], 'discord-webhook-url');
    document.setIn(['server', 'host'], '127.0.0.1');
    document.setIn(['server', 'port'], 0);
    document.setIn(['grouping', 'group_wait'], '1s');
    writeFileSync(join(dir, 'amcord.yml'), String(document));

    const replicas: SpawnedAmcord[] = [];
    for (let index = 0; index < 2; index += 1) replicas.push(await spawnAmcord({ configPath: join(dir, 'amcord.yml') }));
    cleanups.push(async () => {
      for (const replica of replicas) await replica.stop();
    });
    const leaders = async (): Promise<number> => {
      const texts = await Promise.all(replicas.map(async (replica) => (await fetch(`${replica.url}/metrics`)).text()));
      return texts.filter((text) => /^amcord_leader 1$/m.test(text)).length;
    };
    await waitUntil(async () => (await leaders()) === 1, { timeoutMs: 10_000, description: 'one leader' });

    const body = JSON.stringify(webhookPayload([{ labels: { alertname: 'ReplicasExample', instance: 'nas:9100', severity: 'warning' }, startsAt: new Date(Date.now() - 600_000) }]));
    for (const replica of replicas) {
      const response = await fetch(`${replica.url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer replicas-example-token' }, body });
      expect(response.status).toBe(200);
    }
    await waitUntil(() => discord.messages({ webhookId: webhook.id }).length >= 1, { timeoutMs: 15_000, description: 'the message' });
    await new Promise((settle) => setTimeout(settle, 2_000));
    expect(discord.messages({ webhookId: webhook.id })).toHaveLength(1);
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      expect((await client.query("SELECT holder FROM leases WHERE name = 'leader'")).rows).toHaveLength(1);
    } finally {
      await client.end();
    }
  });
});
