import { fingerprintOf } from '../engine/fingerprint.js';
import type { Notification } from '../engine/notification.js';
import type { Clock } from '../util/sleep.js';
import type { Acknowledgement, Incident, IncidentRepository, IncidentSummary } from './ports.js';

/** A group's reference: the same one its silence buttons carry (delivery/silence-targets.ts). */
export function incidentRef(notification: Pick<Notification, 'route' | 'groupKey'>): string {
  return fingerprintOf({ route: notification.route, group: notification.groupKey });
}

/** A firing group's incident as its message shows it. */
export interface ShownIncident {
  acknowledgement: Acknowledgement | undefined;
  /** This message is the incident's first: the group fires anew (a new forum post, with threads). */
  started: boolean;
}

export type AcknowledgeOutcome =
  | { kind: 'acknowledged'; incident: Incident }
  /** This person has it already: nothing changes. */
  | { kind: 'already'; incident: Incident }
  /** No firing group has this reference (it resolved, or never was). */
  | { kind: 'unknown' };

/**
 * Who has taken care of which firing group. The render stage records every message it renders,
 * so the acknowledgement shows on every later edit, and a resolved group ends its incident; the
 * bot records acknowledgements, each of which also edits the living message to say so.
 */
export class Incidents {
  constructor(
    private readonly repository: IncidentRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The render stage shows `notification` at `destination`: a firing group's incident is
   * recorded (started, the first time) and its acknowledgement returned; a resolved group's ends.
   */
  async shown(notification: Notification, destination: string): Promise<ShownIncident | undefined> {
    const ref = incidentRef(notification);
    if (notification.firing.length === 0) {
      await this.repository.clear(ref);
      return undefined;
    }
    const now = this.clock.now();
    const incident = await this.repository.track({ ref, route: notification.route, groupKey: notification.groupKey, destination, notification }, now);
    return { acknowledgement: incident.acknowledgement, started: incident.firingSince === now };
  }

  /** `userId` says "I've got it"; a second person takes it over from the first. */
  async acknowledge(ref: string, userId: string): Promise<AcknowledgeOutcome> {
    const known = await this.repository.get(ref);
    if (!known) return { kind: 'unknown' };
    const previous = known.acknowledgement;
    if (previous?.userId === userId) return { kind: 'already', incident: known };
    const now = this.clock.now();
    const acknowledgement: Acknowledgement = { userId, at: now, ...(previous ? { tookOverFrom: { userId: previous.userId, at: previous.at } } : {}) };
    const incident = await this.repository.acknowledge(ref, acknowledgement, now);
    return incident ? { kind: 'acknowledged', incident } : { kind: 'unknown' };
  }

  /** The groups firing now, for /ack's choices. */
  open(): Promise<IncidentSummary[]> {
    return this.repository.list();
  }
}
