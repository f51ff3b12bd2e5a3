import { describe, expect, it } from 'vitest';
import { liquid } from './liquid.js';

const render = (source: string, scope: object = {}): string => String(liquid.parseAndRenderSync(source, scope));

describe('template filters', () => {
  it('discord_time: Discord renders it in the reader own time zone', () => {
    expect(render("{{ t | discord_time }}", { t: '2026-11-25T13:53:45.145505455Z' })).toBe('<t:1795614825:R>');
    expect(render("{{ t | discord_time: 'f' }}", { t: 1795614825145 })).toBe('<t:1795614825:f>');
    expect(render("{{ t | discord_time: 'nonsense' }}", { t: 1795614825145 })).toBe('<t:1795614825:R>');
    // Go's zero time is Alertmanager's "no end yet".
    expect(render('{{ t | discord_time }}|{{ u | discord_time }}', { t: '0001-01-01T00:00:00Z', u: 'soon' })).toBe('|');
  });

  it('duration: milliseconds as a person reads them', () => {
    expect(render('{{ 3900000 | duration }}|{{ 500 | duration }}|{{ 183600000 | duration }}|{{ nothing | duration }}', { nothing: null })).toBe(
      '1h 5m|under 1s|2d 3h|',
    );
  });

  it('escape_md: label values show as written', () => {
    expect(render('{{ v | escape_md }}', { v: 'node_exporter *x* `y` ~z~ a|b [l](u) <@&1>' })).toBe(
      'node\\_exporter \\*x\\* \\`y\\` \\~z\\~ a\\|b \\[l\\](u) \\<@&1>',
    );
    expect(render('{{ v | escape_md }}', { v: '# heading\n> quote\n- item' })).toBe('\\# heading\n\\> quote\n\\- item');
    expect(render('{{ v | escape_md }}', { v: 'gateway:9100 (mountpoint=/)' })).toBe('gateway:9100 (mountpoint=/)');
  });

  it('truncate_safe: never cuts a character or an emoji in two', () => {
    expect(render('{{ v | truncate_safe: 5 }}', { v: 'abcdefgh' })).toBe('abcd…');
    expect(render('{{ v | truncate_safe: 5 }}', { v: 'abc' })).toBe('abc');
    const flags = '🇫🇷🇩🇪🇮🇹';
    const cut = render('{{ v | truncate_safe: 6 }}', { v: flags });
    expect(cut).toBe('🇫🇷…');
    expect(render('{{ v | truncate_safe: 4 }}', { v: '👩‍👩‍👧‍👦 family' })).toBe('…');
  });

  it('link: a markdown link for an http(s) URL, nothing otherwise', () => {
    expect(render("{{ u | link: 'Runbook' }}", { u: 'https://runbooks.example/a_(b)' })).toBe('[Runbook](https://runbooks.example/a_%28b%29)');
    expect(render("{{ u | link: 'Runbook' }}|{{ v | link: 'x' }}|{{ w | link: 'x' }}", { u: 'javascript:alert(1)', v: '', w: null })).toBe('||');
  });

  it('link: nothing for a URL longer than Discord takes, counted as sent', () => {
    const longest = `https://grafana.example/d/${'a'.repeat(2048 - 26)}`;
    expect(render("{{ u | link: 'Dashboard' }}", { u: longest })).toBe(`[Dashboard](${longest})`);
    expect(render("{{ u | link: 'Dashboard' }}", { u: `${longest}b` })).toBe('');
    // Parentheses are sent encoded, three characters each.
    expect(render("{{ u | link: 'Dashboard' }}", { u: `${longest.slice(0, -1)}(` })).toBe('');
  });

  it('join_lines, one_line, plural and label_pairs', () => {
    expect(render("{{ t | join_lines: ' · ' }}", { t: '\n  a \n\n b\n' })).toBe('a · b');
    expect(render('{{ t | one_line }}', { t: ' a\n\n  b ' })).toBe('a b');
    expect(render("{{ 1 | plural: 'alert' }}, {{ 3 | plural: 'alert' }}, {{ 2 | plural: 'index', 'indices' }}")).toBe('1 alert, 3 alerts, 2 indices');
    expect(render('{{ l | label_pairs }}', { l: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }] })).toBe('a=1, b=2');
    expect(render("{{ l | label_pairs: ' ' }}", { l: { job: 'node', instance: 'x' } })).toBe('job=node instance=x');
  });

  it('never throws, whatever it is given', () => {
    for (const filter of ['discord_time', 'duration', 'escape_md', 'truncate_safe', 'link', 'join_lines', 'one_line', 'plural', 'label_pairs']) {
      for (const value of [null, 0, -1, 'x', [1, [2]], { a: { b: 1 } }, true]) {
        expect(() => render(`{{ v | ${filter} }}{{ v | ${filter}: v, v }}`, { v: value })).not.toThrow();
      }
    }
  });
});
