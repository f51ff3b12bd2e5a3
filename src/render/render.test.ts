import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WebhookAlert, WebhookPayload } from '../alertmanager/webhook.js';
import { limitViolations } from '../discord/limits.js';
import { capturedPayloads, makeAlert, makePayload, manyAlerts } from '../../test/support/payloads.js';
import { COLORS } from '../severity/severity.js';
import { readableMessage } from './readable.js';
import { builtinTemplates, renderPayload, type RenderOptions } from './render.js';
import { NOTIFICATION_REASONS } from './templates/context.js';
import { mentionsOf } from '../discord/mentions.js';

const TEMPLATES = [...builtinTemplates().templates.keys()];

/** How many alerts a rendered notification accounts for: shown as lines or counted in "and N more". */
function accountedAlerts(payload: WebhookPayload, options: RenderOptions = {}): number {
  return [renderPayload(payload, options)]
    .flatMap((fitted) => fitted.accounting)
    .reduce((sum, account) => sum + account.shown + account.hidden, 0);
}

/** The default template's goldens keep their historical names; other templates get a folder. */
const goldenPath = (template: string, name: string): string =>
  template === 'default' ? `../../test/golden/${name}` : `../../test/golden/${template}/${name}`;

describe('renderPayload on payloads captured from Alertmanager 0.25', () => {
  it('ships the default and compact templates', () => {
    expect(TEMPLATES).toEqual(expect.arrayContaining(['default', 'compact']));
  });

  for (const template of TEMPLATES) {
    for (const [name, payload] of Object.entries(capturedPayloads())) {
      it(`${name} through ${template} matches its golden file and fits Discord`, async () => {
        const messages = [renderPayload(payload, { template }).message];
        for (const message of messages) expect(limitViolations(message)).toEqual([]);
        await expect(`${JSON.stringify(messages, null, 2)}\n`).toMatchFileSnapshot(`${goldenPath(template, name)}.json`);
        await expect(`${messages.map(readableMessage).join('\n')}\n`).toMatchFileSnapshot(`${goldenPath(template, name)}.txt`);
      });
    }
  }
});

describe('renderPayload on larger notifications', () => {
  // 48 warnings, a critical one and a resolved one: a reminder with a role mention.
  const alerts = [
    ...manyAlerts(48),
    makeAlert({ labels: { alertname: 'DiskSpaceLow', instance: 'db-1:9100', mountpoint: '/var', severity: 'critical' } }),
    { ...makeAlert({ labels: { alertname: 'DiskSpaceLow', instance: 'old:9100', mountpoint: '/', severity: 'warning' } }), status: 'resolved' as const, endsAt: '2026-11-25T15:00:00Z' },
  ];
  const payload = makePayload(alerts, { groupLabels: { alertname: 'DiskSpaceLow' } });

  for (const template of TEMPLATES) {
    it(`50 alerts through ${template}, as a reminder with a mention, match their golden file`, async () => {
      const rendered = [renderPayload(payload, { template, reason: 'repeat', mentions: mentionsOf(['123456789012345678'], []) })];
      const text = rendered.map(({ message, accounting }) => `${readableMessage(message)}\n${JSON.stringify(accounting)}`).join('\n');
      await expect(`${text}\n`).toMatchFileSnapshot(`../../test/golden/cases/${template}-50-alerts-repeat.txt`);
    });
  }
});

describe('the default message', () => {
  it('colours by the highest firing severity and turns green when resolved', () => {
    const warning = makeAlert();
    const critical = makeAlert({ labels: { alertname: 'HighCPUUsage', instance: 'b:9100', severity: 'critical' } });
    const firing = renderPayload(makePayload([warning, critical]));
    expect(firing?.message.embeds?.[0]?.color).toBe(COLORS.critical);
    const resolved = renderPayload(makePayload([{ ...warning, status: 'resolved', endsAt: '2026-11-25T14:03:46Z' }]));
    expect(resolved?.message.embeds?.[0]?.color).toBe(COLORS.resolved);
    expect(resolved?.message.embeds?.[0]?.title).toMatch(/^✅ Resolved: HighCPUUsage on node-1:9100/);
    expect(resolved?.message.embeds?.[0]?.fields).toContainEqual({ name: 'Fired for', value: '10m', inline: true });
  });

  it('says what and how many in the title, and shows the source graph link', () => {
    const payload = makePayload(manyAlerts(3));
    const embed = renderPayload(payload).message.embeds?.[0];
    expect(embed?.title).toBe('🟠 3 firing: DiskSpaceLow (warning)');
    expect(embed?.url).toBe('http://prometheus:9090/graph?g0.expr=up');
    expect(embed?.description).toContain('**host-2:9100 (mountpoint=/srv/2)** — Disk almost full on host-2');
  });

  it('links a line to its own graph only when it differs from the title link', () => {
    const alerts = [...manyAlerts(2), makeAlert({ labels: { alertname: 'DiskSpaceLow', instance: 'x:9100', severity: 'warning' }, generatorURL: 'http://other:9090/graph' })];
    const description = renderPayload(makePayload(alerts)).message.embeds?.[0]?.description ?? '';
    expect(description.match(/\[graph\]/g)).toHaveLength(1);
    expect(description).toContain('[graph](http://other:9090/graph)');
  });

  it('shows an alert that has no annotations at all', () => {
    const alert = makeAlert({ annotations: {} });
    const embed = renderPayload(makePayload([alert])).message.embeds?.[0];
    expect(embed?.title).toContain('HighCPUUsage');
    expect(embed?.description).toBe('HighCPUUsage');
    const list = [renderPayload(makePayload([alert, { ...alert, labels: { ...alert.labels, instance: 'node-2:9100' } }]))];
    expect(list[0]?.message.embeds?.[0]?.description).toContain('**node-2:9100** — HighCPUUsage');
  });

  it('says "still firing" in a reminder', () => {
    expect(renderPayload(makePayload([makeAlert()]), { reason: 'repeat' }).message.embeds?.[0]?.title).toBe(
      '🟠 Still firing: HighCPUUsage on node-1:9100 (warning)',
    );
    expect(renderPayload(makePayload(manyAlerts(3)), { reason: 'repeat' }).message.embeds?.[0]?.title).toBe(
      '🟠 3 still firing: DiskSpaceLow (warning)',
    );
  });

  it('puts 60 alerts with 5 KB annotations into a message Discord accepts, accounting for every alert', () => {
    const payload = makePayload(manyAlerts(60, 5000));
    const rendered = [renderPayload(payload)];
    for (const { message } of rendered) expect(limitViolations(message)).toEqual([]);
    expect(accountedAlerts(payload)).toBe(60);
    // Their lines are short enough for the list to continue in a second embed, with none counted out.
    expect(rendered[0]?.message.embeds?.map((embed) => embed.description ?? '').join('\n')).not.toMatch(/…and \d+ more/);
    expect(rendered[0]?.accounting).toEqual([{ shown: 60, hidden: 0 }]);
  });

  it('shows at least 40 of 120 alerts with long annotations, every line shortened alike, and counts the rest', () => {
    const sentence = 'the volume fills faster than the retention job frees it, so writes will fail within the hour. ';
    const alerts = manyAlerts(120).map((alert, index) => ({
      ...alert,
      labels: { ...alert.labels, instance: `node-${index}.dc1.example.net:9100`, device: `/dev/mapper/vg0-data${index}` },
      annotations: { summary: `Disk almost full on node-${index}: ${sentence.repeat(5)}`, description: sentence.repeat(12) },
      generatorURL: `http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes%7Binstance%3D%22node-${index}%22%7D`,
    }));
    const payload = makePayload(alerts, { groupLabels: { alertname: 'DiskSpaceLow' } });
    for (const template of TEMPLATES) {
      const { message, accounting } = renderPayload(payload, { template });
      expect(limitViolations(message)).toEqual([]);
      const [account] = accounting;
      expect(account?.shown).toBeGreaterThanOrEqual(40);
      expect(accountedAlerts(payload, { template })).toBe(120);
      const text = message.embeds?.map((embed) => embed.description ?? '').join('\n') ?? '';
      // Shown in order, each with its whole instance and a summary cut short.
      for (let index = 0; index < (account?.shown ?? 0); index += 1) expect(text).toContain(`node-${index}.dc1.example.net:9100**`);
      expect(text).toContain(`Disk almost full on node-0: the volume`);
      expect(text).toContain('…');
      expect(text).toContain(`…and ${120 - (account?.shown ?? 0)} more`);
    }
  });

  it('counts the alerts Alertmanager cut with max_alerts', () => {
    const payload = makePayload(manyAlerts(2), { truncatedAlerts: 5 });
    expect(accountedAlerts(payload)).toBe(7);
    expect(renderPayload(payload).message.embeds?.[0]?.footer?.text).toContain('5 cut by max_alerts');
  });
});

describe('every shipped template', () => {
  it('keeps any payload inside every Discord limit and accounts for every alert', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 300 });
    const bigText = fc.oneof(text, fc.string({ unit: 'binary', minLength: 1000, maxLength: 25_000 }));
    const labels = fc.dictionary(fc.string({ minLength: 1, maxLength: 40 }), fc.oneof(text, bigText), { maxKeys: 8 });
    const alert: fc.Arbitrary<WebhookAlert> = fc.record({
      status: fc.constantFrom('firing' as const, 'resolved' as const),
      labels: fc.tuple(labels, fc.constantFrom('critical', 'warning', 'info', 'page', ''), text).map(([rest, severity, name]) => ({
        ...rest,
        alertname: name,
        severity,
      })),
      annotations: fc.dictionary(fc.constantFrom('summary', 'description', 'runbook_url', 'dashboard_url', 'message', 'other'), bigText),
      startsAt: fc.constant('2026-11-25T13:53:45.145505455Z'),
      endsAt: fc.constantFrom('0001-01-01T00:00:00Z', '2026-11-25T14:53:45Z'),
      generatorURL: fc.constantFrom('', 'http://prometheus:9090/graph?g0.expr=up', 'http://prometheus:9090/graph?g0.expr=rate'),
      fingerprint: fc.constant('0123456789abcdef'),
    });
    const options = fc.record({
      reason: fc.constantFrom(...NOTIFICATION_REASONS),
      mentions: fc.constantFrom(undefined, mentionsOf(['123456789012345678'], []), mentionsOf([], ['111111111111111111'])),
    });
    fc.assert(
      fc.property(fc.array(alert, { minLength: 1, maxLength: 300 }), fc.nat({ max: 50 }), options, (alerts, truncated, { reason, mentions }) => {
        const payload = makePayload(alerts, { truncatedAlerts: truncated });
        for (const template of TEMPLATES) {
          const rendered = [renderPayload(payload, { template, reason, mentions })];
          for (const { message } of rendered) {
            expect(limitViolations(message)).toEqual([]);
            // The plain fallback layout only appears when a template breaks.
            expect(message.embeds?.at(-1)?.footer?.text ?? '').not.toContain('template failed');
          }
          expect(accountedAlerts(payload, { template, reason, mentions })).toBe(alerts.length + truncated);
        }
      }),
      // Shrinking 300 alerts of 25 KB can take minutes; the first counterexample is enough to debug.
      { numRuns: 40, endOnFailure: true },
    );
  });
});
