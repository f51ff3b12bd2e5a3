/**
 * When a storm digest goes out. Discord lets a channel take about 30 new messages a minute (and a
 * webhook 5 requests in 2 s), so with one message per group, 40 groups waiting means the last is
 * named more than a minute late. When the messages waiting would take longer than a threshold
 * to drain at those limits, one digest naming every waiting group goes out first. Pure, with the
 * time given by the caller.
 */

export interface SendLimit {
  limit: number;
  windowMs: number;
}

/** Discord's observed limits on new messages (shared/docs/discord.md). */
export const DISCORD_POST_LIMITS: readonly SendLimit[] = [
  { limit: 5, windowMs: 2_000 },
  { limit: 30, windowMs: 60_000 },
];

/**
 * How long until the last of `count` more messages can go out, when `recent` (times of the
 * messages already posted, oldest first) count against the same sliding windows.
 */
export function drainTimeMs(count: number, recent: readonly number[], now: number, limits: readonly SendLimit[] = DISCORD_POST_LIMITS): number {
  if (count <= 0) return 0;
  const longest = Math.max(...limits.map((limit) => limit.windowMs));
  const sent = recent.filter((at) => at > now - longest);
  let at = now;
  for (let next = 0; next < count; next += 1) {
    // The earliest moment every window has room: a full window frees up when its oldest message leaves it.
    for (const { limit, windowMs } of limits) {
      const inWindow = sent.filter((time) => time > at - windowMs);
      if (inWindow.length >= limit) at = Math.max(at, (inWindow[inWindow.length - limit] as number) + windowMs);
    }
    sent.push(at);
  }
  return at - now;
}

export interface DigestInput {
  /** New messages (posts) waiting for this destination. */
  waitingPosts: number;
  /** When this destination's recent posts went out, oldest first. */
  recentPosts: readonly number[];
  now: number;
}

/** Whether the posts waiting would take longer than `thresholdMs` to drain, so a digest should go first. */
export function needsDigest(input: DigestInput, thresholdMs: number, limits: readonly SendLimit[] = DISCORD_POST_LIMITS): boolean {
  // The digest is a message too: it is worth it only if it leaves room for more than itself.
  if (input.waitingPosts < 2) return false;
  return drainTimeMs(input.waitingPosts, input.recentPosts, input.now, limits) > thresholdMs;
}

/** Keeps the times of recent posts, as long as the longest window needs them. */
export class RecentPosts {
  readonly #times: number[] = [];

  constructor(private readonly keepMs: number = Math.max(...DISCORD_POST_LIMITS.map((limit) => limit.windowMs))) {}

  record(at: number): void {
    this.#times.push(at);
    while (this.#times.length > 0 && (this.#times[0] as number) <= at - this.keepMs) this.#times.shift();
  }

  times(): readonly number[] {
    return this.#times;
  }
}
