import { describe, expect, it } from 'vitest';
import type { EngineAlert } from '../engine/alert.js';
import type { Notification } from '../engine/notification.js';
import { mentionsFor } from './mentions.js';
import type { MentionPolicy } from './routes.js';

const ROLE = '123456789012345678';
const USER = '876543210987654321';
const alert = (severity: string): EngineAlert => ({
  fingerprint: severity,
  labels: { alertname: 'X', severity },
  annotations: {},
  startsAt: 0,
  endsAt: 1,
  endsAtIsTimeout: false,
  generatorURL: '',
  updatedAt: 0,
});
const notification = (firing: EngineAlert[], resolved: EngineAlert[] = []): Notification => ({
  route: 'default',
  groupKey: 'g',
  receiver: 'r',
  groupLabels: {},
  externalUrl: '',
  at: 0,
  firing,
  resolved,
  newlyFiring: firing.map((entry) => entry.fingerprint),
  reason: 'first',
});
const policy = (overrides: Partial<MentionPolicy> = {}): MentionPolicy => ({ roles: [ROLE], users: [USER], severities: [], onResolved: false, ...overrides });
const severity = (labels: Record<string, string>) => labels.severity ?? '';

describe('mentionsFor', () => {
  it('puts role and user mentions in content with allowed_mentions naming exactly them', () => {
    expect(mentionsFor(policy(), notification([alert('warning')]), 'post', severity)).toEqual({
      text: `<@&${ROLE}> <@${USER}>`,
      allowed: { parse: [], roles: [ROLE], users: [USER] },
    });
  });

  it('pings only for the listed severities', () => {
    const onlyCritical = policy({ severities: ['critical'] });
    expect(mentionsFor(onlyCritical, notification([alert('warning')]), 'post', severity)).toBeUndefined();
    expect(mentionsFor(onlyCritical, notification([alert('warning'), alert('critical')]), 'post', severity)?.text).toContain(ROLE);
  });

  it('does not ping for resolutions unless configured, nor on edits', () => {
    const resolvedOnly = notification([], [alert('critical')]);
    expect(mentionsFor(policy(), resolvedOnly, 'post', severity)).toBeUndefined();
    expect(mentionsFor(policy({ onResolved: true }), resolvedOnly, 'post', severity)?.text).toContain(ROLE);
    expect(mentionsFor(policy(), notification([alert('critical')]), 'edit', severity)).toBeUndefined();
    expect(mentionsFor(undefined, notification([alert('critical')]), 'post', severity)).toBeUndefined();
  });
});
