import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WebhookAlert } from '../alertmanager/webhook.js';
import { limitViolations } from '../discord/limits.js';
import { capturedPayloads, makeAlert, makePayload, manyAlerts } from '../../test/support/payloads.js';
import { COLORS } from './default-message.js';
import { readableMessage } from './readable.js';
import { renderPayload } from './render.js';

/** How many alerts a rendered notification accounts for: shown as lines or counted in "and N more". */
function accountedAlerts(payload: ReturnType<typeof makePayload>): number {
  return renderPayload(payload)
    .flatMap((fitted) => fitted.accounting)
    .reduce((sum, account) => sum + account.shown + account.hidden, 0);
}

describe('renderPayload on payloads captured from Alertmanager 0.25', () => {
  for (const [name, payload] of Object.entries(capturedPayloads())) {
    it(`${name} matches its golden file and fits Discord`, async () => {
      const messages = renderPayload(payload).map((fitted) => fitted.message);
      for (const message of messages) expect(limitViolations(message)).toEqual([]);
      await expect(`${JSON.stringify(messages, null, 2)}\n`).toMatchFileSnapshot(`../../test/golden/${name}.json`);
      await expect(`${messages.map(readableMessage).join('\n')}\n`).toMatchFileSnapshot(`../../test/golden/${name}.txt`);
    });
  }
});

describe('the default message', () => {
  it('colours by the highest firing severity and turns green when resolved', () => {
    const warning = makeAlert();
    const critical = makeAlert({ labels: { alertname: 'HighCPUUsage', instance: 'b:9100', severity: 'critical' } });
    const [firing] = renderPayload(makePayload([warning, critical]));
    expect(firing?.message.embeds?.[0]?.color).toBe(COLORS.critical);
    const [resolved] = renderPayload(makePayload([{ ...warning, status: 'resolved', endsAt: '2026-11-25T14:03:46Z' }]));
    expect(resolved?.message.embeds?.[0]?.color).toBe(COLORS.resolved);
    expect(resolved?.message.embeds?.[0]?.title).toMatch(/^✅ Resolved: HighCPUUsage on node-1:9100/);
    expect(resolved?.message.embeds?.[0]?.fields).toContainEqual({ name: 'Fired for', value: '10m', inline: true });
  });

  it('says what and how many in the title, and shows the source graph link', () => {
    const payload = makePayload(manyAlerts(3));
    const embed = renderPayload(payload)[0]?.message.embeds?.[0];
    expect(embed?.title).toBe('🟠 3 firing: DiskSpaceLow (warning)');
    expect(embed?.url).toBe('http://prometheus:9090/graph?g0.expr=up');
    expect(embed?.description).toContain('**host-2:9100 (mountpoint=/srv/2)** — Disk almost full on host-2');
  });

  it('shows an alert that has no annotations at all', () => {
    const alert = makeAlert({ annotations: {} });
    const embed = renderPayload(makePayload([alert]))[0]?.message.embeds?.[0];
    expect(embed?.title).toContain('HighCPUUsage');
    expect(embed?.description).toBe('HighCPUUsage');
    const list = renderPayload(makePayload([alert, { ...alert, labels: { ...alert.labels, instance: 'node-2:9100' } }]));
    expect(list[0]?.message.embeds?.[0]?.description).toContain('**node-2:9100** — HighCPUUsage');
  });

  it('puts 60 alerts with 5 KB annotations into a message Discord accepts, accounting for every alert', () => {
    const payload = makePayload(manyAlerts(60, 5000));
    const rendered = renderPayload(payload);
    for (const { message } of rendered) expect(limitViolations(message)).toEqual([]);
    expect(accountedAlerts(payload)).toBe(60);
    expect(rendered[0]?.message.embeds?.[0]?.description).toMatch(/…and \d+ more/);
  });

  it('counts the alerts Alertmanager cut with max_alerts', () => {
    const payload = makePayload(manyAlerts(2), { truncatedAlerts: 5 });
    expect(accountedAlerts(payload)).toBe(7);
    expect(renderPayload(payload)[0]?.message.embeds?.[0]?.footer?.text).toContain('5 cut by max_alerts');
  });

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
      annotations: fc.dictionary(fc.constantFrom('summary', 'description', 'runbook_url', 'message', 'other'), bigText),
      startsAt: fc.constant('2026-11-25T13:53:45.145505455Z'),
      endsAt: fc.constantFrom('0001-01-01T00:00:00Z', '2026-11-25T14:53:45Z'),
      generatorURL: fc.constantFrom('', 'http://prometheus:9090/graph?g0.expr=up'),
      fingerprint: fc.constant('0123456789abcdef'),
    });
    fc.assert(
      fc.property(fc.array(alert, { minLength: 1, maxLength: 300 }), fc.nat({ max: 50 }), (alerts, truncated) => {
        const payload = makePayload(alerts, { truncatedAlerts: truncated });
        for (const { message } of renderPayload(payload)) expect(limitViolations(message)).toEqual([]);
        expect(accountedAlerts(payload)).toBe(alerts.length + truncated);
      }),
      // Shrinking 300 alerts of 25 KB can take minutes; the first counterexample is enough to debug.
      { numRuns: 60, endOnFailure: true },
    );
  });
});
