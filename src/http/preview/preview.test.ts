import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { capturedRaw, makeAlert, makePayload, manyAlerts } from '../../../test/support/payloads.js';
import { builtinTemplates, loadTemplates, renderPayload, type TemplateSet } from '../../render/render.js';
import { SAMPLE_ACKNOWLEDGEMENT, SAMPLE_PAYLOADS } from '../../render/templates/samples.js';
import { ACKNOWLEDGED_SAMPLE_NAME } from './index.js';
import { createApp } from '../app.js';
import type { ReceiverAuth } from '../auth.js';
import { liquid } from '../../render/templates/liquid.js';
import { COMPONENTS, COMPONENTS_PACKAGE } from './client-script.js';
import { h } from './html.js';
import { createPreviewApp, RecentNotifications } from './index.js';

function setup(templates: TemplateSet = builtinTemplates(), templateName = 'default', auth: ReceiverAuth = {}) {
  const recent = new RecentNotifications(20);
  const app = createApp({
    accept: () => undefined,
    logger: pino({ level: 'silent' }),
    auth,
    maxBodyBytes: 1024 * 1024,
    isReady: () => true,
    preview: { templates: () => templates, templateName, recent },
  });
  const post = (payload: unknown) => app.request('/alerts', { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
  const page = async (path = '/preview') => {
    const response = await app.request(path);
    return { response, text: await response.text() };
  };
  return { app, recent, post, page };
}

/** A text as it appears inside an attribute or element of the page. */
const escaped = (text: string): string => h`${text}`.toString();

const titlesOf = (payload: Parameters<typeof renderPayload>[0], template: string): string[] =>
  [renderPayload(payload, { template })].flatMap((fitted) => (fitted.message.embeds ?? []).map((embed) => embed.title ?? ''));

/** The part of the page between two markers. */
const between = (text: string, start: string, end: string): string => text.slice(text.indexOf(start), end ? text.indexOf(end) : undefined);

describe('GET /preview', () => {
  it('draws every sample with the configured template, in Discord web components', async () => {
    const { page } = setup();
    const { response, text } = await page();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(text).toContain('<discord-messages>');
    for (const [name, payload] of Object.entries(SAMPLE_PAYLOADS)) {
      expect(text).toContain(`<h3>${escaped(name)}</h3>`);
      for (const title of titlesOf(payload, 'default')) expect(text).toContain(`embed-title="${escaped(title)}"`);
    }
    expect(text).toMatch(/<discord-embed slot="embeds" color="#[0-9a-f]{6}" embed-title="/);
    expect(text).toContain('Nothing received yet');
  });

  it('draws an acknowledged group, taken over from someone else, with both mentions and the time', async () => {
    const { page } = setup();
    const { text } = await page();
    const article = (title: string): string => {
      const start = text.indexOf(`<h3>${escaped(title)}</h3>`);
      return start < 0 ? '' : text.slice(start, text.indexOf('</article>', start));
    };
    const sample = article(ACKNOWLEDGED_SAMPLE_NAME);
    expect(sample).toContain('👀 Acknowledged');
    expect(sample).toContain(`<discord-mention type="user">${SAMPLE_ACKNOWLEDGEMENT.userId}</discord-mention>`);
    expect(sample).toContain(`taking over from <discord-mention type="user">${SAMPLE_ACKNOWLEDGEMENT.tookOverFrom?.userId ?? ''}</discord-mention>`);
    const plain = article('a group');
    expect(plain).toContain('DiskSpaceLow');
    expect(plain).not.toContain('👀 Acknowledged');
  });

  it('lists the loaded templates and draws the one picked with ?template=', async () => {
    const { page } = setup();
    const standard = await page();
    expect(standard.text).toContain('<a href="?template=default" aria-current="page"');
    expect(standard.text).toContain('<a href="?template=compact"');

    const compact = await page('/preview?template=compact');
    expect(compact.response.status).toBe(200);
    expect(compact.text).toContain('<a href="?template=compact" aria-current="page"');
    const sample = SAMPLE_PAYLOADS['a group'];
    if (!sample) throw new Error('no sample "a group"');
    const [compactTitle] = titlesOf(sample, 'compact');
    const [defaultTitle] = titlesOf(sample, 'default');
    expect(compactTitle).not.toBe(defaultTitle);
    expect(compact.text).toContain(`embed-title="${escaped(compactTitle ?? '')}"`);
    expect(compact.text).not.toContain(`embed-title="${escaped(defaultTitle ?? '')}"`);
  });

  it('answers 404 for a template it does not have, naming it as text only', async () => {
    const { page } = setup();
    const { response, text } = await page(`/preview?template=${encodeURIComponent('<img src=x onerror=alert(1)>')}`);
    expect(response.status).toBe(404);
    expect(text).toContain('There is no template named “&lt;img src=x onerror=alert(1)&gt;”');
    expect(text).not.toContain('<img');
    expect(text).toContain('<a href="?template=default"');
  });

  it('shows the payloads received, newest first, and only those that were accepted', async () => {
    const { post, page, recent } = setup();
    expect((await post(capturedRaw('webhook-group-firing'))).status).toBe(200);
    expect((await post(capturedRaw('webhook-firing'))).status).toBe(200);
    expect((await post({ version: '4' })).status).toBe(400);
    expect(recent.list()).toHaveLength(2);

    const { text } = await page();
    const received = between(text, '<section id="recent"', '<section id="samples"');
    expect(received.indexOf(escaped('{alertname="HighCPUUsage", instance="gateway:9100"}'))).toBeGreaterThan(0);
    expect(received.indexOf(escaped('{alertname="HighCPUUsage"'))).toBeLessThan(received.indexOf(escaped('{alertname="DiskSpaceLow"}')));
    expect(received).toContain('receiver both · 3 firing · 0 resolved · received <time');
    expect(received).toContain(`embed-title="${escaped('🟠 3 firing: DiskSpaceLow (warning)')}"`);
    expect(received).not.toContain('Nothing received yet');
  });

  it('shows <script> in an annotation and markup in labels as text only', async () => {
    const { post, page } = setup();
    const hostile = makePayload(
      [
        makeAlert({
          labels: { alertname: 'Hostile"><script>window.pwned=1</script>', instance: '<img src=x onerror=alert(1)>', severity: 'critical' },
          annotations: { summary: '<script>window.pwned=2</script>', description: '<iframe src="javascript:alert(3)"></iframe> [x](javascript:alert(4))' },
          generatorURL: 'javascript:alert(5)',
        }),
      ],
      { groupLabels: { alertname: '<script>window.pwned=3</script>' }, externalURL: 'javascript:alert(6)' },
    );
    expect((await post(hostile)).status).toBe(200);
    const { text } = await page();
    // The page's own two scripts (import map and module), nothing more.
    expect(text.match(/<script/gi)).toHaveLength(2);
    expect(text).not.toMatch(/<img|<iframe|href="javascript|url="javascript/i);
    expect(text).toContain('&lt;script&gt;window.pwned=2&lt;/script&gt;');
    expect(text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain(escaped('{alertname="<script>window.pwned=3</script>"}'));
  });

  it('shows no control characters or bidi overrides of a group', async () => {
    const { post, page } = setup();
    const label = 'x\u0000\u001b\u202Egnp.exe\u2066';
    const payload = makePayload([makeAlert({ labels: { alertname: label, instance: label, severity: 'warning' } })], { groupLabels: { alertname: label }, receiver: `r${label}` });
    expect((await post(payload)).status).toBe(200);
    const received = between((await page()).text, '<section id="recent"', '<section id="samples"');
    expect(received).toContain('gnp.exe');
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(received).not.toMatch(/[\u0000\u001b\u202E\u2066]/);
  });

  it('draws mentions, markdown, links, code, times and inline fields a template writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amcord-preview-templates-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'pings.yml'),
      `description: Pings <b>the on-call</b>
firing:
  content: "<@&123456789012345678> <@42> **{{ alerts.size }}** alerts"
  embeds:
    - alerts: all
      title: "{{ group.name }} <i>now</i>"
      color: "{{ group.color }}"
      item: "**{{ alert.subject | escape_md }}** · {{ alert.startsAt | discord_time }} · \`{{ alert.name }}\` · [runbook](https://runbooks.example/x)"
      fields:
        - name: Links
          value: "{{ externalURL | link: 'Alertmanager' }}"
          inline: true
        - name: Receiver
          value: "{{ receiver }}"
          inline: true
      footer: "{{ receiver }}"
      timestamp: "{{ embed.starts_at }}"
`,
    );
    const { post, page } = setup(loadTemplates(dir), 'pings');
    await post(capturedRaw('webhook-firing'));
    const { text } = await page();
    const received = between(text, '<section id="recent"', '<section id="samples"');
    expect(text).toContain('title="Pings &lt;b&gt;the on-call&lt;/b&gt;"');
    expect(received).toContain(
      '<discord-mention type="role">123456789012345678</discord-mention> <discord-mention type="user">42</discord-mention> <discord-bold>1</discord-bold> alerts',
    );
    expect(received).toContain('embed-title="HighCPUUsage · gateway:9100 &lt;i&gt;now&lt;/i&gt;"');
    expect(received).toContain('<discord-bold>gateway:9100</discord-bold> · <discord-time data-unix="1795614825" data-style="R"');
    expect(received).toContain('<discord-code embed>HighCPUUsage</discord-code>');
    expect(received).toContain('<discord-link href="https://runbooks.example/x" target="_blank" rel="noopener noreferrer">runbook</discord-link>');
    expect(received).toContain('<discord-embed-field field-title="Links" inline inline-index="1"><discord-link href="http://vm:19093"');
    expect(received).toContain('<discord-embed-field field-title="Receiver" inline inline-index="2">both</discord-embed-field>');
    expect(received).toMatch(/<discord-embed-footer slot="footer" timestamp="[^"]+ UTC" data-stamp="\d+">both<\/discord-embed-footer>/);
  });

  it('sends a strict content security policy whose nonce only the import map carries', async () => {
    const { page } = setup();
    const first = await page();
    const policy = first.response.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(policy)?.[1] ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain(`script-src 'self' 'nonce-${nonce}'`);
    expect(policy).toContain("img-src 'self' data:");
    expect(first.text).toContain(`<script type="importmap" nonce="${nonce}">`);
    expect(first.response.headers.get('cache-control')).toBe('no-store');
    const second = await page();
    expect(second.response.headers.get('content-security-policy')).not.toBe(policy);
  });

  it('draws again what it rendered instead of rendering it again', async () => {
    const { post, page } = setup();
    expect((await post(makePayload(manyAlerts(1000)))).status).toBe(200);
    const renders = vi.spyOn(liquid, 'renderSync');
    try {
      const first = await page();
      expect(first.text).toMatch(/…and \d+ more/);
      expect(renders).toHaveBeenCalled();
      renders.mockClear();
      const again = await page();
      expect(renders).not.toHaveBeenCalled();
      expect(between(again.text, '<section id="recent"', '<section id="samples"')).toMatch(/…and \d+ more/);
      await page('/preview?template=compact');
      expect(renders).toHaveBeenCalled();
      renders.mockClear();
      await page('/preview?template=compact');
      await page();
      expect(renders).not.toHaveBeenCalled();
    } finally {
      renders.mockRestore();
    }
  });

  it('is absent when createApp is given no preview', async () => {
    const app = createApp({ accept: () => undefined, logger: pino({ level: 'silent' }), auth: {}, maxBodyBytes: 1024, isReady: () => true });
    expect((await app.request('/preview')).status).toBe(404);
  });
});

describe('GET /preview behind credentials', () => {
  const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const get = (app: ReturnType<typeof setup>['app'], path: string, authorization?: string) =>
    app.request(path, authorization ? { headers: { authorization } } : {});

  it('takes the bearer token when only a bearer token is configured, and says how to get in without one', async () => {
    const { app } = setup(builtinTemplates(), 'default', { bearerToken: 'let-me-in' });
    for (const path of ['/preview', '/preview/assets/preview.js']) {
      const refused = await get(app, path);
      expect(refused.status, path).toBe(401);
      expect(refused.headers.get('www-authenticate'), path).toMatch(/^Bearer/);
      const text = await refused.text();
      expect(text).toContain('Authorization: Bearer <token>');
      expect(text).toContain('server.auth.basic_auth');
      expect(text).not.toContain('let-me-in');
      expect((await get(app, path, 'Bearer wrong')).status, path).toBe(401);
      expect((await get(app, path, 'Bearer let-me-in')).status, path).toBe(200);
    }
  });

  it('makes a browser ask for basic auth when it is configured, and takes either credential', async () => {
    const { app } = setup(builtinTemplates(), 'default', { bearerToken: 'tok', basic: { username: 'am', password: 'pw' } });
    const refused = await get(app, '/preview');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await get(app, '/preview', basic('am', 'nope'))).status).toBe(401);
    expect((await get(app, '/preview', basic('am', 'pw'))).status).toBe(200);
    expect((await get(app, '/preview', 'Bearer tok')).status).toBe(200);
  });
});

describe('GET /preview/assets', () => {
  const importMapOf = (text: string): Record<string, string> => {
    const json = /<script type="importmap" nonce="[^"]+">(.*?)<\/script>/s.exec(text)?.[1] ?? '{}';
    return (JSON.parse(json) as { imports: Record<string, string> }).imports;
  };

  it("serves the page's script and every module it imports, from node_modules", async () => {
    const { app, page } = setup();
    const { text } = await page();
    const imports = importMapOf(text);
    const script = await app.request('/preview/assets/preview.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const source = await script.text();
    for (const name of COMPONENTS) {
      const specifier = `${COMPONENTS_PACKAGE}/${name}.js`;
      expect(source).toContain(`import '${specifier}';`);
      const url = imports[specifier];
      expect(url, specifier).toMatch(/^\.\/preview\/assets\/pkg\//);
      const module = await app.request(url?.slice(1) ?? '');
      expect(module.status, url).toBe(200);
      expect(await module.text()).toContain(`customElement('${name}')`);
    }
    for (const bare of ['lit', 'lit/decorators.js', 'lit-html', '@lit/reactive-element', '@lit/context']) {
      const url = imports[bare] ?? `${imports[`${bare.split('/')[0]}/`]}${bare.split('/').slice(1).join('/')}`;
      expect((await app.request(url.slice(1))).status, bare).toBe(200);
    }
  });

  it('refers to its assets relative to the page, wherever it is mounted', async () => {
    const { page } = setup();
    expect((await page()).text).toContain('<script type="module" src="./preview/assets/preview.js">');
    const app = createPreviewApp({ templates: builtinTemplates, templateName: 'default', recent: () => [] });
    const text = await (await app.request('/')).text();
    expect(text).toContain('<script type="module" src="./assets/preview.js">');
    expect(importMapOf(text).lit).toBe('./assets/pkg/lit/index.js');
    expect((await app.request('/assets/pkg/lit/index.js')).status).toBe(200);
  });

  it('serves nothing else', async () => {
    const { app } = setup();
    for (const path of [
      '/preview/assets/pkg/lit/package.json',
      '/preview/assets/pkg/lit/../../package.json',
      '/preview/assets/pkg/lit/%2e%2e/%2e%2e/src/main.js',
      '/preview/assets/pkg/lit/..%2f..%2fpackage.json',
      '/preview/assets/pkg/zod/index.js',
      '/preview/assets/pkg/lit/missing.js',
      '/preview/assets/../../package.json',
    ]) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });
});

describe('the preview with a configured look', () => {
  it('shows the name, avatar and link base the default destination sends with', async () => {
    const app = createPreviewApp({
      templates: () => builtinTemplates(),
      templateName: 'default',
      look: { username: 'Homelab Alerts', avatarUrl: 'https://example.test/avatar.png', externalUrl: 'https://alertmanager.home.test' },
      recent: () => [],
    });
    const text = await (await app.request('/')).text();
    expect(text).toContain('author="Homelab Alerts"');
    expect(text).toContain('https://alertmanager.home.test/#/silences/new');
    expect(text).not.toContain('author="Alertmanager"');
  });
});
