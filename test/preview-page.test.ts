import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPayload } from '../src/render/render.js';
import { SAMPLE_PAYLOADS } from '../src/render/templates/samples.js';
import { startTestAmcord, type TestAmcord } from './support/amcord.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook } from './support/fake-discord.js';
import { capturedPayloads, capturedRaw, makeAlert, makePayload } from './support/payloads.js';

/**
 * The preview page in a real browser: amcord in-process with a received group, the page loaded in
 * headless Chromium (Debian's, never a downloaded one), its web components upgraded and drawn.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOT = join(import.meta.dirname, '..', 'test-output', 'preview.png');

const GROUP = capturedPayloads()['webhook-group-firing'];
const titlesOf = (payload: Parameters<typeof renderPayload>[0], template: string): string[] =>
  [renderPayload(payload, { template })].flatMap((fitted) => (fitted.message.embeds ?? []).flatMap((embed) => (embed.title ? [embed.title] : [])));

const HOSTILE = makePayload(
  [
    makeAlert({
      labels: { alertname: 'HostileText', instance: '<img src=x onerror="window.pwned=1">', severity: 'critical' },
      annotations: { summary: '<script>window.pwned=2</script>', description: '<b onmouseover="window.pwned=3">bold?</b>' },
    }),
  ],
  { groupKey: '{}:{alertname="HostileText"}', groupLabels: { alertname: 'HostileText' } },
);

describe('the preview page in Chromium', () => {
  let discord: FakeDiscord;
  let webhook: FakeWebhook;
  let amcord: TestAmcord;
  let userDataDir: string;
  let context: BrowserContext;
  const outside: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    // Each test fails on its own, saying what to install; none is skipped.
    if (!existsSync(CHROMIUM)) return;
    discord = await startFakeDiscord();
    webhook = discord.createWebhook();
    amcord = await startTestAmcord({ AMCORD_DISCORD_WEBHOOK_URL: webhook.url, AMCORD_SERVER_PREVIEW: 'true' });
    for (const payload of [capturedRaw('webhook-group-firing'), HOSTILE]) {
      const response = await fetch(`${amcord.url}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      expect(response.status).toBe(200);
    }
    userDataDir = mkdtempSync(join(tmpdir(), 'amcord-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    // Everything the page needs comes from amcord; anything else is recorded and refused.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${amcord.url}/`)) return route.continue();
      outside.push(url);
      return route.abort();
    });
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await amcord?.close();
    await discord?.close();
  });

  async function open(path: string): Promise<Page> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the preview page test needs the Debian package chromium (apt-get install -y chromium)`);
    }
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${path}: console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${path}: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`${path}: a dialog opened: ${dialog.message()}`);
      void dialog.dismiss();
    });
    const response = await page.goto(`${amcord.url}${path}`);
    expect(response?.status()).toBe(200);
    try {
      await page.waitForSelector('html[data-preview-ready="true"]', { state: 'attached', timeout: 15_000 });
    } catch (error) {
      throw new Error(`the page's script did not finish loading the components:\n${problems.join('\n')}`, { cause: error });
    }
    return page;
  }

  it('draws the received group and every sample as Discord does, and saves a screenshot', async () => {
    const page = await open('/preview');
    expect(await page.title()).toBe('amcord preview · default');

    // Evaluated in the page (this project has no DOM types).
    const upgraded = await page.evaluate<{ defined: boolean; shadow: boolean; height: number; width: number }>(`(() => {
      const embed = document.querySelector('discord-embed');
      const box = embed.getBoundingClientRect();
      return {
        defined: ${JSON.stringify(['discord-messages', 'discord-message', 'discord-embed', 'discord-embed-field', 'discord-embed-footer'])}.every((name) => customElements.get(name) !== undefined),
        shadow: embed.shadowRoot !== null && embed.shadowRoot.querySelector('.discord-embed-wrapper') !== null,
        height: box.height,
        width: box.width,
      };
    })()`);
    expect(upgraded.defined).toBe(true);
    expect(upgraded.shadow).toBe(true);
    expect(upgraded.height).toBeGreaterThan(40);
    expect(upgraded.width).toBeGreaterThan(200);

    if (!GROUP) throw new Error('the fixture webhook-group-firing is missing');
    const [groupTitle] = titlesOf(GROUP, 'default');
    expect(groupTitle).toBe('🟠 3 firing: DiskSpaceLow (warning)');
    await page.locator('#recent').getByText(groupTitle ?? '').first().waitFor({ state: 'visible' });
    // The received group's alerts, each on its line, bold and with a relative time.
    await page.locator('#recent discord-bold', { hasText: 'nextcloud:9100 (mountpoint=/srv)' }).waitFor({ state: 'visible' });
    expect(await page.locator('#recent discord-time').count()).toBeGreaterThanOrEqual(3);

    for (const [name, payload] of Object.entries(SAMPLE_PAYLOADS)) {
      const sample = page.locator('#samples article', { has: page.locator('h3', { hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
      expect(await sample.count(), name).toBe(1);
      for (const title of titlesOf(payload, 'default')) {
        expect(await sample.getByText(title.trim()).first().isVisible(), `${name}: ${title}`).toBe(true);
      }
    }

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    await page.close();
  });

  it('shows the picture a message would carry, drawn from sample series without a Prometheus, and says so', async () => {
    const page = await open('/preview');
    const sample = page.locator('#samples article', { has: page.locator('h3', { hasText: /^one alert$/ }) });
    await sample.getByText('picture from sample series: no Prometheus is configured').waitFor({ state: 'visible' });
    // Locators look into the components' (open) shadow trees.
    const image = sample.locator('img.discord-embed-image');
    await image.waitFor({ state: 'visible' });
    // Evaluated in the page (this project has no DOM types).
    const loaded = `(() => {
      const article = [...document.querySelectorAll('#samples article')].find((one) => one.querySelector('h3').textContent === 'one alert');
      const img = article.querySelector('discord-embed').shadowRoot.querySelector('img.discord-embed-image');
      return img.complete && img.naturalWidth > 0 ? { width: img.naturalWidth, height: img.naturalHeight } : undefined;
    })()`;
    await expect.poll(() => page.evaluate(loaded)).toBeDefined();
    const size = await page.evaluate<{ width: number; height: number }>(loaded);
    const picture = { src: await image.getAttribute('src'), ...size };
    expect(picture?.src).toMatch(/^data:image\/png;base64,/);
    expect({ width: picture?.width, height: picture?.height }).toEqual({ width: 1120, height: 560 });
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await sample.screenshot({ path: join(dirname(SCREENSHOT), 'preview-picture.png') });
    // A group whose alerts name no expression has no picture, and no note.
    const group = page.locator('#samples article', { has: page.locator('h3', { hasText: /^a group$/ }) });
    expect(await group.getByText('picture from sample series').count()).toBe(0);
    expect(await group.locator('img.discord-embed-image').count()).toBe(0);
    await page.close();
  });

  it('renders with the template picked by ?template=compact', async () => {
    const page = await open('/preview?template=compact');
    expect(await page.title()).toBe('amcord preview · compact');
    await page.locator('nav a[aria-current="page"]', { hasText: 'compact' }).waitFor();
    if (!GROUP) throw new Error('the fixture webhook-group-firing is missing');
    const [compactTitle] = titlesOf(GROUP, 'compact');
    const [defaultTitle] = titlesOf(GROUP, 'default');
    expect(compactTitle).not.toBe(defaultTitle);
    await page.locator('#recent').getByText(compactTitle ?? '').first().waitFor({ state: 'visible' });
    expect(await page.locator('#recent').getByText(defaultTitle ?? '').count()).toBe(0);
    await page.close();
  });

  it('shows alert text as text: no script from an alert runs', async () => {
    const page = await open('/preview');
    const hostile = page.locator('#recent article', { hasText: 'HostileText' });
    await hostile.getByText('<script>window.pwned=2</script>').first().waitFor({ state: 'visible' });
    await hostile.getByText('<img src=x onerror="window.pwned=1">').first().waitFor({ state: 'visible' });
    expect(await page.evaluate('typeof window.pwned')).toBe('undefined');
    // In the page's own markup (not the components' shadow trees): no element an alert could have made.
    expect(await page.evaluate("document.querySelectorAll('main script, main img, main iframe, main b').length")).toBe(0);
    await page.close();
  });

  it('needs nothing from outside amcord, logs no errors and shows no secret', async () => {
    const page = await open('/preview');
    const html = await page.content();
    expect(html).not.toContain(webhook.token);
    expect(html).not.toContain(webhook.url);
    await page.close();
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  });
});
