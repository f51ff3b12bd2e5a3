import { describe, expect, it } from 'vitest';
import type { EngineAlert } from '../engine/alert.js';
import type { Notification } from '../engine/notification.js';
import { coalesce } from './coalesce.js';

const alert = (instance: string): EngineAlert => ({
  fingerprint: instance,
  labels: { alertname: 'DiskFull', instance },
  annotations: {},
  startsAt: 0,
  endsAt: 1,
  endsAtIsTimeout: false,
  generatorURL: '',
  updatedAt: 0,
});
const notification = (firing: string[], resolved: string[]): Notification => ({
  route: 'default',
  groupKey: 'g',
  receiver: 'default',
  groupLabels: { alertname: 'DiskFull' },
  externalUrl: '',
  at: 0,
  firing: firing.map(alert),
  resolved: resolved.map(alert),
  newlyFiring: [],
  reason: 'newly-resolved',
});
const instances = (alerts: EngineAlert[]) => alerts.map((entry) => entry.labels.instance);

describe('coalesce', () => {
  it('keeps the newer state, and the resolutions only the older one carried', () => {
    // a resolved at the first flush and left the group; b resolved at the second.
    const merged = coalesce({ kind: 'edit', notification: notification(['b'], ['a']) }, { kind: 'edit', notification: notification([], ['b']) });
    expect(instances(merged.notification.firing)).toEqual([]);
    expect(instances(merged.notification.resolved)).toEqual(['b', 'a']);
  });

  it('does not show an alert resolved that fires again in the newer one', () => {
    const merged = coalesce({ kind: 'edit', notification: notification([], ['a']) }, { kind: 'post', notification: notification(['a'], []) });
    expect(instances(merged.notification.firing)).toEqual(['a']);
    expect(merged.notification.resolved).toEqual([]);
    expect(merged.kind).toBe('post');
  });

  it('keeps a post a post', () => {
    expect(coalesce({ kind: 'post', notification: notification(['a'], []) }, { kind: 'edit', notification: notification([], ['a']) }).kind).toBe('post');
  });
});
