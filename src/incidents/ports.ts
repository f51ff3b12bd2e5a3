import type { Notification } from '../engine/notification.js';
import type { Acknowledgement } from '../render/render.js';

export type { Acknowledgement } from '../render/render.js';

/**
 * A group that fires, as incident handling sees it: the message people look at (the last
 * notification shown), who acknowledged it, and how far its escalation got. There is one per
 * group while it fires; it ends (acknowledgement and all) when the group resolves.
 */
export interface Incident {
  /** The group's reference, the same one its silence buttons carry. */
  ref: string;
  route: string;
  groupKey: string;
  destination: string;
  /** The notification the group's living message shows now. */
  notification: Notification;
  /** When the group's first message went out: escalation counts from here. */
  firingSince: number;
  acknowledgement: Acknowledgement | undefined;
  /** How many escalation steps have been sent (queued in the outbox). */
  escalatedSteps: number;
}

/** An incident without the notification (which can be large), for lists and the escalation loop. */
export type IncidentSummary = Omit<Incident, 'notification'> & Pick<Notification, 'groupLabels' | 'externalUrl'>;

/** What a group's message shows, as the render stage records it. */
export type TrackedNotification = Pick<Incident, 'ref' | 'route' | 'groupKey' | 'destination' | 'notification'>;

/** Where incidents are kept; declared here, implemented by `store/`. */
export interface IncidentRepository {
  get(ref: string): Promise<Incident | undefined>;
  /** Every incident, oldest first. */
  list(): Promise<IncidentSummary[]>;
  /**
   * Records what the group's message shows now; a group seen for the first time starts an
   * incident at `now`. An existing incident keeps its start, acknowledgement and escalation.
   */
  track(tracked: TrackedNotification, now: number): Promise<Incident>;
  /** The group resolved: its incident ends, acknowledgement and all. */
  clear(ref: string): Promise<void>;
  /**
   * Records the acknowledgement and, in the same commit, queues an edit of the group's living
   * message (unless a notification of the group already waits: that one shows it). undefined
   * when there is no such incident.
   */
  acknowledge(ref: string, acknowledgement: Acknowledgement, now: number): Promise<Incident | undefined>;
  /**
   * Claims escalation step `step` and queues its ping in the outbox in the same commit, only
   * while exactly `step` steps were sent and nobody has acknowledged: false otherwise, and then
   * nothing is queued. That makes each step go out at most once, whoever asks and however often.
   */
  escalate(ref: string, step: number, ping: Notification, now: number): Promise<boolean>;
}
