import type { Logger } from '../log/logger.js';
import { digestGroupOf, digestNotification, isDigest, type DigestGroup } from '../render/storm-digest.js';
import type { Clock } from '../util/sleep.js';
import type { Outbox, OutboxDepth, OutboxEntry, OutboxKind } from './ports.js';
import { DISCORD_POST_LIMITS, needsDigest, RecentPosts, type SendLimit } from './storm-digest.js';
import type { Notification } from '../engine/notification.js';

export interface StormDigestOptions {
  /** A digest goes out first when the posts waiting would take longer than this to drain. */
  thresholdMs: number;
  clock: Clock;
  logger: Logger;
  limits?: readonly SendLimit[];
  /** Groups that start waiting during a storm are added to the digest by an edit, at most this often. */
  editEveryMs?: number;
}

interface Storm {
  /** Every group the digest names, by group key. */
  named: Map<string, DigestGroup>;
  lastEditAt: number;
  /** Groups were added since the last edit was queued. */
  stale: boolean;
}

/**
 * The outbox as an outbox worker sees it, with storm digests (render/storm-digest.ts): when the
 * posts waiting for a destination would take longer than the threshold to drain, a digest
 * naming every waiting group is queued and handed out before them; groups that start waiting
 * later are added to it by an edit, and once no post waits an edit says the storm is over.
 * The digest is an outbox entry of its own, so it is delivered once, across crashes, like any
 * other; only which entry goes first is decided here.
 */
export class StormDigestOutbox implements Outbox {
  readonly #recent = new Map<string, RecentPosts>();
  readonly #storms = new Map<string, Storm>();

  constructor(
    private readonly inner: Outbox,
    private readonly options: StormDigestOptions,
  ) {}

  enqueue(destination: string, kind: OutboxKind, notification: Notification, now: number): Promise<void> {
    return this.inner.enqueue(destination, kind, notification, now);
  }

  waiting(destination: string): Promise<OutboxEntry[]> {
    return this.inner.waiting(destination);
  }

  async head(destination: string): Promise<OutboxEntry | undefined> {
    const head = await this.inner.head(destination);
    const storm = this.#storms.get(destination);
    // Out of a storm, only a post behind which others may wait calls for a look at the whole outbox.
    if (!storm && (!head || head.kind !== 'post' || isDigest(head.notification))) return head;
    const waiting = await this.inner.waiting(destination);
    const now = this.options.clock.now();
    const posts = waiting.filter((entry) => entry.kind === 'post' && !isDigest(entry.notification));
    const changed = storm ? this.follow(destination, storm, posts, now) : this.begin(destination, posts, now);
    if (await changed) return (await this.pendingDigest(destination)) ?? head;
    return waiting.find((entry) => isDigest(entry.notification)) ?? head;
  }

  /** Queues a digest when the posts waiting call for one; true when it did. */
  private async begin(destination: string, posts: readonly OutboxEntry[], now: number): Promise<boolean> {
    const recentPosts = this.recent(destination).times();
    if (!needsDigest({ waitingPosts: posts.length, recentPosts, now }, this.options.thresholdMs, this.options.limits ?? DISCORD_POST_LIMITS)) return false;
    const named = new Map(posts.map((entry) => [entry.groupKey, digestGroupOf(entry.notification)]));
    this.#storms.set(destination, { named, lastEditAt: now, stale: false });
    await this.inner.enqueue(destination, 'post', digestNotification([...named.values()], now, false), now);
    this.options.logger.info({ destination, groups: named.size }, 'storm: a digest of the waiting groups goes out first');
    return true;
  }

  /** Adds groups that started waiting to the digest, or ends the storm once no post waits; true when it queued an edit. */
  private async follow(destination: string, storm: Storm, posts: readonly OutboxEntry[], now: number): Promise<boolean> {
    if (posts.length === 0) {
      this.#storms.delete(destination);
      await this.inner.enqueue(destination, 'edit', digestNotification([...storm.named.values()], now, true), now);
      this.options.logger.info({ destination, groups: storm.named.size }, 'storm over: every group has its own message');
      return true;
    }
    for (const entry of posts) {
      if (storm.named.has(entry.groupKey)) continue;
      storm.named.set(entry.groupKey, digestGroupOf(entry.notification));
      storm.stale = true;
    }
    if (!storm.stale || now - storm.lastEditAt < (this.options.editEveryMs ?? 2_000)) return false;
    storm.stale = false;
    storm.lastEditAt = now;
    await this.inner.enqueue(destination, 'edit', digestNotification([...storm.named.values()], now, false), now);
    return true;
  }

  private async pendingDigest(destination: string): Promise<OutboxEntry | undefined> {
    return (await this.inner.waiting(destination)).find((entry) => isDigest(entry.notification));
  }

  private recent(destination: string): RecentPosts {
    let recent = this.#recent.get(destination);
    if (!recent) this.#recent.set(destination, (recent = new RecentPosts()));
    return recent;
  }

  sending(entry: OutboxEntry, now: number): Promise<void> {
    return this.inner.sending(entry, now);
  }

  async delivered(entry: OutboxEntry, messageId: string | undefined, now: number): Promise<void> {
    await this.inner.delivered(entry, messageId, now);
    // A new message counts toward the channel's limit; an edit does not.
    if (entry.kind === 'post' || messageId !== undefined) this.recent(entry.destination).record(now);
  }

  retryLater(entry: OutboxEntry, at: number, error: string): Promise<void> {
    return this.inner.retryLater(entry, at, error);
  }

  bury(entry: OutboxEntry, error: string): Promise<void> {
    return this.inner.bury(entry, error);
  }

  abandoned(entry: OutboxEntry): void {
    this.inner.abandoned(entry);
  }

  livingMessage(destination: string, groupKey: string): Promise<string | undefined> {
    return this.inner.livingMessage(destination, groupKey);
  }

  depth(): Promise<OutboxDepth[]> {
    return this.inner.depth();
  }
}
