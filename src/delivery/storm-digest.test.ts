import { describe, expect, it } from 'vitest';
import { FakeTime } from '../../test/support/fake-time.js';
import { drainTimeMs, needsDigest, RecentPosts } from './storm-digest.js';

describe('drainTimeMs', () => {
  it('sends five per 2 s and thirty a minute, as Discord lets a webhook into a channel', () => {
    expect(drainTimeMs(0, [], 0)).toBe(0);
    expect(drainTimeMs(5, [], 0)).toBe(0);
    expect(drainTimeMs(6, [], 0)).toBe(2_000);
    expect(drainTimeMs(30, [], 0)).toBe(10_000);
    // The 31st waits for the first to leave the minute's window; 40 groups end at 62 s.
    expect(drainTimeMs(31, [], 0)).toBe(60_000);
    expect(drainTimeMs(40, [], 0)).toBe(62_000);
  });

  it('counts the messages already posted in the windows', () => {
    const time = new FakeTime();
    const recent = new RecentPosts();
    for (let sent = 0; sent < 28; sent += 1) {
      recent.record(time.now());
      time.advance(1_000);
    }
    // 28 posted over the last 28 s: two more fit now, the third waits until the first is a minute old.
    expect(drainTimeMs(2, recent.times(), time.now())).toBe(0);
    expect(drainTimeMs(3, recent.times(), time.now())).toBe(60_000 - 28_000);
    time.advance(60_000);
    recent.record(time.now());
    expect(recent.times()).toHaveLength(1);
    expect(drainTimeMs(5, recent.times(), time.now())).toBe(2_000);
  });
});

describe('needsDigest', () => {
  const threshold = 10_000;

  it('calls for a digest once the waiting posts would outlast the threshold, and not before', () => {
    const time = new FakeTime();
    expect(needsDigest({ waitingPosts: 30, recentPosts: [], now: time.now() }, threshold)).toBe(false);
    expect(needsDigest({ waitingPosts: 31, recentPosts: [], now: time.now() }, threshold)).toBe(true);
    expect(needsDigest({ waitingPosts: 1, recentPosts: [], now: time.now() }, 0)).toBe(false);
  });

  it('calls for one sooner when the channel has already taken its minute\'s messages, and no more once they age out', () => {
    const time = new FakeTime();
    const recent = new RecentPosts();
    for (let sent = 0; sent < 30; sent += 1) recent.record(time.now());
    time.advance(5_000);
    expect(needsDigest({ waitingPosts: 2, recentPosts: recent.times(), now: time.now() }, threshold)).toBe(true);
    time.advance(55_000);
    expect(needsDigest({ waitingPosts: 2, recentPosts: recent.times(), now: time.now() }, threshold)).toBe(false);
  });
});
