import { describe, expect, it } from 'vitest';
import { threadUpdateOf } from './thread-update.js';

describe('threadUpdateOf', () => {
  const button = { type: 1 as const, components: [{ type: 2 as const, style: 2 as const, label: 'Silence', custom_id: 'silence:1h:g' }] };

  it('keeps content, embeds and mentions, drops buttons, the reply and the placement', () => {
    const update = threadUpdateOf({
      content: '<@&1>',
      embeds: [{ title: 'firing' }],
      allowed_mentions: { parse: [] },
      components: [button],
      message_reference: { message_id: '12' },
      thread: { id: '3', name: 'A', tags: [] },
    });
    expect(update).toEqual({ content: '<@&1>', embeds: [{ title: 'firing' }], allowed_mentions: { parse: [] } });
  });

  it('keeps a picture with its file, and drops an attached picture whose file is not sent', () => {
    const files = [{ name: 'graph.png', contentType: 'image/png', data: new Uint8Array([1]) }];
    const pictured = { embeds: [{ title: 'x', image: { url: 'attachment://graph.png' } }], attachments: [{ id: 0, filename: 'graph.png' }] };
    expect(threadUpdateOf({ ...pictured, files })).toEqual({ ...pictured, files });
    expect(threadUpdateOf({ ...pictured, attachments: [] })).toEqual({ embeds: [{ title: 'x' }] });
    expect(threadUpdateOf({ embeds: [{ title: 'x', image: { url: 'https://example.invalid/a.png' } }] })).toEqual({ embeds: [{ title: 'x', image: { url: 'https://example.invalid/a.png' } }] });
  });
});
