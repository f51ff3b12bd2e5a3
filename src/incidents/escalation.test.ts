import { describe, expect, it } from 'vitest';
import type { EscalationStep } from '../routing/routes.js';
import { dueStep, escalationPing, pingKey } from './escalation.js';

const MINUTE = 60_000;
const STEPS: EscalationStep[] = [
  { afterMs: 0, roles: ['100000000000000001'], users: [] },
  { afterMs: 15 * MINUTE, roles: ['100000000000000001', '100000000000000002'], users: [] },
  { afterMs: 30 * MINUTE, roles: [], users: ['200000000000000001'] },
];
const T0 = Date.UTC(2026, 10, 1, 3);
const incident = (overrides: Partial<Parameters<typeof dueStep>[0]> = {}) => ({ firingSince: T0, acknowledgement: undefined, escalatedSteps: 0, ...overrides });

describe('dueStep', () => {
  it('sends each step once its time has come, counted from the first message', () => {
    expect(dueStep(incident(), STEPS, T0)).toBe(0);
    expect(dueStep(incident({ escalatedSteps: 1 }), STEPS, T0 + 15 * MINUTE - 1)).toBeUndefined();
    expect(dueStep(incident({ escalatedSteps: 1 }), STEPS, T0 + 15 * MINUTE)).toBe(1);
    expect(dueStep(incident({ escalatedSteps: 2 }), STEPS, T0 + 29 * MINUTE)).toBeUndefined();
    expect(dueStep(incident({ escalatedSteps: 2 }), STEPS, T0 + 30 * MINUTE)).toBe(2);
    expect(dueStep(incident({ escalatedSteps: 3 }), STEPS, T0 + 24 * 60 * MINUTE)).toBeUndefined();
  });

  it('goes through missed steps in order after a long pause instead of skipping to the last', () => {
    expect(dueStep(incident({ escalatedSteps: 1 }), STEPS, T0 + 60 * MINUTE)).toBe(1);
    expect(dueStep(incident({ escalatedSteps: 2 }), STEPS, T0 + 60 * MINUTE)).toBe(2);
  });

  it('stops once someone acknowledged, and without steps', () => {
    expect(dueStep(incident({ acknowledgement: { userId: '300000000000000001', at: T0 } }), STEPS, T0 + 60 * MINUTE)).toBeUndefined();
    expect(dueStep(incident(), [], T0 + 60 * MINUTE)).toBeUndefined();
  });
});

describe('escalationPing', () => {
  const summary = { ref: 'r', route: 'critical', groupKey: '{}:{alertname="Down"}', destination: 'oncall', groupLabels: { alertname: 'Down' }, externalUrl: 'http://am', ...incident() };

  it('names the step, its mentions and how long nobody answered, under a key of its own', () => {
    const ping = escalationPing(summary, 1, STEPS, T0 + 16 * MINUTE);
    expect(ping).toMatchObject({
      route: 'critical',
      receiver: 'oncall',
      groupLabels: { alertname: 'Down' },
      firing: [],
      escalation: { groupKey: '{}:{alertname="Down"}', step: 1, unacknowledgedForMs: 16 * MINUTE, roles: ['100000000000000001', '100000000000000002'], users: [] },
    });
    expect(ping.groupKey).toBe(pingKey(summary, 1));
    expect(new Set([0, 1, 2].map((step) => pingKey(summary, step))).size).toBe(3);
    expect(pingKey({ ...summary, firingSince: T0 + 1 }, 1)).not.toBe(ping.groupKey);
  });
});
