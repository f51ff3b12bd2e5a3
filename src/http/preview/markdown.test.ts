import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markdownHtml, markdownText } from './markdown.js';
import { formatDiscordTime, relativeTime } from './time.js';

const NOW = Date.parse('2026-11-25T14:00:00Z');
const md = (text: string, inEmbed = false): string => markdownHtml(text, { now: NOW, inEmbed }).toString();

describe('markdownHtml', () => {
  it('escapes everything that is not markup', () => {
    expect(md('<script>alert("x")</script> & <img src=x onerror=alert(1)>')).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;',
    );
  });

  it('draws bold, italics, underline, strike-through and spoilers', () => {
    expect(md('**bold** *it* _it_ __under__ ~~gone~~ ||secret||')).toBe(
      '<discord-bold>bold</discord-bold> <discord-italic>it</discord-italic> <discord-italic>it</discord-italic> ' +
        '<discord-underlined>under</discord-underlined> <s>gone</s> <discord-spoiler>secret</discord-spoiler>',
    );
    expect(md('***both***')).toBe('<discord-bold><discord-italic>both</discord-italic></discord-bold>');
    expect(md('**k8s:9100 (mountpoint=/)** — Disk *almost* full')).toBe(
      '<discord-bold>k8s:9100 (mountpoint=/)</discord-bold> — Disk <discord-italic>almost</discord-italic> full',
    );
  });

  it('leaves what only looks like markup as written', () => {
    expect(md('node_exporter and snake_case_name')).toBe('node_exporter and snake_case_name');
    expect(md('2 * 3 * 4')).toBe('2 * 3 * 4');
    expect(md('**unclosed')).toBe('**unclosed');
  });

  it('honours backslash escapes, as the escape_md filter writes them', () => {
    expect(md('\\*\\*not bold\\*\\* node\\_exporter \\<@&1>')).toBe('**not bold** node_exporter &lt;@&amp;1&gt;');
  });

  it('draws inline code and code blocks without reading markup inside them', () => {
    expect(md('run `**x** <b>`')).toBe('run <discord-code>**x** &lt;b&gt;</discord-code>');
    expect(md('`x`', true)).toBe('<discord-code embed>x</discord-code>');
    expect(md('before\n```sh\nsystemctl restart *\n<x>\n```\nafter')).toBe(
      'before<discord-code multiline>systemctl restart *\n&lt;x&gt;</discord-code>after',
    );
  });

  it('links http(s) only, from [label](url) and bare URLs', () => {
    expect(md('[Silence **group**](http://am:9093/#/silences/new?filter=%7Ba%3D%22b%22%7D)')).toBe(
      '<discord-link href="http://am:9093/#/silences/new?filter=%7Ba%3D%22b%22%7D" target="_blank" rel="noopener noreferrer">Silence <discord-bold>group</discord-bold></discord-link>',
    );
    expect(md('see https://grafana.example/d/pg.')).toBe(
      'see <discord-link href="https://grafana.example/d/pg" target="_blank" rel="noopener noreferrer">https://grafana.example/d/pg</discord-link>.',
    );
    expect(md('[click](javascript:alert(1))')).toBe('[click](javascript:alert(1))');
    expect(md('[x](https://a.example/"onmouseover="alert(1))')).not.toContain('"onmouseover');
  });

  it('shows mentions as mention elements', () => {
    expect(md('ops@here.example')).toBe('ops@here.example');
    expect(md('<@&123456789012345678> <@42> <@!43> <#44> @here')).toBe(
      '<discord-mention type="role">123456789012345678</discord-mention> <discord-mention type="user">42</discord-mention> ' +
        '<discord-mention type="user">43</discord-mention> <discord-mention type="channel">44</discord-mention> ' +
        '<discord-mention type="role">here</discord-mention>',
    );
  });

  it('shows <t:unix:style> as readable time that the page localises', () => {
    const unix = NOW / 1000 - 3 * 3600;
    expect(md(`since <t:${unix}:R>`)).toBe(
      `since <discord-time data-unix="${unix}" data-style="R" title="2026-11-25T11:00:00.000Z">3 hours ago</discord-time>`,
    );
    expect(md(`<t:${unix}:f>`)).toContain('>November 25, 2026 at 11:00 UTC<');
    expect(md('<t:9999999999999:R>')).toBe('&lt;t:9999999999999:R&gt;');
  });

  it('draws headings, quotes, list items and line breaks', () => {
    expect(md('# Title\n> quoted\n- item\nline one\nline two\n\nafter a blank')).toBe(
      '<div class="md-h1">Title</div><discord-quote>quoted</discord-quote><div class="md-item">item</div>' +
        'line one<br>line two<br><br>after a blank',
    );
  });
});

describe('markdownHtml on any text', () => {
  /** Text made mostly of the characters markup is made of. */
  const markupish = fc.string({
    unit: fc.constantFrom(...'*_~|`\\[]()<>@&#:!/"\' \nahtps.123456789'.split(''), 'http://', 'https://x.example', '<t:1795614825:R>', '<@&1>', '```', 'javascript:'),
    maxLength: 300,
    size: 'large',
  });
  const OWN_TAG = /<\/?(?:discord-[a-z-]+|s|br|div)(?: [a-z-]+(?:="[^"<>]*")?)*>/g;

  it('makes no element but its own, and links only to http(s)', () => {
    fc.assert(
      fc.property(markupish, (text) => {
        const html = md(text, true);
        expect(html.replace(OWN_TAG, '')).not.toMatch(/[<>]/);
        for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^https?:\/\//);
      }),
      { numRuns: 2_000 },
    );
  });

  it('stays quick on long hostile text', () => {
    const text = '*_~|`['.repeat(700) + '**'.repeat(300);
    const started = performance.now();
    md(text);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('markdownText', () => {
  it('reads markup as the text it shows', () => {
    expect(markdownText('**HighCPU** on `gw` \\*x\\* <@&1> [a](https://b.example)', NOW)).toBe('HighCPU on gw *x* @1 a');
  });
});

describe('Discord times', () => {
  it('says how long ago or how soon', () => {
    expect(relativeTime(NOW - 5 * 60_000, NOW)).toBe('5 minutes ago');
    expect(relativeTime(NOW + 2 * 86_400_000, NOW)).toBe('in 2 days');
    expect(relativeTime(NOW - 10_000, NOW)).toBe('10 seconds ago');
  });

  it('formats every style, in UTC on the server', () => {
    const unix = Date.parse('2026-11-25T09:05:07Z') / 1000;
    expect(formatDiscordTime(unix, 't', NOW)).toBe('09:05 UTC');
    expect(formatDiscordTime(unix, 'T', NOW)).toBe('09:05:07 UTC');
    expect(formatDiscordTime(unix, 'd', NOW)).toBe('11/25/2026 UTC');
    expect(formatDiscordTime(unix, 'D', NOW)).toBe('November 25, 2026 UTC');
    expect(formatDiscordTime(unix, 'F', NOW)).toBe('Wednesday, November 25, 2026 at 09:05 UTC');
    expect(formatDiscordTime(1e13, 'f', NOW)).toBeUndefined();
  });
});
