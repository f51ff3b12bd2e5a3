import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { capturedRaw } from '../../test/support/payloads.js';
import { createApp } from '../http/app.js';
import { renderPayload } from '../render/render.js';
import { isRfc3339, webhookPayloadSchema } from './webhook.js';

type RawPayload = { alerts: Array<Record<string, unknown>> } & Record<string, unknown>;

const captured = (): RawPayload => capturedRaw('webhook-firing') as RawPayload;

function withAlert(change: Record<string, unknown>): RawPayload {
  const payload = captured();
  payload.alerts = payload.alerts.map((alert) => ({ ...alert, ...change }));
  return payload;
}

describe('timestamps in a webhook', () => {
  it('are RFC 3339: fractions and offsets are fine, Go zero time too', () => {
    for (const text of ['2026-11-25T13:53:45Z', '2026-11-25T13:53:45.145505455Z', '2026-11-25T13:53:45+02:00', '2026-11-25t13:53:45z', '2024-02-29T00:00:00-11:30', '0001-01-01T00:00:00Z']) {
      expect(isRfc3339(text), text).toBe(true);
    }
  });

  it('are refused when Date.parse would take them but RFC 3339 does not', () => {
    for (const text of ['1', '+275760-09-13T00:00:00Z', '2026-11-25', '2026-11-25 13:53:45Z', '2026-11-25T13:53:45', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-11-25T24:00:00Z', '2026-11-25T13:60:00Z', 'Wed, 25 Nov 2026 13:53:45 GMT']) {
      expect(isRfc3339(text), text).toBe(false);
    }
  });

  it('answer 400 naming the field when they are not RFC 3339, and Go zero time is accepted as endsAt', async () => {
    const app = createApp({ accept: () => undefined, logger: pino({ level: 'silent' }), auth: {}, maxBodyBytes: 1024 * 1024, isReady: () => true });
    const post = (payload: unknown) => app.request('/alerts', { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
    for (const startsAt of ['1', '+275760-09-13T00:00:00Z']) {
      const response = await post(withAlert({ startsAt }));
      expect(response.status, startsAt).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain('alerts[0].startsAt: must be an RFC 3339 timestamp');
    }
    expect((await post(withAlert({ endsAt: '2026-11-25T14:00:57.1+02:00' }))).status).toBe(200);
    expect((await post(withAlert({ endsAt: '0001-01-01T00:00:00Z' }))).status).toBe(200);
  });
});

describe('text in a webhook', () => {
  it('is made well-formed, so a lone surrogate in a label cannot break the message', () => {
    const payload = withAlert({ labels: { alertname: 'HighCPUUsage', instance: 'gateway:9100', team: 'ops \uD83D', '\uDE00key': 'v' }, generatorURL: 'http://prometheus:9090/\uD800' });
    payload.commonLabels = { alertname: 'HighCPUUsage', team: 'ops \uD83D' };
    payload.receiver = 'amcord\uDFFF';
    const parsed = webhookPayloadSchema.parse(payload);
    const alert = parsed.alerts[0];
    expect(alert?.labels).toEqual({ alertname: 'HighCPUUsage', instance: 'gateway:9100', team: 'ops \uFFFD', '\uFFFDkey': 'v' });
    expect(alert?.generatorURL).toBe('http://prometheus:9090/\uFFFD');
    expect(parsed.commonLabels.team).toBe('ops \uFFFD');
    expect(parsed.receiver).toBe('amcord\uFFFD');
    for (const template of ['default', 'compact']) {
      const fitted = renderPayload(parsed, { template });
      expect(fitted?.message.embeds?.at(-1)?.footer?.text ?? '').not.toContain('template failed');
    }
  });

  it('has NUL replaced, which a PostgreSQL text column cannot hold', () => {
    const parsed = webhookPayloadSchema.parse(withAlert({ labels: { alertname: 'Nul\u0000Label', instance: 'a\u0000b' } }));
    expect(parsed.alerts[0]?.labels).toEqual({ alertname: 'Nul\uFFFDLabel', instance: 'a\uFFFDb' });
  });
});
