/** The last notification sent for a group to a receiver: which alerts were firing and resolved. */
export interface NotificationLogEntry {
  firing: string[];
  resolved: string[];
  at: number;
}

/** Why a flush notifies; undefined when it must not. */
export type NotifyReason = 'first' | 'new-firing' | 'all-resolved' | 'newly-resolved' | 'repeat';

const isSubset = (subset: ReadonlySet<string>, of: readonly string[]): boolean => {
  const set = new Set(of);
  return [...subset].every((item) => set.has(item));
};

/**
 * Whether (and why) a flush must notify, rule for rule as Alertmanager's DedupStage decides it.
 * `firing` and `resolved` are the fingerprints at the flush; `entry` the last logged send.
 */
export function notifyReason(
  entry: NotificationLogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  now: number,
  repeatIntervalMs: number,
  sendResolved: boolean,
): NotifyReason | undefined {
  if (!entry) return firing.size > 0 ? 'first' : undefined;
  if (!isSubset(firing, entry.firing)) return 'new-firing';
  // Sent whatever send_resolved says, so the log forgets the firing alerts.
  if (firing.size === 0) return entry.firing.length > 0 ? 'all-resolved' : undefined;
  if (sendResolved && !isSubset(resolved, entry.resolved)) return 'newly-resolved';
  return entry.at < now - repeatIntervalMs ? 'repeat' : undefined;
}
