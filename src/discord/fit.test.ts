import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitMessage, MAX_ITEM_LENGTH, type EmbedDraft } from './fit.js';
import { DISCORD_LIMITS, limitViolations, messageEmbedsLength, truncate } from './limits.js';

const embed = (overrides: Partial<EmbedDraft> = {}): EmbedDraft => ({ title: 'Title', color: 1, items: [], ...overrides });

describe('truncate', () => {
  it('keeps short text and cuts long text to the limit with an ellipsis', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcdef', 4)).toHaveLength(4);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncate('ab🔥🔥🔥', 4);
    expect(cut).toBe('ab…');
    expect(cut.length).toBeLessThanOrEqual(4);
  });
});

describe('fitMessage', () => {
  it('leaves a small message as it is', () => {
    const { message, accounting } = fitMessage({ embeds: [embed({ intro: 'hello', items: ['a', 'b'] })] });
    expect(message.embeds?.[0]?.description).toBe('hello\n\na\nb');
    expect(accounting).toEqual([{ shown: 2, hidden: 0 }]);
  });

  it('truncates every single field to its limit', () => {
    const long = 'y'.repeat(10_000);
    const { message } = fitMessage({
      content: long,
      username: long,
      embeds: [embed({ title: long, intro: long, footer: long, fields: Array.from({ length: 40 }, () => ({ name: long, value: long })) })],
    });
    expect(limitViolations(message)).toEqual([]);
    expect(message.embeds?.[0]?.fields?.length).toBeGreaterThan(0);
    expect(message.embeds?.[0]?.fields?.length).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
  });

  it('cuts items from the end into "…and N more" so the description fits', () => {
    const items = Array.from({ length: 200 }, (_, index) => `item ${index} ${'z'.repeat(50)}`);
    const { message, accounting } = fitMessage({ embeds: [embed({ items })] });
    expect(limitViolations(message)).toEqual([]);
    const [account] = accounting;
    expect(account && account.shown + account.hidden).toBe(200);
    expect(account?.hidden).toBeGreaterThan(0);
    expect(message.embeds?.[0]?.description).toContain(`…and ${account?.hidden} more`);
    expect(message.embeds?.[0]?.description).toContain('item 0 ');
  });

  it('keeps all embeds together within 6000 characters', () => {
    const items = Array.from({ length: 60 }, (_, index) => `${index}: ${'w'.repeat(300)}`);
    const { message, accounting } = fitMessage({ embeds: [embed({ items }), embed({ items, intro: 'v'.repeat(3000) })] });
    expect(messageEmbedsLength(message)).toBeLessThanOrEqual(DISCORD_LIMITS.embedsTotal);
    expect(limitViolations(message)).toEqual([]);
    for (const account of accounting) expect(account.shown + account.hidden).toBe(60);
  });

  it('caps one huge item so the others still show', () => {
    const { accounting, message } = fitMessage({ embeds: [embed({ items: ['q'.repeat(50_000), 'small'] })] });
    expect(accounting).toEqual([{ shown: 2, hidden: 0 }]);
    expect(message.embeds?.[0]?.description?.split('\n')[0]?.length).toBe(MAX_ITEM_LENGTH);
  });

  it('counts items of embeds beyond the tenth instead of dropping them', () => {
    const drafts = Array.from({ length: 12 }, () => embed({ items: ['one', 'two'] }));
    const { message, accounting } = fitMessage({ embeds: drafts });
    expect(message.embeds).toHaveLength(10);
    expect(accounting.reduce((sum, account) => sum + account.shown + account.hidden, 0)).toBe(24);
  });

  it('leaves out a URL longer than Discord takes rather than send a message it refuses', () => {
    const long = `https://example.com/${'u'.repeat(2048)}`;
    expect(limitViolations({ avatar_url: long, embeds: [{ title: 't', url: long }] })).toEqual(['avatar_url: 2068 > 2048', 'embeds[0].url: 2068 > 2048']);
    const { message } = fitMessage({ avatar_url: long, embeds: [embed({ url: long }), embed({ url: 'https://example.com/ok' })] });
    expect(message.avatar_url).toBeUndefined();
    expect(message.embeds?.map((each) => each.url)).toEqual([undefined, 'https://example.com/ok']);
    expect(limitViolations(message)).toEqual([]);
  });

  it('shows no control characters and no bidi overrides, keeping line breaks and tabs', () => {
    const hostile = 'a\u0000b\u001b[31mc\r\nd\te\u0085f \u202Egnp.exe \u2066x\u2069 \u202Ay\u202C';
    const { message } = fitMessage({
      content: `<@&1> ${hostile}`,
      username: `bot${hostile}`,
      embeds: [
        embed({
          title: hostile,
          intro: hostile,
          items: { count: 2, line: () => hostile },
          fields: [
            { name: hostile, value: hostile },
            { name: 'only controls', value: '\u0000\u202E' },
          ],
          footer: hostile,
        }),
      ],
    });
    const clean = 'ab[31mc\nd\tef gnp.exe x y';
    const [shown] = message.embeds ?? [];
    expect(shown?.title).toBe(clean);
    expect(shown?.description).toBe(`${clean}\n\n${clean}\n${clean}`);
    expect(shown?.fields).toEqual([{ name: clean, value: clean }]);
    expect(shown?.footer?.text).toBe(clean);
    expect(message.content).toBe(`<@&1> ${clean}`);
    expect(message.username).toBe(`bot${clean}`);
    expect(limitViolations(message)).toEqual([]);
  });

  it('cuts the fields a loop made before the others, naming them in one "…and N more" field', () => {
    const repeated = { run: 0, noun: 'labels' };
    const labels = Array.from({ length: 30 }, (_, index) => ({ name: `l${index}`, value: 'v', inline: true, repeated }));
    const fields = [{ name: 'Summary', value: 's' }, ...labels, { name: 'Started', value: 't' }, { name: 'Links', value: 'x' }];
    const shown = fitMessage({ embeds: [embed({ fields })] }).message.embeds?.[0]?.fields ?? [];
    expect(shown).toHaveLength(DISCORD_LIMITS.fields);
    expect(shown.map((field) => field.name)).toEqual(['Summary', ...labels.slice(0, 21).map((field) => field.name), '…and 9 more labels', 'Started', 'Links']);
    expect(shown[22]).toEqual({ name: '…and 9 more labels', value: 'l21, l22, l23, l24, l25, l26, l27, l28, l29', inline: true });
    expect(shown.some((field) => 'repeated' in field)).toBe(false);
    // Past the 6000 of a message, too.
    const long = labels.slice(0, 10).map((field) => ({ ...field, value: 'w'.repeat(1000) }));
    const squeezed = fitMessage({ embeds: [embed({ fields: [...long, { name: 'Links', value: 'x' }] })] }).message;
    expect(limitViolations(squeezed)).toEqual([]);
    expect(squeezed.embeds?.[0]?.fields?.map((field) => field.name)).toEqual(['l0', 'l1', 'l2', 'l3', 'l4', '…and 5 more labels', 'Links']);
  });

  it('counts items left out before fitting', () => {
    const { message, accounting } = fitMessage({ embeds: [embed({ items: ['a'], hiddenItems: 7 })] });
    expect(accounting).toEqual([{ shown: 1, hidden: 7 }]);
    expect(message.embeds?.[0]?.description).toContain('…and 7 more');
  });
});

/** The fitter's first rule, said the slow way: the most items from the start whose description fits. */
function longestFittingRun(items: readonly string[], intro: string, hiddenBefore: number): number {
  const cut = items.map((item) => truncate(item, MAX_ITEM_LENGTH));
  for (let shown = cut.length; shown > 0; shown -= 1) {
    const hidden = hiddenBefore + cut.length - shown;
    const lines = [...cut.slice(0, shown), ...(hidden > 0 ? [`*…and ${hidden} more*`] : [])].join('\n');
    const description = intro && lines ? `${intro}\n\n${lines}` : intro || lines;
    if (description.length <= DISCORD_LIMITS.description) return shown;
  }
  return 0;
}

describe('fitMessage on long lists', () => {
  it('shows the longest run of items that fits, as if it had tried every length', () => {
    const item = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ maxLength: 400 }), fc.string({ minLength: 590, maxLength: 700 }));
    fc.assert(
      fc.property(fc.array(item, { maxLength: 120 }), fc.string({ maxLength: 2000 }), fc.nat({ max: 3 }), (items, intro, hiddenItems) => {
        const { accounting } = fitMessage({ embeds: [embed({ items, intro, hiddenItems })] });
        expect(accounting[0]?.shown).toBe(longestFittingRun(items, intro, hiddenItems));
      }),
      { numRuns: 300 },
    );
  });

  it('shows every item when the list fits without its "…and 1 more" line', () => {
    // All but the last fit only without the "more" line, which showing the last one takes away.
    const items = [...Array.from({ length: 8 }, () => 'x'.repeat(500)), 'y'.repeat(86), 'z'];
    expect(longestFittingRun(items, '', 0)).toBe(10);
    expect(fitMessage({ embeds: [embed({ items })] }).accounting).toEqual([{ shown: 10, hidden: 0 }]);
  });

  it('makes only the items it shows and the one that no longer fits, of 10,000', () => {
    const made: number[] = [];
    const items = { count: 10_000, line: (index: number) => (made.push(index), `**host-${index}:9100** — Disk almost full`) };
    const { message, accounting } = fitMessage({ embeds: [embed({ items })] });
    const [account] = accounting;
    expect(account && account.shown + account.hidden).toBe(10_000);
    expect(made).toEqual(Array.from({ length: (account?.shown ?? 0) + 1 }, (_, index) => index));
    expect(limitViolations(message)).toEqual([]);
  });

  it('counts lazily given items of embeds beyond the tenth without making them', () => {
    const made: number[] = [];
    const lazy = { count: 500, line: (index: number) => (made.push(index), 'line') };
    const drafts = Array.from({ length: 11 }, (_, index) => embed(index === 10 ? { items: lazy } : { items: ['one'] }));
    const { accounting } = fitMessage({ embeds: drafts });
    expect(accounting.reduce((sum, account) => sum + account.shown + account.hidden, 0)).toBe(510);
    expect(made).toEqual([]);
  });
});

describe('fitMessage using the room of every embed', () => {
  const lines = (count: number, length: number): string[] => Array.from({ length: count }, (_, index) => `${index}:`.padEnd(length, 'w'));

  it('continues a list in an embed of its own, with the fields and footer moved to the last', () => {
    const items = lines(60, 90);
    const draft = embed({ items, continues: true, url: 'https://example.com/g', footer: 'foot', timestamp: '2026-11-25T13:53:45Z', fields: [{ name: 'Links', value: 'x' }] });
    const { message, accounting } = fitMessage({ embeds: [draft] });
    expect(accounting).toEqual([{ shown: 60, hidden: 0 }]);
    expect(limitViolations(message)).toEqual([]);
    const [first, second] = message.embeds ?? [];
    expect(message.embeds).toHaveLength(2);
    expect(first).toMatchObject({ title: 'Title', url: 'https://example.com/g', color: 1 });
    expect(first?.fields).toBeUndefined();
    expect(first?.footer).toBeUndefined();
    const { description, ...rest } = second ?? {};
    expect(rest).toEqual({ color: 1, fields: [{ name: 'Links', value: 'x' }], footer: { text: 'foot' }, timestamp: '2026-11-25T13:53:45Z' });
    expect(`${first?.description}\n${description}`).toBe(items.join('\n'));
    // The same list without continuing shows one description's worth.
    expect(fitMessage({ embeds: [{ ...draft, continues: false }] }).accounting[0]?.shown).toBeLessThan(45);
  });

  it('continues no further than the 6000 characters of a message, counting the rest', () => {
    const { message, accounting } = fitMessage({ embeds: [embed({ items: lines(200, 90), continues: true })] });
    expect(limitViolations(message)).toEqual([]);
    expect(message.embeds).toHaveLength(2);
    expect(accounting[0]?.shown).toBeGreaterThan(60);
    expect(accounting[0] && accounting[0].shown + accounting[0].hidden).toBe(200);
    expect(message.embeds?.at(-1)?.description).toMatch(new RegExp(`\\*…and ${accounting[0]?.hidden} more\\*$`));
  });

  it('takes no embed beyond the tenth', () => {
    const drafts = Array.from({ length: 9 }, () => embed({ items: lines(3, 10), continues: true }));
    drafts.push(embed({ items: lines(100, 90), continues: true }));
    const { message, accounting } = fitMessage({ embeds: drafts });
    expect(message.embeds).toHaveLength(10);
    expect(accounting.reduce((sum, account) => sum + account.shown + account.hidden, 0)).toBe(127);
    expect(limitViolations(message)).toEqual([]);
  });

  it('shortens every line before it leaves any item out, no further than it must', () => {
    const requested = new Set<number>();
    const forms = (count: number) => ({
      count,
      maxBrevity: 3,
      line: (index: number, brevity = 0) => (requested.add(brevity), `${index} ${'w'.repeat(400 >> brevity)}`),
    });
    // 30 lines of about 100 fit one message at brevity 2; at brevity 1 (200 each) they do not.
    const fitted = fitMessage({ embeds: [embed({ items: forms(30), continues: true })] });
    expect(fitted.accounting).toEqual([{ shown: 30, hidden: 0 }]);
    // Whole lines, the shortest (which show all), then the least short that shows all.
    expect([...requested].sort()).toEqual([0, 1, 2, 3]);
    expect(fitted.message.embeds?.[0]?.description?.split('\n')[0]).toBe(`0 ${'w'.repeat(100)}`);
    // Too many for any form: the shortest, and the rest counted.
    const crowded = fitMessage({ embeds: [embed({ items: forms(500), continues: true })] });
    expect(crowded.message.embeds?.[0]?.description?.split('\n')[0]).toBe(`0 ${'w'.repeat(50)}`);
    expect(crowded.accounting[0] && crowded.accounting[0].shown + crowded.accounting[0].hidden).toBe(500);
    expect(limitViolations(crowded.message)).toEqual([]);
  });

  it('keeps the whole lines when the shorter ones would show no more items', () => {
    const items = { count: 100, maxBrevity: 2, line: (index: number, brevity = 0) => `${index} ${'w'.repeat(brevity === 0 ? 80 : 300)}` };
    const { message } = fitMessage({ embeds: [embed({ items })] });
    expect(message.embeds?.[0]?.description?.split('\n')[0]).toBe(`0 ${'w'.repeat(80)}`);
  });

  it('keeps every limit and accounts for every item, and shows no fewer than one description of whole lines did', () => {
    const line = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ maxLength: 200 }), fc.string({ minLength: 590, maxLength: 700 }));
    const list = fc.record({ lines: fc.array(line, { maxLength: 150 }), shortest: fc.nat({ max: 3 }) });
    const field = fc.record({ name: fc.string({ minLength: 1, maxLength: 300 }), value: fc.string({ minLength: 1, maxLength: 1100 }) });
    const draft = fc.record({
      list,
      intro: fc.string({ maxLength: 2000 }),
      title: fc.string({ maxLength: 300 }),
      footer: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
      fields: fc.array(field, { maxLength: 4 }),
      continues: fc.boolean(),
      hiddenItems: fc.nat({ max: 3 }),
    });
    type Draft = typeof draft extends fc.Arbitrary<infer T> ? T : never;
    // Each shorter form is the line cut to a third, a tenth, a thirtieth.
    const form = (text: string, brevity: number): string => text.slice(0, Math.ceil(text.length / ([1, 3, 10, 30][brevity] ?? 1)));
    const toDraft = (d: Draft, whole: boolean): EmbedDraft => ({
      title: d.title,
      color: 1,
      intro: d.intro,
      footer: d.footer,
      fields: d.fields,
      hiddenItems: d.hiddenItems,
      continues: whole ? false : d.continues,
      items: whole ? d.list.lines : { count: d.list.lines.length, maxBrevity: d.list.shortest, line: (index, brevity = 0) => form(d.list.lines[index] ?? '', brevity) },
    });
    fc.assert(
      fc.property(fc.array(draft, { minLength: 1, maxLength: 12 }), (drafts) => {
        const { message, accounting } = fitMessage({ embeds: drafts.map((d) => toDraft(d, false)) });
        expect(limitViolations(message)).toEqual([]);
        const total = drafts.reduce((sum, d) => sum + d.list.lines.length + d.hiddenItems, 0);
        expect(accounting.reduce((sum, account) => sum + account.shown + account.hidden, 0)).toBe(total);
        const [only] = drafts;
        if (drafts.length === 1 && only && only.fields.length === 0 && !only.footer) {
          expect(accounting[0]?.shown).toBeGreaterThanOrEqual(longestFittingRun(only.list.lines, truncate(only.intro, 1500), only.hiddenItems));
        }
      }),
      { numRuns: 300 },
    );
  });
});
