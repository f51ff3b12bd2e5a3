import type { GroupBy } from '../../src/engine/group-key.js';

/**
 * A scripted alert history, replayed through real Alertmanager and through amcord's engine. All
 * times are offsets in milliseconds from the timeline's start (t0), so one script yields the same
 * absolute timestamps on both sides.
 */
export interface Timeline {
  name: string;
  grouping: {
    groupBy: GroupBy;
    groupWaitMs: number;
    groupIntervalMs: number;
    repeatIntervalMs: number;
    resolveTimeoutMs: number;
    sendResolved: boolean;
  };
  /** Posts in order. Offsets keep well away from the groups' ticks, so real-time jitter cannot reorder them. */
  steps: TimelineStep[];
  /** How long to watch after t0; long enough to see that nothing more is sent. */
  durationMs: number;
}

export interface TimelineStep {
  at: number;
  alerts: ScriptedAlert[];
}

export interface ScriptedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: number;
  /** Omitted while firing, so the receiver applies its resolve timeout. */
  endsAt?: number;
}

/** An alert as it was actually posted: absolute epoch milliseconds. */
export interface PostedAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  endsAt: number | undefined;
}

/** What happened when a timeline was played: when each batch went out, with absolute times. */
export interface PlayedTimeline {
  t0: number;
  posts: { sentAt: number; alerts: PostedAlert[] }[];
}

export const seconds = (value: number): number => Math.round(value * 1000);

/** Shorthands for scripting: `firing(labels, since)` and `resolved(labels, since, until)`, times in seconds. */
export function firing(labels: Record<string, string>, since: number): ScriptedAlert {
  return { labels, startsAt: seconds(since) };
}

export function resolved(labels: Record<string, string>, since: number, until: number): ScriptedAlert {
  return { labels, startsAt: seconds(since), endsAt: seconds(until) };
}

export function step(atSeconds: number, ...alerts: ScriptedAlert[]): TimelineStep {
  return { at: seconds(atSeconds), alerts };
}

export function toPosted(alert: ScriptedAlert, t0: number): PostedAlert {
  return {
    labels: alert.labels,
    annotations: alert.annotations ?? {},
    startsAt: t0 + alert.startsAt,
    endsAt: alert.endsAt === undefined ? undefined : t0 + alert.endsAt,
  };
}
