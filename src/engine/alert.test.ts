import { describe, expect, it } from 'vitest';
import { webhookAlertSchema } from '../alertmanager/webhook.js';
import { acceptAlert, fromWebhookAlert, isResolvedAt, mergeAlert, type EngineAlert, type IncomingAlert } from './alert.js';
import { fingerprintOf } from './fingerprint.js';

const NOW = Date.UTC(2026, 10, 25, 12);
const MINUTE = 60_000;
const RESOLVE_TIMEOUT = 5 * MINUTE;
const labels = { alertname: 'DiskFull', instance: 'nas:9100' };

const incoming = (overrides: Partial<IncomingAlert> = {}): IncomingAlert => ({
  labels,
  annotations: {},
  startsAt: NOW - 10 * MINUTE,
  endsAt: undefined,
  generatorURL: '',
  ...overrides,
});

/** An alert as the engine knows it, reported at `at`. */
const known = (at: number, overrides: Partial<IncomingAlert> = {}): EngineAlert => acceptAlert(incoming(overrides), at, RESOLVE_TIMEOUT);

describe('acceptAlert', () => {
  it('gives an alert without an end a timeout of resolve_timeout from now', () => {
    const alert = known(NOW);
    expect(alert).toMatchObject({ endsAt: NOW + RESOLVE_TIMEOUT, endsAtIsTimeout: true, updatedAt: NOW });
    expect(alert.fingerprint).toBe(fingerprintOf(labels));
  });

  it('keeps a reported end, which is no timeout', () => {
    expect(known(NOW, { endsAt: NOW + MINUTE })).toMatchObject({ endsAt: NOW + MINUTE, endsAtIsTimeout: false });
  });

  it('drops empty labels, as Alertmanager does on receipt, so they change neither identity nor group', () => {
    const alert = acceptAlert(incoming({ labels: { ...labels, cluster: '' } }), NOW, RESOLVE_TIMEOUT);
    expect(alert.labels).toEqual(labels);
    expect(alert.fingerprint).toBe(fingerprintOf(labels));
  });
});

describe('fromWebhookAlert', () => {
  const base = { labels, annotations: { summary: 'full' }, startsAt: '2026-11-25T13:53:45.145505455Z', generatorURL: 'http://prom' };

  it('reads a firing alert as having no end (Alertmanager sends the zero time)', () => {
    const alert = fromWebhookAlert(webhookAlertSchema.parse({ ...base, status: 'firing', endsAt: '0001-01-01T00:00:00Z' }));
    expect(alert).toEqual({ ...base, startsAt: Date.parse('2026-11-25T13:53:45.145Z'), endsAt: undefined });
  });

  it('reads a resolved alert with its end', () => {
    const alert = fromWebhookAlert(webhookAlertSchema.parse({ ...base, status: 'resolved', endsAt: '2026-11-25T14:00:57Z' }));
    expect(alert.endsAt).toBe(Date.parse('2026-11-25T14:00:57Z'));
  });
});

describe('isResolvedAt', () => {
  it('counts an alert as resolved from its end on (endsAt <= T)', () => {
    const alert = known(NOW, { endsAt: NOW + MINUTE });
    expect(isResolvedAt(alert, NOW + MINUTE - 1)).toBe(false);
    expect(isResolvedAt(alert, NOW + MINUTE)).toBe(true);
  });
});

/** Alertmanager's alert store: merge only on overlap, then types.Alert.Merge. */
describe('mergeAlert', () => {
  it('keeps the earliest start', () => {
    const merged = mergeAlert(known(NOW), known(NOW + MINUTE, { startsAt: NOW - MINUTE }));
    expect(merged.startsAt).toBe(NOW - 10 * MINUTE);
  });

  it('takes everything else from the newer report', () => {
    const newer = known(NOW + MINUTE, { annotations: { summary: 'now 99%' }, generatorURL: 'http://prom/new' });
    expect(mergeAlert(known(NOW), newer)).toMatchObject({ annotations: { summary: 'now 99%' }, generatorURL: 'http://prom/new', updatedAt: NOW + MINUTE });
  });

  it('renews a timeout when the alert is reported again', () => {
    expect(mergeAlert(known(NOW), known(NOW + MINUTE)).endsAt).toBe(NOW + MINUTE + RESOLVE_TIMEOUT);
  });

  it('lets a later reported end rule over a newer timeout, but the result carries the timeout flag', () => {
    const reported = known(NOW, { endsAt: NOW + 20 * MINUTE });
    const merged = mergeAlert(reported, known(NOW + MINUTE));
    expect(merged).toMatchObject({ endsAt: NOW + 20 * MINUTE, endsAtIsTimeout: true });
    // So the next report without an end shortens it to its own timeout.
    expect(mergeAlert(merged, known(NOW + 2 * MINUTE)).endsAt).toBe(NOW + 2 * MINUTE + RESOLVE_TIMEOUT);
  });

  it('does not let an older timeout outlast a newer, earlier reported end', () => {
    const merged = mergeAlert(known(NOW), known(NOW + MINUTE, { endsAt: NOW + 2 * MINUTE }));
    expect(merged).toMatchObject({ endsAt: NOW + 2 * MINUTE, endsAtIsTimeout: false });
  });

  it('resolves a firing alert with the reported end', () => {
    const merged = mergeAlert(known(NOW), known(NOW + MINUTE, { endsAt: NOW + MINUTE }));
    expect(isResolvedAt(merged, NOW + MINUTE)).toBe(true);
    expect(merged.endsAt).toBe(NOW + MINUTE);
  });

  it('keeps the later end when both reports say resolved', () => {
    const first = known(NOW, { endsAt: NOW - MINUTE });
    const merged = mergeAlert(first, known(NOW + MINUTE, { endsAt: NOW - 2 * MINUTE }));
    expect(merged.endsAt).toBe(NOW - MINUTE);
  });

  it('replaces rather than merges a report that does not overlap: a new occurrence keeps its own start', () => {
    const ended = known(NOW, { startsAt: NOW - 10 * MINUTE, endsAt: NOW - 5 * MINUTE });
    const again = known(NOW, { startsAt: NOW - MINUTE });
    expect(mergeAlert(ended, again)).toEqual(again);
  });

  it('replaces an identical re-report of a resolved alert too (it does not overlap itself)', () => {
    const ended = known(NOW, { endsAt: NOW - MINUTE });
    const repeated = known(NOW + MINUTE, { endsAt: NOW - MINUTE });
    expect(mergeAlert(ended, repeated)).toEqual(repeated);
  });
});
