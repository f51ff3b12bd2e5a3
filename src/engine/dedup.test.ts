import { describe, expect, it } from 'vitest';
import { notifyReason, type NotificationLogEntry } from './dedup.js';

const NOW = 1_000_000;
const REPEAT = 60_000;
const set = (...items: string[]): ReadonlySet<string> => new Set(items);
const entry = (firing: string[], resolved: string[], at = NOW - 1_000): NotificationLogEntry => ({ firing, resolved, at });

/** Rule 5 of alertmanager.md: Alertmanager's DedupStage, branch by branch. */
describe('notifyReason', () => {
  describe('without a log entry', () => {
    it('notifies when something fires', () => {
      expect(notifyReason(undefined, set('a'), set(), NOW, REPEAT, true)).toBe('first');
    });

    it('stays quiet when only resolved alerts are left: the receiver never heard of them', () => {
      expect(notifyReason(undefined, set(), set('a'), NOW, REPEAT, true)).toBeUndefined();
      expect(notifyReason(undefined, set(), set(), NOW, REPEAT, true)).toBeUndefined();
    });
  });

  it('notifies when an alert fires that the last notification did not list as firing', () => {
    expect(notifyReason(entry(['a'], []), set('a', 'b'), set(), NOW, REPEAT, true)).toBe('new-firing');
    // Even if it was listed as resolved.
    expect(notifyReason(entry(['a'], ['b']), set('a', 'b'), set(), NOW, REPEAT, false)).toBe('new-firing');
  });

  it('does not count fewer firing alerts as new', () => {
    expect(notifyReason(entry(['a', 'b'], []), set('a'), set(), NOW, REPEAT, false)).toBeUndefined();
  });

  describe('when nothing fires any more', () => {
    it('notifies if the last notification had firing alerts, whatever send_resolved says', () => {
      expect(notifyReason(entry(['a'], []), set(), set('a'), NOW, REPEAT, true)).toBe('all-resolved');
      expect(notifyReason(entry(['a'], []), set(), set('a'), NOW, REPEAT, false)).toBe('all-resolved');
    });

    it('stays quiet if the last notification had none (alerts came and went between ticks)', () => {
      expect(notifyReason(entry([], ['a']), set(), set('b'), NOW, REPEAT, true)).toBeUndefined();
      // Not even a repeat: the repeat branch needs firing alerts.
      expect(notifyReason(entry([], ['a'], NOW - 10 * REPEAT), set(), set('b'), NOW, REPEAT, true)).toBeUndefined();
    });
  });

  describe('newly resolved alerts', () => {
    it('notify with send_resolved when not already reported as resolved', () => {
      expect(notifyReason(entry(['a', 'b'], []), set('a'), set('b'), NOW, REPEAT, true)).toBe('newly-resolved');
    });

    it('stay quiet when the last notification already listed them as resolved', () => {
      expect(notifyReason(entry(['a'], ['b']), set('a'), set('b'), NOW, REPEAT, true)).toBeUndefined();
    });

    it('are ignored without send_resolved', () => {
      expect(notifyReason(entry(['a', 'b'], []), set('a'), set('b'), NOW, REPEAT, false)).toBeUndefined();
    });
  });

  describe('repeat', () => {
    it('notifies once the last notification is older than now - repeat_interval', () => {
      expect(notifyReason(entry(['a'], [], NOW - REPEAT - 1), set('a'), set(), NOW, REPEAT, true)).toBe('repeat');
    });

    it('does not at exactly repeat_interval (strictly older, as time.Before)', () => {
      expect(notifyReason(entry(['a'], [], NOW - REPEAT), set('a'), set(), NOW, REPEAT, true)).toBeUndefined();
    });

    it('is the last check: an unchanged group within repeat_interval stays quiet', () => {
      expect(notifyReason(entry(['a', 'b'], ['c']), set('a', 'b'), set('c'), NOW, REPEAT, true)).toBeUndefined();
    });
  });
});
