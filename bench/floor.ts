/**
 * The theoretical floor of a storm: how soon `messages` new messages can all be in Discord when
 * a perfect sender never wastes a request, under a per-webhook limit and a per-channel limit for
 * new messages. Windows are fixed and start at the first request after the previous one ended,
 * which is how Discord's buckets (and the fake) behave.
 */
import type { RateLimitConfig } from '../test/support/fake-discord.js';

interface Window {
  start: number;
  used: number;
}

/** Milliseconds from the first message to the last, when every message goes out as early as allowed. */
export function rateLimitSpanMs(messages: number, webhook: RateLimitConfig, channel: RateLimitConfig | false): number {
  if (messages <= 0) return 0;
  let now = 0;
  let last = 0;
  let hook: Window = { start: Number.NEGATIVE_INFINITY, used: 0 };
  let chan: Window = { start: Number.NEGATIVE_INFINITY, used: 0 };
  for (let sent = 0; sent < messages; ) {
    if (now >= hook.start + webhook.windowMs) hook = { start: now, used: 0 };
    if (channel && now >= chan.start + channel.windowMs) chan = { start: now, used: 0 };
    const hookFull = hook.used >= webhook.limit;
    const chanFull = channel !== false && chan.used >= channel.limit;
    if (!hookFull && !chanFull) {
      hook.used += 1;
      chan.used += 1;
      last = now;
      sent += 1;
      continue;
    }
    // Wait until every window that is full has ended.
    now = Math.max(hookFull ? hook.start + webhook.windowMs : now, chanFull && channel ? chan.start + channel.windowMs : now);
  }
  return last;
}

export interface StormFloor {
  messages: number;
  groupWaitMs: number;
  /** First message to last, under the rate limits. */
  rateLimitMs: number;
  /** From the alerts reaching Alertmanager to the last message: group_wait plus the rate-limit span. */
  floorMs: number;
}

export function stormFloor(messages: number, groupWaitMs: number, webhook: RateLimitConfig, channel: RateLimitConfig | false): StormFloor {
  const rateLimitMs = rateLimitSpanMs(messages, webhook, channel);
  return { messages, groupWaitMs, rateLimitMs, floorMs: groupWaitMs + rateLimitMs };
}
