import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/load.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from '../support/fake-discord.js';
import { startTestAmcord, type TestAmcord } from '../support/amcord.js';
import { makeAlert, makePayload } from '../support/payloads.js';
import { waitUntil } from '../support/processes.js';

const ONCALL_ROLE = '234567890123456789';
const LEAD_USER = '345678901234567890';

/** Routes and mentions, end to end: what reaches which Discord webhook, and who it pings. */
describe('routing to several destinations, with mentions that ping', () => {
  let discord: FakeDiscord;
  let general: FakeWebhook;
  let oncall: FakeWebhook;
  let kubernetes: FakeWebhook;
  let amcord: TestAmcord;

  beforeAll(async () => {
    discord = await startFakeDiscord({ channelRateLimit: false });
    general = discord.createWebhook();
    oncall = discord.createWebhook();
    kubernetes = discord.createWebhook();
    amcord = await startTestAmcord(
      { AMCORD_DISCORD_WEBHOOK_URL: general.url, AMCORD_GROUPING_GROUP_WAIT: '0s' },
      `
destinations:
  oncall: { webhook_url: "${oncall.url}" }
  kubernetes: { webhook_url: "${kubernetes.url}" }
routes:
  - name: critical
    matchers: ['severity="critical"']
    destination: oncall
    continue: true
    mentions: { roles: ["${ONCALL_ROLE}"], users: ["${LEAD_USER}"] }
  - name: kubernetes
    matchers: ['instance=~"k8s-.*"']
    destination: kubernetes
`,
    );
  });

  afterAll(async () => {
    await amcord?.close();
    await discord?.close();
  });

  const post = (labels: Record<string, string>) =>
    fetch(`${amcord.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Started long ago: each group flushes at once.
      body: JSON.stringify(makePayload([makeAlert({ labels, startsAt: '2026-01-01T00:00:00Z' })])),
    });
  const titles = (webhook: FakeWebhook) => discord.messages({ webhookId: webhook.id }).map((message) => message.embeds[0]?.title ?? '');

  it('sends each alert where its route says, pinging only where mentions are configured', async () => {
    expect((await post({ alertname: 'NodeDown', instance: 'k8s-1:9100', severity: 'critical' })).status).toBe(200);
    expect((await post({ alertname: 'DiskSpaceLow', instance: 'k8s-2:9100', severity: 'warning' })).status).toBe(200);
    expect((await post({ alertname: 'HighCPUUsage', instance: 'nas:9100', severity: 'warning' })).status).toBe(200);
    await waitUntil(() => discord.messages().length === 4, { timeoutMs: 15_000, description: 'four messages' });

    expect(titles(oncall)).toEqual(['🔴 Firing: NodeDown on k8s-1:9100 (critical)']);
    expect(titles(kubernetes).sort()).toEqual(['🔴 Firing: NodeDown on k8s-1:9100 (critical)', '🟠 Firing: DiskSpaceLow on k8s-2:9100 (warning)']);
    expect(titles(general)).toEqual(['🟠 Firing: HighCPUUsage on nas:9100 (warning)']);

    const [paged] = discord.messages({ webhookId: oncall.id });
    expect(paged?.content).toBe(`<@&${ONCALL_ROLE}> <@${LEAD_USER}>`);
    expect(paged?.mentionRoles).toEqual([ONCALL_ROLE]);
    expect(paged?.mentionUsers).toEqual([LEAD_USER]);
    for (const message of [...discord.messages({ webhookId: kubernetes.id }), ...discord.messages({ webhookId: general.id })]) {
      expect(message.mentionRoles).toEqual([]);
      expect(message.mentionUsers).toEqual([]);
    }
  });
});

/** Routes that would share a name, or a default that only prints: refused, or said out loud. */
describe('routes that could misroute', () => {
  let discord: FakeDiscord;
  let general: FakeWebhook;
  let oncall: FakeWebhook;
  let amcord: TestAmcord | undefined;

  beforeAll(async () => {
    discord = await startFakeDiscord({ channelRateLimit: false });
    general = discord.createWebhook();
    oncall = discord.createWebhook();
  });

  afterEach(async () => {
    await amcord?.close();
    amcord = undefined;
  });

  afterAll(async () => {
    await discord?.close();
  });

  const post = (labels: Record<string, string>) =>
    fetch(`${amcord?.url ?? ''}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(makePayload([makeAlert({ labels, startsAt: '2026-01-01T00:00:00Z' })])),
    });
  const titles = (webhook: FakeWebhook) => discord.messages({ webhookId: webhook.id }).map((message) => message.embeds[0]?.title ?? '');

  it('refuses to start with a route named "default", whose alerts went to the default webhook', async () => {
    const start = startTestAmcord(
      { AMCORD_DISCORD_WEBHOOK_URL: general.url, AMCORD_GROUPING_GROUP_WAIT: '0s' },
      `
destinations:
  oncall: { webhook_url: "${oncall.url}" }
routes:
  - name: default
    matchers: ['severity="critical"']
    destination: oncall
`,
    );
    await expect(start).rejects.toThrow(ConfigError);
    await expect(start).rejects.toThrow(/routes\[0\]\.name/);
  });

  it('refuses to start with two routes of one name', async () => {
    const start = startTestAmcord(
      { AMCORD_DISCORD_WEBHOOK_URL: general.url },
      `
destinations:
  oncall: { webhook_url: "${oncall.url}" }
routes:
  - name: critical
    matchers: ['severity="critical"']
    destination: oncall
  - name: critical
    matchers: ['team="db"']
`,
    );
    await expect(start).rejects.toThrow(/"critical" is already the name of routes\[0\][\s\S]*routes\[1\]\.name/);
  });

  it('with discord.preview, sends routed alerts and prints only what no route takes', async () => {
    amcord = await startTestAmcord(
      { AMCORD_GROUPING_GROUP_WAIT: '0s' },
      `
discord: { preview: true }
destinations:
  oncall: { webhook_url: "${oncall.url}" }
routes:
  - matchers: ['severity="critical"']
    destination: oncall
`,
    );
    const before = titles(oncall).length;
    expect((await post({ alertname: 'NodeDown', instance: 'nas:9100', severity: 'critical' })).status).toBe(200);
    expect((await post({ alertname: 'DiskSpaceLow', instance: 'pi:9100', severity: 'warning' })).status).toBe(200);
    await waitUntil(() => titles(oncall).length > before && (amcord?.preview.length ?? 0) > 0, { timeoutMs: 15_000, description: 'one sent, one printed' });
    expect(titles(oncall).slice(before)).toEqual(['🔴 Firing: NodeDown on nas:9100 (critical)']);
    expect(amcord.preview.join('')).toContain('🟠 Firing: DiskSpaceLow on pi:9100 (warning)');
    expect(amcord.preview.join('')).not.toContain('NodeDown');
  });
});
