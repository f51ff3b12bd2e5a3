import type { Matcher } from '../alertmanager/matchers.js';
import { fingerprintOf } from '../engine/fingerprint.js';
import type { Notification } from '../engine/notification.js';
import type { Clock } from '../util/sleep.js';

export interface SilenceTarget {
  groupLabels: Record<string, string>;
  /** Set once a silence button was used. */
  silence?: { id: string; endsAt: number; link: string; actorId: string };
}

/** Where silence targets are kept; declared here, implemented by `store/`. */
export interface SilenceTargetRepository {
  get(ref: string): Promise<SilenceTarget | undefined>;
  /** Saves a target and marks it used at `now`. */
  put(ref: string, target: SilenceTarget, now: number): Promise<void>;
  /** Forgets targets not used since `before`. */
  prune(before: number): Promise<void>;
}

export interface ActiveSilence {
  id: string;
  endsAt: Date;
  link: string;
  actorId: string;
}

/** A day: a target used again within it is not rewritten just to say so. */
const TOUCH_EVERY_MS = 24 * 60 * 60 * 1000;

/**
 * What the silence buttons under a group's message mean: the button carries a short reference,
 * and this turns it back into the group's labels (as equality matchers: exactly the alerts of
 * that group) and remembers the silence made with it, so later edits of the message still say
 * who silenced it. Kept on disk: a button clicked after a restart still works, until the target
 * has gone unused for the retention the maintenance cycle applies.
 */
export class SilenceTargets {
  /** When each target was last marked used, so rendering does not write on every message. */
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly repository: SilenceTargetRepository,
    private readonly clock: Clock,
  ) {}

  /** The reference for a group's buttons; remembers its labels. */
  async refFor(notification: Notification): Promise<string> {
    const ref = fingerprintOf({ route: notification.route, group: notification.groupKey });
    const now = this.clock.now();
    if (now - (this.touched.get(ref) ?? Number.NEGATIVE_INFINITY) < TOUCH_EVERY_MS) return ref;
    const known = await this.repository.get(ref);
    await this.repository.put(ref, known ?? { groupLabels: notification.groupLabels }, now);
    this.touched.set(ref, now);
    return ref;
  }

  async resolve(ref: string): Promise<Matcher[] | undefined> {
    const target = await this.repository.get(ref);
    if (!target) return undefined;
    return Object.entries(target.groupLabels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  }

  async silenced(ref: string, silence: ActiveSilence): Promise<void> {
    const target = await this.repository.get(ref);
    if (!target) return;
    await this.repository.put(ref, { ...target, silence: { ...silence, endsAt: silence.endsAt.getTime() } }, this.clock.now());
  }

  /** The button-made silence of this group, while it lasts. */
  async active(ref: string, now: number): Promise<ActiveSilence | undefined> {
    const silence = (await this.repository.get(ref))?.silence;
    if (!silence || silence.endsAt <= now) return undefined;
    return { ...silence, endsAt: new Date(silence.endsAt) };
  }

  /** Retention: forgets targets unused since `before`, and what this process remembers of them. */
  async prune(before: number): Promise<void> {
    await this.repository.prune(before);
    for (const [ref, at] of this.touched) if (at < before) this.touched.delete(ref);
  }
}
