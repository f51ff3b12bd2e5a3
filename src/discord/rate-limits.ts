/**
 * What Discord's rate-limit headers tell us about one bucket, so amcord waits before it is
 * refused instead of after: a 429 counts toward Discord's invalid-request ban.
 */
interface BucketState {
  remaining: number;
  resetAt: number;
}

export class RateLimitTracker {
  private readonly buckets = new Map<string, BucketState>();
  private globalResetAt = 0;

  /** Milliseconds to wait before the next request to this bucket may go out. */
  delayFor(bucket: string, now: number): number {
    const state = this.buckets.get(bucket);
    const bucketDelay = state && state.remaining <= 0 ? state.resetAt - now : 0;
    return Math.max(0, bucketDelay, this.globalResetAt - now);
  }

  /** Reads X-RateLimit-* from any response. */
  update(bucket: string, headers: Headers, now: number): void {
    const remaining = Number(headers.get('x-ratelimit-remaining'));
    const resetAfter = Number(headers.get('x-ratelimit-reset-after'));
    if (headers.has('x-ratelimit-remaining') && Number.isFinite(remaining) && Number.isFinite(resetAfter)) {
      this.buckets.set(bucket, { remaining, resetAt: now + resetAfter * 1000 });
    }
  }

  /** Records a 429 and returns how long to wait, from Retry-After or the body's retry_after. */
  limited(bucket: string, headers: Headers, body: unknown, now: number): number {
    const waitMs = retryAfterMs(headers, body);
    if (headers.get('x-ratelimit-global') === 'true' || (isRecord(body) && body.global === true)) {
      this.globalResetAt = now + waitMs;
    } else {
      this.buckets.set(bucket, { remaining: 0, resetAt: now + waitMs });
    }
    return waitMs;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Discord's body carries the exact float; the header is rounded up to whole seconds. Prefer the body. */
export function retryAfterMs(headers: Headers, body: unknown): number {
  if (isRecord(body) && typeof body.retry_after === 'number' && body.retry_after >= 0) {
    return Math.ceil(body.retry_after * 1000);
  }
  const header = Number(headers.get('retry-after'));
  if (Number.isFinite(header) && header >= 0) return Math.ceil(header * 1000);
  // A 429 with neither is not something Discord sends; wait a safe second rather than hammer it.
  return 1000;
}
