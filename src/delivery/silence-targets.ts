import type { Matcher } from '../alertmanager/matchers.js';
import { fingerprintOf } from '../engine/fingerprint.js';
import type { Notification } from '../engine/notification.js';
import type { KvStore } from '../store/kv-store.js';

interface Target {
  groupLabels: Record<string, string>;
  /** Set once a silence button was used. */
  silence?: { id: string; endsAt: number; link: string; actorId: string };
}

export interface ActiveSilence {
  id: string;
  endsAt: Date;
  link: string;
  actorId: string;
}

/**
 * What the silence buttons under a group's message mean: the button carries a short reference,
 * and this turns it back into the group's labels (as equality matchers: exactly the alerts of
 * that group) and remembers the silence made with it, so later edits of the message still say
 * who silenced it. Kept on disk: a button clicked after a restart still works.
 */
export class SilenceTargets {
  constructor(private readonly kv: KvStore) {}

  /** The reference for a group's buttons; remembers its labels. */
  refFor(notification: Notification): string {
    const ref = fingerprintOf({ route: notification.route, group: notification.groupKey });
    const known = this.kv.get<Target>(key(ref));
    if (!known) this.kv.put(key(ref), { groupLabels: notification.groupLabels } satisfies Target);
    return ref;
  }

  resolve(ref: string): Matcher[] | undefined {
    const target = this.kv.get<Target>(key(ref));
    if (!target) return undefined;
    return Object.entries(target.groupLabels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
  }

  silenced(ref: string, silence: ActiveSilence): void {
    const target = this.kv.get<Target>(key(ref));
    if (!target) return;
    this.kv.put(key(ref), { ...target, silence: { ...silence, endsAt: silence.endsAt.getTime() } } satisfies Target);
  }

  /** The button-made silence of this group, while it lasts. */
  active(ref: string, now: number): ActiveSilence | undefined {
    const silence = this.kv.get<Target>(key(ref))?.silence;
    if (!silence || silence.endsAt <= now) return undefined;
    return { ...silence, endsAt: new Date(silence.endsAt) };
  }
}

const key = (ref: string): string => `silence-target:${ref}`;
