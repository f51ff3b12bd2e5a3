import { describe, expect, it } from 'vitest';
import type { Embed, StoredMessage } from '../support/fake-discord.js';
import { findDuplicates } from './harness.js';

/** What counts as a duplicate, on messages made up to the point (no processes involved). */
describe('findDuplicates', () => {
  const HOUR = 3_600_000;
  const groupOf = new Map([
    ['diskx1z', 'Disk'],
    ['diskx2z', 'Disk'],
    ['cpux3z', 'Cpu'],
  ]);
  const firing = (...ids: string[]): Embed => ({ type: 'rich', title: `🟠 ${ids.length} firing`, description: ids.join('\n') });
  const resolved = (...ids: string[]): Embed => ({ type: 'rich', title: `✅ ${ids.length} resolved`, description: ids.join('\n') });
  let next = 0;
  const message = (at: number, embeds: Embed[], edits: Embed[][] = [], webhookId = 'w1'): StoredMessage => {
    next += 1;
    const versions = [embeds, ...edits].map((version, index) => ({ at: at + index, content: '', embeds: version }));
    return {
      id: String(next),
      webhookId,
      channelId: 'c1',
      content: '',
      username: 'amcord',
      avatarUrl: null,
      embeds: versions.at(-1)?.embeds ?? [],
      components: [],
      allowedMentions: null,
      attachments: [],
      mentionUsers: [],
      mentionRoles: [],
      mentionEveryone: false,
      nonce: null,
      createdAt: at,
      editedAt: edits.length > 0 ? at + edits.length : null,
      edits: edits.length,
      versions,
    };
  };
  const copies = (messages: StoredMessage[]) => findDuplicates(messages, groupOf).map((duplicate) => [duplicate.first.id, duplicate.copy.id]);

  it('is a second new message of a group showing what an earlier one showed when created', () => {
    const first = message(0, [firing('diskx1z')], [[resolved('diskx1z')]]);
    const second = message(1_000, [firing('diskx1z')]);
    expect(copies([first, second])).toEqual([[first.id, second.id]]);
  });

  it('is not an edit, a message showing something new, another group or another webhook', () => {
    expect(
      copies([
        message(0, [firing('diskx1z')], [[firing('diskx1z'), resolved('diskx2z')]]),
        message(10, [firing('diskx1z', 'diskx2z')]),
        message(20, [resolved('diskx1z', 'diskx2z')]),
        message(30, [firing('cpux3z')]),
        message(40, [firing('diskx1z')], [], 'w2'),
      ]),
    ).toEqual([]);
  });

  it('is not a repeat after repeat_interval', () => {
    expect(copies([message(0, [firing('diskx1z')]), message(HOUR, [firing('diskx1z')])])).toEqual([]);
  });

  it('ignores messages about no alert of the test', () => {
    expect(copies([message(0, [firing('someone-else')]), message(1, [firing('someone-else')])])).toEqual([]);
  });
});
