import type { WebhookPayload } from '../../alertmanager/webhook.js';

/** A webhook payload as it was received, for the preview page. */
export interface RecentNotification {
  /** Epoch ms. */
  receivedAt: number;
  payload: WebhookPayload;
}

const DEFAULT_RECENT_CAPACITY = 20;

/**
 * The last webhook payloads received, in memory only, at most `capacity` of them. A payload for a
 * group already held replaces the older one, so the preview shows the latest state of the last
 * groups rather than one busy group many times.
 */
export class RecentNotifications {
  readonly #entries: RecentNotification[] = [];

  constructor(
    readonly capacity: number = DEFAULT_RECENT_CAPACITY,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }

  add(payload: WebhookPayload): void {
    const same = this.#entries.findIndex((entry) => entry.payload.receiver === payload.receiver && entry.payload.groupKey === payload.groupKey);
    if (same >= 0) this.#entries.splice(same, 1);
    this.#entries.push({ receivedAt: this.now(), payload });
    if (this.#entries.length > this.capacity) this.#entries.splice(0, this.#entries.length - this.capacity);
  }

  /** Newest first. */
  list(): RecentNotification[] {
    return [...this.#entries].reverse();
  }
}
