import { describe, expect, it } from 'vitest';
import { makeAlert, makePayload } from '../../../test/support/payloads.js';
import { RecentNotifications } from './recent.js';

const group = (alertname: string, receiver = 'amcord') =>
  makePayload([makeAlert({ labels: { alertname } })], { groupKey: `{}:{alertname="${alertname}"}`, receiver, groupLabels: { alertname } });

describe('RecentNotifications', () => {
  it('lists what it was given, newest first, with when it arrived', () => {
    let now = 1_000;
    const recent = new RecentNotifications(5, () => now);
    recent.add(group('A'));
    now = 2_000;
    recent.add(group('B'));
    expect(recent.list().map((entry) => [entry.payload.groupLabels.alertname, entry.receivedAt])).toEqual([
      ['B', 2_000],
      ['A', 1_000],
    ]);
  });

  it('keeps at most `capacity`, forgetting the oldest', () => {
    const recent = new RecentNotifications(3);
    for (const name of ['A', 'B', 'C', 'D', 'E']) recent.add(group(name));
    expect(recent.list().map((entry) => entry.payload.groupLabels.alertname)).toEqual(['E', 'D', 'C']);
  });

  it('holds one entry per group and receiver: the latest payload, moved to the front', () => {
    const recent = new RecentNotifications(3);
    recent.add(group('A'));
    recent.add(group('B'));
    const later = { ...group('A'), status: 'resolved' as const };
    recent.add(later);
    recent.add(group('A', 'other-receiver'));
    const listed = recent.list();
    expect(listed.map((entry) => `${entry.payload.receiver}/${entry.payload.groupLabels.alertname}`)).toEqual(['other-receiver/A', 'amcord/A', 'amcord/B']);
    expect(listed[1]?.payload).toBe(later);
  });

  it('hands out copies of its list', () => {
    const recent = new RecentNotifications(3);
    recent.add(group('A'));
    recent.list().pop();
    expect(recent.list()).toHaveLength(1);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RecentNotifications(0)).toThrow(RangeError);
    expect(() => new RecentNotifications(1.5)).toThrow(RangeError);
  });
});
