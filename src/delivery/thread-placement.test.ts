import { describe, expect, it } from 'vitest';
import type { Notification } from '../engine/notification.js';
import { livingMessageId, parseLivingMessageId, threadPlacement } from './thread-placement.js';

const SETTINGS = { firingTag: '111111111111111111', resolvedTag: '222222222222222222' };
const alert = { fingerprint: 'f', labels: { alertname: 'DiskFull' }, annotations: {}, startsAt: 0, endsAt: 1, endsAtIsTimeout: true, generatorURL: '', updatedAt: 0 };
const notification = (overrides: Partial<Notification> = {}): Notification => ({
  route: 'r',
  groupKey: 'g',
  receiver: 'forum',
  groupLabels: { alertname: 'DiskFull', instance: 'nas' },
  externalUrl: '',
  at: 0,
  firing: [alert],
  resolved: [],
  newlyFiring: [],
  reason: 'new-firing',
  ...overrides,
});
const LIVING = livingMessageId('300000000000000001', '300000000000000002');

describe('threadPlacement', () => {
  it('starts a post named after the group, tagged firing, for a new incident or when there is no post', () => {
    expect(threadPlacement(notification({ reason: 'first' }), undefined, SETTINGS, true)).toEqual({ name: 'DiskFull · nas', tags: [SETTINGS.firingTag] });
    expect(threadPlacement(notification(), LIVING, SETTINGS, true)).toEqual({ name: 'DiskFull · nas', tags: [SETTINGS.firingTag] });
    expect(threadPlacement(notification(), '300000000000000009', SETTINGS, false)).toEqual({ name: 'DiskFull · nas', tags: [SETTINGS.firingTag] });
  });

  it('puts later notifications and pings into the post, and closes it as resolved', () => {
    expect(threadPlacement(notification({ reason: 'repeat' }), LIVING, SETTINGS, false)).toEqual({ id: '300000000000000001', name: 'DiskFull · nas', tags: [SETTINGS.firingTag] });
    const ping = notification({ firing: [], escalation: { groupKey: 'g', step: 0, unacknowledgedForMs: 1, roles: [], users: [] } });
    expect(threadPlacement(ping, LIVING, SETTINGS, false).id).toBe('300000000000000001');
    expect(threadPlacement(notification({ firing: [], reason: 'all-resolved' }), LIVING, SETTINGS, false)).toEqual({
      id: '300000000000000001',
      name: 'DiskFull · nas',
      tags: [SETTINGS.firingTag],
      close: { tags: [SETTINGS.resolvedTag] },
    });
  });

  it('names a post within 100 characters and tags nothing without tags', () => {
    const long = notification({ groupLabels: { alertname: 'x'.repeat(150) } });
    expect(threadPlacement(long, undefined, { firingTag: undefined, resolvedTag: undefined }, true)).toEqual({ name: 'x'.repeat(100), tags: [] });
  });
});

describe('living message ids', () => {
  it('carry the post and the message, and a plain id stays a plain message', () => {
    expect(parseLivingMessageId(LIVING)).toEqual({ threadId: '300000000000000001', messageId: '300000000000000002' });
    expect(parseLivingMessageId('300000000000000002')).toEqual({ threadId: undefined, messageId: '300000000000000002' });
  });
});
