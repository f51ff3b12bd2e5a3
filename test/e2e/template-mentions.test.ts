import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from '../support/fake-discord.js';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { makeAlert, makePayload } from '../support/payloads.js';
import { waitUntil } from '../support/processes.js';

const ONCALL_ROLE = '234567890123456789';

/**
 * The template decides where mentions go, and whether they go at all: a route's mentions reach
 * the template as {{ mentions }}, and only what the template puts in the content pings.
 */
describe('mentions placed by the template', () => {
  let discord: FakeDiscord;
  let oncall: FakeWebhook;
  let general: FakeWebhook;
  let amcord: TestAmcord;
  let templatesDir: string;

  beforeAll(async () => {
    discord = await startFakeDiscord({ channelRateLimit: false });
    oncall = discord.createWebhook();
    general = discord.createWebhook();
    // A copy of the shipped templates whose content pings only for critical groups.
    templatesDir = mkdtempSync(join(tmpdir(), 'amcord-templates-'));
    cpSync('templates', templatesDir, { recursive: true });
    const file = join(templatesDir, 'critical-pings.yml');
    const shipped = readFileSync(join(templatesDir, 'default.yml'), 'utf8');
    const content = `content: "{% if group.severity == 'critical' %}{{ mentions }}{% endif %}"`;
    expect(shipped).toContain('content: "{{ mentions }}"');
    writeFileSync(file, shipped.replace('content: "{{ mentions }}"', content));
    amcord = await startTestAmcord(
      { AMCORD_GROUPING_GROUP_WAIT: '0s', AMCORD_DISCORD_WEBHOOK_URL: general.url },
      `
templates: { dir: "${templatesDir}", name: critical-pings }
destinations:
  oncall: { webhook_url: "${oncall.url}" }
routes:
  - name: oncall
    matchers: ['team="ops"']
    destination: oncall
    mentions: { roles: ["${ONCALL_ROLE}"] }
`,
    );
  });

  afterAll(async () => {
    await amcord?.close();
    await discord?.close();
    rmSync(templatesDir, { recursive: true, force: true });
  });

  const post = (labels: Record<string, string>) =>
    fetch(`${amcord.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makePayload([makeAlert({ labels, startsAt: '2026-01-01T00:00:00Z' })])),
    });

  it('pings nobody for a warning, whose content leaves the mentions out', async () => {
    expect((await post({ alertname: 'DiskSpaceLow', team: 'ops', severity: 'warning' })).status).toBe(200);
    await waitUntil(() => discord.messages({ webhookId: oncall.id }).length === 1, { timeoutMs: 15_000, description: 'the warning' });
    const [warning] = discord.messages({ webhookId: oncall.id });
    expect(warning?.content ?? '').toBe('');
    expect(warning?.mentionRoles).toEqual([]);
  });

  it('pings the route role for a critical alert, where the template puts the mentions', async () => {
    expect((await post({ alertname: 'NodeDown', team: 'ops', severity: 'critical' })).status).toBe(200);
    await waitUntil(() => discord.messages({ webhookId: oncall.id }).length === 2, { timeoutMs: 15_000, description: 'the critical alert' });
    const critical = discord.messages({ webhookId: oncall.id }).at(-1);
    expect(critical?.content).toBe(`<@&${ONCALL_ROLE}>`);
    expect(critical?.mentionRoles).toEqual([ONCALL_ROLE]);
  });
});
