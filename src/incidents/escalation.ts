import type { Notification } from '../engine/notification.js';
import type { EscalationStep } from '../routing/routes.js';
import type { IncidentSummary } from './ports.js';

/**
 * When a route's escalation pings, as pure functions of an incident and the time: the loop in
 * escalator.ts asks, storage makes each step happen at most once.
 */

type EscalationState = Pick<IncidentSummary, 'firingSince' | 'acknowledgement' | 'escalatedSteps'>;

/**
 * The step to send now: the first one not sent yet, once its time (counted from the group's
 * first message) has come. Steps go in order, one at a time, so none is skipped, even after a
 * restart that outlasted several; nothing once someone has acknowledged.
 */
export function dueStep(incident: EscalationState, steps: readonly EscalationStep[], now: number): number | undefined {
  if (incident.acknowledgement) return undefined;
  const step = steps[incident.escalatedSteps];
  if (!step) return undefined;
  return now - incident.firingSince >= step.afterMs ? incident.escalatedSteps : undefined;
}

/** The outbox key of a ping: its own per incident and step, so it never merges with anything else. */
export function pingKey(incident: Pick<IncidentSummary, 'groupKey' | 'firingSince'>, step: number): string {
  return `${incident.groupKey} escalation ${incident.firingSince}:${step}`;
}

/**
 * The ping of step `step`, as a notification for the outbox. It carries no alerts (the living
 * message shows them), only what the short reply says: whom it pings and for how long the group
 * has gone unacknowledged.
 */
export function escalationPing(incident: IncidentSummary, step: number, steps: readonly EscalationStep[], now: number): Notification {
  const { roles = [], users = [] } = steps[step] ?? {};
  return {
    route: incident.route,
    groupKey: pingKey(incident, step),
    receiver: incident.destination,
    groupLabels: incident.groupLabels,
    externalUrl: incident.externalUrl,
    at: now,
    firing: [],
    resolved: [],
    newlyFiring: [],
    reason: 'repeat',
    escalation: { groupKey: incident.groupKey, step, unacknowledgedForMs: now - incident.firingSince, roles: [...roles], users: [...users] },
  };
}
