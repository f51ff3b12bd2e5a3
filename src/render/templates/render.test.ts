import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { WebhookAlert, WebhookPayload } from '../../alertmanager/webhook.js';
import { MAX_ITEM_LENGTH, type FittedMessage } from '../../discord/fit.js';
import { DISCORD_LIMITS, limitViolations } from '../../discord/limits.js';
import type { DiscordMessage } from '../../discord/types.js';
import { makeAlert, makePayload, manyAlerts } from '../../../test/support/payloads.js';
import { COLORS } from '../../severity/severity.js';
import { notificationReason } from '../notification-payload.js';
import { liquid } from './liquid.js';
import { loadTemplates, templateNamed, type TemplateSet } from './load.js';
import { DEFAULT_TEMPLATES_DIR } from './paths.js';
import { renderWithTemplate } from './render.js';
import type { TemplateRenderOptions } from './draft.js';
import { mentionsOf } from '../../discord/mentions.js';

const SHIPPED = loadTemplates(DEFAULT_TEMPLATES_DIR);
const NAMES = [...SHIPPED.templates.keys()];

function customSet(text: string): TemplateSet {
  const dir = mkdtempSync(join(tmpdir(), 'amcord-templates-'));
  writeFileSync(join(dir, 'mine.yml'), text);
  return loadTemplates(dir);
}

const accounted = (rendered: FittedMessage[]): number =>
  rendered.flatMap((fitted) => fitted.accounting).reduce((sum, account) => sum + account.shown + account.hidden, 0);

const allText = (message: DiscordMessage): string =>
  [
    message.content,
    ...(message.embeds ?? []).flatMap((embed) => [embed.title, embed.description, embed.footer?.text, ...(embed.fields ?? []).flatMap((field) => [field.name, field.value])]),
  ]
    .filter(Boolean)
    .join('\n');

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const resolvedAlert = (alert: WebhookAlert): WebhookAlert => ({ ...alert, status: 'resolved', endsAt: '2026-11-25T14:53:45Z' });

/** Renders through a shipped template and holds the result to Discord's limits and the alert count. */
function renderChecked(template: string, payload: WebhookPayload, options: TemplateRenderOptions = {}): DiscordMessage {
  const rendered = [renderWithTemplate(SHIPPED, template, payload, options)];
  expect(rendered).toHaveLength(1);
  const [fitted] = rendered;
  if (!fitted) throw new Error('nothing rendered');
  expect(limitViolations(fitted.message)).toEqual([]);
  expect(accounted(rendered)).toBe(payload.alerts.length + payload.truncatedAlerts);
  expect(allText(fitted.message)).not.toMatch(LONE_SURROGATE);
  expect(fitted.message.embeds?.at(-1)?.footer?.text ?? '').not.toContain('template failed');
  return fitted.message;
}

describe.each(NAMES)('the shipped %s template', (template) => {
  it('lists 300 alerts as far as they fit and counts the rest', () => {
    const message = renderChecked(template, makePayload(manyAlerts(300)));
    // The list continues in a second embed, which ends in the count.
    expect(message.embeds?.at(-1)?.description).toMatch(/\*…and \d+ more\*$/);
  });

  it('fits 20 KB annotations, on one alert and on many', () => {
    renderChecked(template, makePayload(manyAlerts(1, 20_000)));
    renderChecked(template, makePayload(manyAlerts(40, 20_000)));
    const [alert] = manyAlerts(1);
    if (!alert) throw new Error('no alert');
    renderChecked(template, makePayload([{ ...alert, annotations: { summary: 's'.repeat(20_000), description: 'd'.repeat(20_000) } }]));
  });

  it('fits long label values and label names', () => {
    const long = makeAlert({ labels: { alertname: 'A'.repeat(3000), instance: 'i'.repeat(5000), ['x'.repeat(300)]: 'v'.repeat(2000), severity: 'critical' } });
    const message = renderChecked(template, makePayload([long, { ...long, labels: { ...long.labels, instance: 'j'.repeat(5000) } }]));
    expect(message.embeds?.[0]?.title?.length).toBeLessThanOrEqual(256);
    renderChecked(template, makePayload([long]));
  });

  it('leaves out links too long for Discord, in the embed and in the text', () => {
    const long = `http://prometheus:9090/graph?g0.expr=${'x'.repeat(5000)}`;
    const alert = makeAlert({
      generatorURL: long,
      labels: { alertname: 'HighCPUUsage', instance: 'node-1:9100', severity: 'warning', query: 'q'.repeat(3000) },
      annotations: { summary: 'CPU busy', runbook_url: `https://runbooks.example/${'r'.repeat(3000)}` },
    });
    for (const alerts of [[alert], [alert, { ...alert, labels: { ...alert.labels, instance: 'node-2:9100' } }]]) {
      const message = renderChecked(template, makePayload(alerts));
      const text = JSON.stringify(message);
      expect(text).not.toContain('x'.repeat(100));
      expect(text).not.toContain('r'.repeat(100));
      expect(text).not.toMatch(/\]\([^)]{2049,}\)/);
      for (const embed of message.embeds ?? []) expect(embed.url?.length ?? 0).toBeLessThanOrEqual(2048);
    }
  });

  it('keeps the fields people need when an alert has many labels, counting the labels left out', () => {
    for (const [count, length] of [[24, 10], [40, 10], [20, 900]] as const) {
      const labels = Object.fromEntries(Array.from({ length: count }, (_, index) => [`label_${String(index).padStart(2, '0')}`, `v${index}`.padEnd(length, '.')]));
      const alert = makeAlert({ labels: { alertname: 'ManyLabels', instance: 'node-1:9100', severity: 'warning', ...labels }, annotations: { summary: 'many', runbook_url: 'https://runbooks.example/many' } });
      const message = renderChecked(template, makePayload([alert]));
      const names = (message.embeds ?? []).flatMap((embed) => (embed.fields ?? []).map((field) => field.name));
      const writtenOnce = template === 'default' ? ['Started', 'Links'] : [];
      expect(names, `${count} labels`).toEqual(expect.arrayContaining(writtenOnce));
      const marker = (message.embeds ?? []).flatMap((embed) => embed.fields ?? []).find((field) => /^…and \d+ more labels$/.test(field.name));
      const shownLabels = names.filter((name) => name.startsWith('label_') || name === 'instance');
      if (template === 'default') {
        expect(marker, `${count} labels`).toBeDefined();
        const hidden = Number(/(\d+)/.exec(marker?.name ?? '')?.[1]);
        expect(shownLabels.length + hidden).toBe(count + 1);
        expect(marker?.value.split(', ')[0]).toBe(`label_${String(shownLabels.length - 1).padStart(2, '0')}`);
      }
    }
  });

  it('keeps unicode and emoji whole', () => {
    const emoji = '🔥👩‍👩‍👧‍👦🇫🇷';
    const alerts = Array.from({ length: 40 }, (_, index) =>
      makeAlert({
        labels: { alertname: `Überlast ${emoji}`, instance: `knoten-${index}-${emoji.repeat(30)}`, severity: 'warning' },
        annotations: { summary: `${emoji.repeat(200)} ü`, description: '日本語'.repeat(2000) },
      }),
    );
    const message = renderChecked(template, makePayload(alerts));
    expect(allText(message)).toContain('Überlast 🔥👩‍👩‍👧‍👦🇫🇷');
  });

  it('shows alerts without any annotation under their name', () => {
    const bare = makeAlert({ annotations: {}, generatorURL: '' });
    expect(allText(renderChecked(template, makePayload([bare])))).toContain('HighCPUUsage');
    const two = [bare, { ...bare, labels: { ...bare.labels, instance: 'node-2:9100' } }];
    expect(renderChecked(template, makePayload(two)).embeds?.[0]?.description).toContain('node-2:9100');
    const nameOnly = makeAlert({ labels: { alertname: 'Watchdog' }, annotations: {}, generatorURL: '' });
    expect(allText(renderChecked(template, makePayload([nameOnly], { groupLabels: {}, externalURL: '' })))).toContain('Watchdog');
  });

  it('shows a notification of resolved alerts only in green', () => {
    for (const count of [1, 3]) {
      const message = renderChecked(template, makePayload(manyAlerts(count).map(resolvedAlert)), { reason: 'resolved' });
      expect(message.embeds?.map((embed) => embed.color)).toEqual([COLORS.resolved]);
      expect(allText(message)).not.toMatch(/[Ss]ilence/);
    }
  });

  it('colours mixed severities by the highest and puts it first', () => {
    const alerts = [
      makeAlert({ labels: { alertname: 'Mixed', instance: 'info:1', severity: 'info' } }),
      makeAlert({ labels: { alertname: 'Mixed', instance: 'warn:1', severity: 'warning' } }),
      makeAlert({ labels: { alertname: 'Mixed', instance: 'crit:1', severity: 'critical' } }),
      resolvedAlert(makeAlert({ labels: { alertname: 'Mixed', instance: 'done:1', severity: 'critical' } })),
    ];
    const message = renderChecked(template, makePayload(alerts));
    const [first] = message.embeds ?? [];
    expect(first?.color).toBe(COLORS.critical);
    expect(first?.description).toMatch(/🔴[^\n]*crit:1[^]*🟠[^\n]*warn:1[^]*🔵[^\n]*info:1/);
  });

  it('counts the alerts Alertmanager cut with max_alerts', () => {
    const message = renderChecked(template, makePayload(manyAlerts(3), { truncatedAlerts: 7 }));
    expect(allText(message)).toContain('…and 7 more');
    renderChecked(template, makePayload([makeAlert()], { truncatedAlerts: 2 }));
    renderChecked(template, makePayload(manyAlerts(300), { truncatedAlerts: 1000 }));
  });

  it('puts the mentions in the content, and lets only those ping', () => {
    const message = renderChecked(template, makePayload(manyAlerts(2)), { mentions: mentionsOf(['123456789012345678'], ['222222222222222222']) });
    expect(message.content).toBe('<@&123456789012345678> <@222222222222222222>');
    expect(message.allowed_mentions).toEqual({ parse: [], roles: ['123456789012345678'], users: ['222222222222222222'] });
    const quiet = renderChecked(template, makePayload(manyAlerts(2)));
    expect(quiet.content).toBeUndefined();
    expect(quiet.allowed_mentions).toBeUndefined();
  });

  it('says who acknowledged a firing group and since when, pinging nobody, and forgets it once resolved', () => {
    const at = Date.UTC(2026, 10, 25, 14, 5);
    const acknowledgement = { userId: '333333333333333333', at, tookOverFrom: { userId: '444444444444444444', at: 0 } };
    const firing = renderChecked(template, makePayload(manyAlerts(2)), { mentions: mentionsOf(['123456789012345678'], []), acknowledgement });
    expect(allText(firing)).toContain(`<@333333333333333333> <t:${at / 1000}:R>, taking over from <@444444444444444444>`);
    expect(firing.content).toBe('<@&123456789012345678>');
    expect(firing.allowed_mentions).toEqual({ parse: [], roles: ['123456789012345678'] });
    const one = renderChecked(template, makePayload(manyAlerts(1)), { acknowledgement: { userId: '333333333333333333', at } });
    expect(allText(one)).toContain(`<@333333333333333333> <t:${at / 1000}:R>`);
    expect(allText(one)).not.toContain("taking over");
    expect(one.allowed_mentions).toBeUndefined();
    const resolved = renderChecked(template, makePayload(manyAlerts(2).map(resolvedAlert)), { acknowledgement });
    expect(allText(resolved)).not.toContain('333333333333333333');
  });

  it('sets the username and avatar, and uses the configured Alertmanager address in links', () => {
    const message = renderChecked(template, makePayload(manyAlerts(2)), { username: 'Alerts', avatarUrl: 'https://example/a.png', externalUrl: 'https://am.example' });
    expect(message).toMatchObject({ username: 'Alerts', avatar_url: 'https://example/a.png' });
    expect(allText(message)).toContain('https://am.example/#/silences/new');
    expect(allText(message)).not.toContain('http://alertmanager:9093');
  });
});

describe('sections and reasons', () => {
  const SECTIONS = `
x-embed: &embed
  alerts: all
  item: "{{ alert.subject }}"
firing:
  content: "firing {{ reason }}"
  embeds:
    - <<: *embed
      title: firing section
resolved:
  content: "resolved {{ reason }}"
  embeds:
    - <<: *embed
      title: resolved section
repeat:
  content: "repeat {{ reason }}"
  embeds:
    - <<: *embed
      title: repeat section
`;
  const set = customSet(SECTIONS);
  const render = (payload: WebhookPayload, options: TemplateRenderOptions = {}): DiscordMessage | undefined =>
    renderWithTemplate(set, 'mine', payload, options).message;

  it('picks repeat for reminders, resolved once nothing fires, firing otherwise', () => {
    const firing = makePayload(manyAlerts(2));
    const resolved = makePayload(manyAlerts(2).map(resolvedAlert));
    expect(render(firing)?.content).toBe('firing new');
    expect(render(firing, { reason: 'update' })?.content).toBe('firing update');
    expect(render(firing, { reason: 'repeat' })?.content).toBe('repeat repeat');
    expect(render(resolved)?.content).toBe('resolved resolved');
    expect(render(resolved, { reason: 'update' })?.embeds?.[0]?.title).toBe('resolved section');
  });

  it('falls back to firing when a section is not given', () => {
    const only = customSet('firing:\n  content: "{{ reason }}"\n  embeds:\n    - item: x\n');
    expect(renderWithTemplate(only, 'mine', makePayload([makeAlert()]), { reason: 'repeat' }).message.content).toBe('repeat');
    expect(renderWithTemplate(only, 'mine', makePayload([resolvedAlert(makeAlert())])).message.content).toBe('resolved');
  });

  it("names the engine's reasons in the template's words", () => {
    expect(notificationReason({ reason: 'first' })).toBe('new');
    expect(notificationReason({ reason: 'new-firing' })).toBe('new');
    expect(notificationReason({ reason: 'newly-resolved' })).toBe('update');
    expect(notificationReason({ reason: 'all-resolved' })).toBe('resolved');
    expect(notificationReason({ reason: 'repeat' })).toBe('repeat');
  });
});

describe('a custom template', () => {
  it('can have a header embed, per-label fields, and a single-alert form', () => {
    const set = customSet(`
firing:
  embeds:
    - alerts: none
      title: "{{ group.firing | plural: 'alert' }} firing in {{ group.name }}"
      color: "#123456"
      fields:
        - for_each: label in group.common_labels
          name: "{{ label.name }}"
          value: "{{ label.value }}"
          inline: true
    - alerts: all
      title: "{{ alerts.size }}"
      item: "{{ alert.subject }}: {{ alert.labels | label_pairs }}"
      one:
        title: "just {{ alert.subject }}"
        timestamp: "{{ alert.startsAt }}"
`);
    const [header, list] = renderWithTemplate(set, 'mine', makePayload(manyAlerts(2), { commonLabels: { alertname: 'DiskSpaceLow', job: 'node' } })).message.embeds ?? [];
    expect(header).toMatchObject({ title: '2 alerts firing in DiskSpaceLow', color: 0x123456, fields: [{ name: 'job', value: 'node', inline: true }] });
    expect(list?.description).toContain('host-1:9100 (mountpoint=/srv/1): alertname=DiskSpaceLow, instance=host-1:9100');
    const single = [renderWithTemplate(set, 'mine', makePayload([makeAlert()]))];
    expect(single[0]?.message.embeds?.[1]).toMatchObject({ title: 'just node-1:9100', timestamp: '2026-11-25T13:53:45.145Z' });
    expect(single[0]?.accounting).toEqual([{ shown: 0, hidden: 0 }, { shown: 1, hidden: 0 }]);
  });

  it('cannot make a label value ping', () => {
    const set = customSet('firing:\n  content: "{{ mentions }} {{ commonLabels.team | default: \'\' }}"\n  embeds:\n    - item: x\n');
    const payload = makePayload([makeAlert({ labels: { alertname: 'A', team: '<@&999999999999999999> @everyone' } })]);
    const message = renderWithTemplate(set, 'mine', payload, { mentions: mentionsOf(['123456789012345678'], []) }).message;
    expect(message?.content).toBe('<@&123456789012345678> <@&999999999999999999> @everyone');
    expect(message?.allowed_mentions).toEqual({ parse: [], roles: ['123456789012345678'] });
  });

  it('leaves out what a payload makes unusable at runtime instead of failing', () => {
    const set = customSet(`
firing:
  embeds:
    - item: "{{ alert.subject }}{{ alert.labels.team | default: '' }}"
      title: x
      one:
        url: "{{ alert.annotations.link | default: '' }}"
        color: "{{ alert.annotations.colour | default: '' }}"
`);
    const alert = makeAlert({ annotations: { link: 'not a url', colour: 'purple' } });
    const embed = renderWithTemplate(set, 'mine', makePayload([alert])).message.embeds?.[0];
    expect(embed?.url).toBeUndefined();
    expect(embed?.color).toBe(COLORS.warning);
  });

  it('gives the plain layout, saying why, when it breaks on a payload', () => {
    const set = customSet('firing:\n  embeds:\n    - item: "{{ alert.subject }}"\n      title: x\n');
    const template = templateNamed(set, 'mine');
    const item = template.sections.firing.embeds[0]?.item;
    if (!item) throw new Error('no item');
    // A fault no load-time check can foresee.
    const broken = liquid.parse('{{ alert.subject }}');
    for (const part of broken) {
      part.render = () => {
        throw new Error('disk on fire');
      };
    }
    item.template = broken;
    const payload = makePayload(manyAlerts(3), { truncatedAlerts: 2 });
    const rendered = [renderWithTemplate(set, 'mine', payload, { username: 'Alerts', mentions: mentionsOf(['123456789012345678'], []) })];
    const message = rendered[0]?.message;
    expect(limitViolations(message ?? {})).toEqual([]);
    expect(message).toMatchObject({ username: 'Alerts', content: '<@&123456789012345678>', allowed_mentions: { roles: ['123456789012345678'] } });
    expect(message?.embeds?.[0]?.title).toBe('🟠 3 firing, 0 resolved: DiskSpaceLow');
    expect(message?.embeds?.[0]?.description).toContain('host-2:9100');
    expect(message?.embeds?.[0]?.footer?.text).toMatch(/^The message template failed, so this is the plain layout: .*disk on fire/);
    expect(accounted(rendered)).toBe(5);
  });

  it('is refused by name when it does not exist', () => {
    expect(() => [renderWithTemplate(SHIPPED, 'nope', makePayload([makeAlert()]))]).toThrow(/no template named "nope"; there are: compact, default/);
  });
});

describe('a group of 10,000 alerts', () => {
  for (const name of NAMES) {
    it(`through ${name} makes the lines and alert views it shows, not one per alert`, () => {
      const template = templateNamed(SHIPPED, name);
      const itemTemplates = new Set(Object.values(template.sections).flatMap((section) => section.embeds.flatMap((embed) => (embed.item ? [embed.item.template] : []))));
      // An alert's annotations are read when its view is made, and not before.
      const viewed = new Set<string>();
      let counting = false;
      const alerts = manyAlerts(10_000).map((alert, index) => {
        const { annotations, ...rest } = index % 3 === 0 ? resolvedAlert(alert) : alert;
        return Object.defineProperty(rest, 'annotations', {
          enumerable: true,
          get: () => {
            if (counting) viewed.add(rest.fingerprint);
            return annotations;
          },
        }) as WebhookAlert;
      });
      const payload = makePayload(alerts);
      const renders = vi.spyOn(liquid, 'renderSync');
      counting = true;
      try {
        const rendered = [renderWithTemplate(SHIPPED, name, payload)];
        const accounting = rendered.flatMap((fitted) => fitted.accounting);
        expect(accounted(rendered)).toBe(10_000);
        expect(accounting.reduce((sum, account) => sum + account.shown, 0)).toBeGreaterThan(10);
        // Per list, the lines made are those that fit one message, and the one that no longer did: past 6000
        // alerts only the shortest lines are tried.
        let itemRenders = 0;
        for (const itemTemplate of itemTemplates) {
          const lines = renders.mock.calls.flatMap(([parsed], index) => {
            const result = renders.mock.results[index];
            return parsed === itemTemplate && result?.type === 'return' ? [String(result.value).trim()] : [];
          });
          itemRenders += lines.length;
          const fitted = lines.slice(0, -1).reduce((sum, line) => sum + Math.min(line.length, MAX_ITEM_LENGTH) + 1, 0);
          expect(fitted).toBeLessThanOrEqual(DISCORD_LIMITS.embedsTotal);
        }
        expect(itemRenders).toBeGreaterThan(0);
        expect(viewed.size).toBeLessThanOrEqual(itemRenders);
        for (const { message } of rendered) expect(limitViolations(message)).toEqual([]);
      } finally {
        counting = false;
        renders.mockRestore();
      }
    });
  }
});
