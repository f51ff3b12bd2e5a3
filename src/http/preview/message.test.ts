import { describe, expect, it } from 'vitest';
import type { DiscordMessage } from '../../discord/types.js';
import { colorHex, messageHtml, type MessageView } from './message.js';

const VIEW: MessageView = { sentAt: Date.parse('2026-11-25T14:00:00Z'), now: Date.parse('2026-11-25T14:00:00Z'), avatarUrl: './preview/assets/avatar.svg', defaultUsername: 'Alertmanager' };
const draw = (message: DiscordMessage): string => messageHtml(message, VIEW).toString();

describe('messageHtml', () => {
  it('draws the header as the webhook posts it', () => {
    expect(draw({ content: 'hi' })).toBe(
      '<discord-message author="Alertmanager" avatar="./preview/assets/avatar.svg" bot timestamp="November 25, 2026 at 14:00 UTC" data-stamp="1795615200000">hi</discord-message>',
    );
    expect(draw({ username: 'Ops <team>' })).toContain('author="Ops &lt;team&gt;"');
  });

  it('draws an embed: colour, linked title, description, footer and timestamp', () => {
    const html = draw({
      embeds: [
        {
          title: '🔴 Firing: **Down** on db-1',
          url: 'http://prometheus:9090/graph?g0.expr=up',
          color: 0xe74c3c,
          description: 'No scrape for *5m*',
          footer: { text: '1 firing · <b>' },
          timestamp: '2026-11-25T13:00:00.000Z',
        },
      ],
    });
    expect(html).toContain(
      '<discord-embed slot="embeds" color="#e74c3c" embed-title="🔴 Firing: Down on db-1" url="http://prometheus:9090/graph?g0.expr=up">' +
        '<discord-embed-description slot="description">No scrape for <discord-italic>5m</discord-italic></discord-embed-description>' +
        '<discord-embed-footer slot="footer" timestamp="November 25, 2026 at 13:00 UTC" data-stamp="1795611600000">1 firing · &lt;b&gt;</discord-embed-footer></discord-embed>',
    );
  });

  it('shows a timestamp alone in the footer when there is no footer text', () => {
    expect(draw({ embeds: [{ title: 't', timestamp: '2026-11-25T13:00:00.000Z' }] })).toContain(
      '<discord-embed-footer slot="footer"><time datetime="2026-11-25T13:00:00.000Z" data-stamp="1795611600000">November 25, 2026 at 13:00 UTC</time></discord-embed-footer>',
    );
    expect(draw({ embeds: [{ title: 't', timestamp: 'not a time' }] })).not.toContain('discord-embed-footer');
  });

  it('drops a title link that is not http(s), and keeps long numbers in titles text', () => {
    const html = draw({ embeds: [{ title: 'Job 123456789012345678901 failed', url: 'javascript:alert(1)' }] });
    expect(html).toContain('embed-title="Job 1234567890123456\u206078901 failed"');
    expect(html).not.toContain('url=');
  });

  it('puts up to three consecutive inline fields in a row', () => {
    const inline = (name: string) => ({ name, value: name, inline: true });
    const html = draw({ embeds: [{ fields: [inline('a'), inline('b'), inline('c'), inline('d'), { name: 'e', value: 'e' }, inline('f')] }] });
    const layout = [...html.matchAll(/field-title="(\w)"( inline inline-index="(\d)")?/g)].map((match) => `${match[1]}${match[3] ?? '-'}`);
    expect(layout).toEqual(['a1', 'b2', 'c3', 'd1', 'e-', 'f1']);
  });

  it('draws buttons as buttons, linking only to http(s)', () => {
    const html = draw({
      content: 'x',
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 2, label: 'Silence 1h', custom_id: 'amcord:silence:1h:abc', emoji: { name: '🔕' } },
            { type: 2, style: 4, label: 'Silence 1d', custom_id: 'amcord:silence:1d:abc' },
            { type: 2, style: 5, label: 'Open the silence', url: 'http://am:9093/#/silences/1' },
            { type: 2, style: 5, label: 'Bad', url: 'javascript:alert(1)' },
            { type: 3, custom_id: 'a select menu' },
          ],
        },
      ],
    });
    expect(html).toContain(
      '<discord-action-row slot="components"><discord-button type="secondary">🔕 Silence 1h</discord-button><discord-button type="destructive">Silence 1d</discord-button>' +
        '<discord-button type="secondary" url="http://am:9093/#/silences/1">Open the silence</discord-button><discord-button type="secondary" disabled>Bad</discord-button></discord-action-row>',
    );
  });

  it('turns colours into CSS', () => {
    expect(colorHex(0x2ecc71)).toBe('#2ecc71');
    expect(colorHex(0)).toBe('#000000');
    expect(colorHex(undefined)).toBeUndefined();
    expect(colorHex(-1)).toBeUndefined();
  });
});
