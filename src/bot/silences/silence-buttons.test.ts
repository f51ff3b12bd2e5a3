import { beforeEach, describe, expect, it } from 'vitest';
import { ALICE, fakeClients, NOW, silentLogger } from '../../../test/bot/fakes.js';
import type { Matcher } from '../../alertmanager/matchers.js';
import { DISCORD_LIMITS } from '../../discord/limits.js';
import {
  MAX_SILENCE_REF_LENGTH,
  parseSilenceButtonId,
  type SilenceButtonContext,
  silenceButtonReply,
  silenceButtons,
  type SilenceTargetResolver,
} from './silence-buttons.js';

const DISK: Matcher[] = [
  { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
  { name: 'instance', value: 'nas:9100', isRegex: false, isEqual: true },
];

describe('silenceButtons', () => {
  it('builds a 1h and a 1d button whose ids carry the reference', () => {
    const row = silenceButtons('grp-1');
    expect(row).toEqual({
      type: 1,
      components: [
        { type: 2, style: 2, label: 'Silence 1h', emoji: { name: '🔕' }, custom_id: 'amcord:silence:1h:grp-1' },
        { type: 2, style: 2, label: 'Silence 1d', emoji: { name: '🔕' }, custom_id: 'amcord:silence:1d:grp-1' },
      ],
    });
  });

  it('round-trips references up to the custom_id limit, colons included', () => {
    const ref = `a:b:${'x'.repeat(MAX_SILENCE_REF_LENGTH - 4)}`;
    for (const button of silenceButtons(ref).components) {
      const id = 'custom_id' in button ? button.custom_id : '';
      expect(id.length).toBeLessThanOrEqual(100);
      expect(parseSilenceButtonId(id)?.ref).toBe(ref);
    }
    expect(() => silenceButtons(`${ref}x`)).toThrow(RangeError);
    expect(() => silenceButtons('')).toThrow(RangeError);
  });

  it.each(['other:button', 'amcord:silence:2h:x', 'amcord:silence:1h:', 'amcord:silence:toString:x'])('ignores %s', (id) => {
    expect(parseSilenceButtonId(id)).toBeUndefined();
  });
});

describe('silenceButtonReply', () => {
  let clients: ReturnType<typeof fakeClients>;
  const targets = new Map([['grp-1', DISK]]);
  const resolver: SilenceTargetResolver = (ref) => Promise.resolve(targets.get(ref));
  const context = (resolveSilenceTarget: SilenceTargetResolver | undefined): SilenceButtonContext => ({
    clients,
    actor: ALICE,
    logger: silentLogger(),
    resolveSilenceTarget,
  });

  beforeEach(() => {
    clients = fakeClients();
  });

  it('silences the resolved alerts and says who did it and until when', async () => {
    const outcome = await silenceButtonReply({ duration: '1h', ref: 'grp-1', messageContent: '**DiskFull** on nas' }, context(resolver), NOW);
    const silence = clients.alertmanager.silences[0];
    expect(silence).toMatchObject({ matchers: DISK, endsAt: new Date(NOW.getTime() + 3_600_000), createdBy: `alice (Discord ${ALICE.id})` });
    expect(outcome).toEqual({
      kind: 'update',
      reply: {
        content: `**DiskFull** on nas\n🔕 Silenced by <@${ALICE.id}> until <t:1777640400:f> (<t:1777640400:R>) · silence \`${silence?.id ?? ''}\``,
        components: [{ type: 1, components: [{ type: 2, style: 5, label: 'Open the silence', url: `http://alertmanager.example:9093/#/silences/${silence?.id ?? ''}` }] }],
      },
    });
  });

  it('keeps the Acknowledge button of the message, in its state, next to the silence link', async () => {
    for (const acknowledged of [false, true]) {
      const outcome = await silenceButtonReply({ duration: '1h', ref: 'grp-1', messageContent: '**DiskFull**', acknowledge: { acknowledged } }, context(resolver), NOW);
      const buttons = outcome.kind === 'update' ? outcome.reply.components?.[0]?.components : undefined;
      expect(buttons?.map((button) => ('label' in button ? button.label : undefined))).toEqual([acknowledged ? 'Take over' : 'Acknowledge', 'Open the silence']);
      expect(buttons?.[0]).toMatchObject({ custom_id: 'amcord:ack:grp-1' });
    }
  });

  it('keeps the updated content within 2000 characters', async () => {
    const outcome = await silenceButtonReply({ duration: '1d', ref: 'grp-1', messageContent: 'x'.repeat(2000) }, context(resolver), NOW);
    expect(outcome.reply.content?.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
    expect(outcome.reply.content).toContain('🔕 Silenced by');
  });

  it.each([
    ['no resolver', undefined, 'not set up'],
    ['an unknown reference', resolver, 'no longer knows which alerts'],
    ['matchers that match everything', () => Promise.resolve([{ name: 'env', value: '.*', isRegex: true, isEqual: true }]), 'silence everything'],
    ['a failing resolver', () => Promise.reject(new Error('store closed')), 'No silence was created. store closed'],
  ])('answers only the clicker for %s, creating nothing', async (_case, resolve, text) => {
    const outcome = await silenceButtonReply({ duration: '1h', ref: 'gone', messageContent: '' }, context(resolve), NOW);
    expect(outcome.kind).toBe('message');
    expect(outcome.reply.ephemeral).toBe(true);
    expect(outcome.reply.content).toContain(text);
    expect(clients.alertmanager.created).toEqual([]);
  });
});
