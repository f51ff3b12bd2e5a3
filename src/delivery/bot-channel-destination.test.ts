import { REST } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeDiscord, type FakeDiscord } from '../../test/support/fake-discord.js';
import { collectingGarbageUntil } from '../../test/support/garbage-collection.js';
import { DiscordDeliveryError } from '../discord/webhook-client.js';
import { BotChannelDestination, nonceFor } from './bot-channel-destination.js';
import { MessageGoneError, UnconfirmedPostError } from './destination.js';

const CHANNEL = '456789012345678903';
const titled = (title: string) => ({ embeds: [{ title }] });

describe('BotChannelDestination against the fake Discord', () => {
  let discord: FakeDiscord;
  let destination: BotChannelDestination;

  beforeEach(async () => {
    discord = await startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1000 }, channelRateLimit: false });
    destination = new BotChannelDestination('bot', new REST({ api: discord.apiBase }).setToken('bot-token'), CHANNEL);
  });

  afterEach(() => discord.close());

  const deadline = (ms = 10_000) => Date.now() + ms;
  const messages = () => discord.messages({ channelId: CHANNEL });
  const failureOf = (pending: Promise<unknown>) => pending.then(() => undefined, (error: unknown) => error);

  it('uploads a picture as multipart and replaces it on edit', async () => {
    const png = (byte: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, byte]);
    const pictured = (title: string, byte: number) => ({
      embeds: [{ title, image: { url: 'attachment://graph.png' } }],
      attachments: [{ id: 0, filename: 'graph.png' }],
      files: [{ name: 'graph.png', contentType: 'image/png', data: png(byte) }],
    });
    const id = await destination.post(pictured('firing', 1), deadline(), { id: '9:0:g', retry: false });
    expect(messages()[0]?.attachments.map((file) => [...file.data])).toEqual([[...png(1)]]);
    expect(discord.requests[0]?.body).toMatchObject({ nonce: nonceFor(CHANNEL, '9:0:g'), attachments: [{ id: 0 }] });
    expect(discord.requests[0]?.body).not.toHaveProperty('files');
    await destination.edit(id, pictured('resolved', 2), deadline());
    expect(messages()[0]?.attachments.map((file) => [...file.data])).toEqual([[...png(2)]]);
    expect(messages()[0]?.embeds[0]?.image?.url).toBe(messages()[0]?.attachments[0]?.url);
  });

  it('posts with a nonce of the post key, enforced', async () => {
    const id = await destination.post(titled('firing'), deadline(), { id: '7:0:group', retry: false });
    expect(messages().map((message) => message.id)).toEqual([id]);
    expect(discord.requests[0]?.body).toMatchObject({ nonce: nonceFor(CHANNEL, '7:0:group'), enforce_nonce: true });
    expect(nonceFor(CHANNEL, '7:0:group')).toHaveLength(25);
    expect(nonceFor(CHANNEL, '7:1:group')).not.toBe(nonceFor(CHANNEL, '7:0:group'));
  });

  it('reports a 200 with garbage as unconfirmed; the repeat gets the same message back', async () => {
    discord.garbleNext(1);
    const error = await failureOf(destination.post(titled('firing'), deadline(), { id: '1:0:g', retry: false }));
    expect(error).toBeInstanceOf(DiscordDeliveryError);
    expect((error as DiscordDeliveryError).failure).toBe('unconfirmed');
    const id = await destination.post(titled('firing'), deadline(), { id: '1:0:g', retry: true });
    expect(messages()).toHaveLength(1);
    expect(messages()[0]?.id).toBe(id);
  });

  it('brings a repeat up to date: Discord answers it with the message as first sent', async () => {
    discord.garbleNext(1);
    await failureOf(destination.post(titled('v1 firing'), deadline(), { id: '2:0:g', retry: false }));
    // Meanwhile the entry took on the group's newer state.
    const id = await destination.post(titled('v2 resolved'), deadline(), { id: '2:0:g', retry: true });
    expect(messages()).toHaveLength(1);
    expect(messages()[0]).toMatchObject({ id, edits: 1, embeds: [{ title: 'v2 resolved' }] });
  });

  it('posts anew when the message an earlier attempt created was deleted since', async () => {
    discord.garbleNext(1);
    await failureOf(destination.post(titled('firing'), deadline(), { id: '3:0:g', retry: false }));
    const [first] = messages();
    await fetch(`${discord.apiBase}/v10/channels/${CHANNEL}/messages/${first?.id ?? ''}`, { method: 'DELETE', headers: { authorization: 'Bot bot-token' } });
    const id = await destination.post(titled('firing'), deadline(), { id: '3:0:g', retry: true });
    expect(id).not.toBe(first?.id);
    expect(messages().map((message) => message.id)).toEqual([id]);
    // That post is safe to repeat too.
    expect(await destination.post(titled('firing'), deadline(), { id: '3:0:g', retry: true })).toBe(id);
  });

  it('without a post key, an unconfirmed post cannot be repeated safely', async () => {
    discord.garbleNext(1);
    expect(await failureOf(destination.post(titled('firing'), deadline()))).toBeInstanceOf(UnconfirmedPostError);
  });

  it('ends a post Discord never answers at the deadline, under garbage collection', async () => {
    discord.hangNext(1);
    const started = performance.now();
    const error = await collectingGarbageUntil(failureOf(destination.post(titled('firing'), deadline(400), { id: '4:0:g', retry: false })));
    expect(performance.now() - started).toBeLessThan(3000);
    expect((error as DiscordDeliveryError).failure).toBe('unconfirmed');
  });

  it('reports an edit of a deleted message as gone', async () => {
    expect(await failureOf(destination.edit('123456789012345678', titled('x'), deadline()))).toBeInstanceOf(MessageGoneError);
  });
});

describe('BotChannelDestination with a thread per group in a text channel', () => {
  let discord: FakeDiscord;
  let destination: BotChannelDestination;
  const placement = { name: 'DiskFull', tags: [] };

  beforeEach(async () => {
    discord = await startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1000 }, channelRateLimit: false });
    destination = new BotChannelDestination('bot', new REST({ api: discord.apiBase }).setToken('bot-token'), CHANNEL, { threads: true });
  });

  afterEach(() => discord.close());

  const deadline = () => Date.now() + 10_000;
  const inChannel = () => discord.messages({ channelId: CHANNEL });
  const titles = (channelId: string) => discord.messages({ channelId }).map((message) => message.embeds[0]?.title);
  const withButton = (title: string) => ({
    ...titled(title),
    components: [{ type: 1 as const, components: [{ type: 2 as const, style: 2 as const, label: 'Silence', custom_id: 'silence:1h:g' }] }],
  });

  it('starts the thread from the first message, named after the group, and names both in the id', async () => {
    expect(destination.threads).toEqual({ firingTag: undefined, resolvedTag: undefined });
    const id = await destination.post({ ...titled('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: false });
    const summary = inChannel()[0];
    expect(id).toBe(`${summary?.id ?? ''}/${summary?.id ?? ''}`);
    expect(discord.threads({ parentId: CHANNEL })).toEqual([expect.objectContaining({ id: summary?.id, starterMessageId: summary?.id, name: 'DiskFull' })]);
    expect(discord.requests.find((request) => request.path.endsWith('/threads'))?.body).toMatchObject({ name: 'DiskFull' });
  });

  it('edits the summary in place and posts each update in the thread, without buttons; on resolve the last one, then archives', async () => {
    const id = await destination.post({ ...withButton('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: false });
    const threadId = id.split('/')[0] ?? '';
    expect(await destination.edit(id, { ...withButton('still firing'), thread: { ...placement, id: threadId } }, deadline())).toBeUndefined();
    expect(titles(CHANNEL)).toEqual(['still firing']);
    expect(inChannel()[0]?.components).toHaveLength(1);
    expect(titles(threadId)).toEqual(['still firing']);
    expect(discord.messages({ channelId: threadId })[0]?.components).toEqual([]);

    await destination.edit(id, { ...titled('resolved'), thread: { ...placement, id: threadId, close: { tags: [] } } }, deadline());
    expect(titles(CHANNEL)).toEqual(['resolved']);
    expect(titles(threadId)).toEqual(['still firing', 'resolved']);
    expect(discord.threads()[0]?.archived).toBe(true);
  });

  it('turns a later post of the group (a new alert, a repeat) into an edit of the summary and an update in the thread, once per post key', async () => {
    const id = await destination.post({ ...titled('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: false });
    const [threadId = '', messageId = ''] = id.split('/');
    const later = { ...titled('2 firing'), thread: { ...placement, id: threadId, messageId } };
    expect(await destination.post(later, deadline(), { id: '2:0:g', retry: false })).toBe(id);
    expect(await destination.post(later, deadline(), { id: '2:0:g', retry: true })).toBe(id);
    expect(titles(CHANNEL)).toEqual(['2 firing']);
    expect(titles(threadId)).toEqual(['2 firing']);
  });

  it('posts a new summary with a new thread when the summary was deleted', async () => {
    const id = await destination.post({ ...titled('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: false });
    const [threadId = '', messageId = ''] = id.split('/');
    const deleted = await fetch(`${discord.apiBase}/v10/channels/${CHANNEL}/messages/${messageId}`, { method: 'DELETE', headers: { authorization: 'Bot bot-token' } });
    expect(deleted.status).toBe(204);
    const again = await destination.post({ ...titled('2 firing'), thread: { ...placement, id: threadId, messageId } }, deadline(), { id: '2:0:g', retry: false });
    expect(again).not.toBe(id);
    expect(titles(CHANNEL)).toEqual(['2 firing']);
    expect(discord.threads({ parentId: CHANNEL })).toHaveLength(2);
  });

  it('starts a new thread when the group thread was deleted (with the message\'s id again, so the living id stays)', async () => {
    const id = await destination.post({ ...titled('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: false });
    const threadId = id.split('/')[0] ?? '';
    discord.deleteThread(threadId);
    const replaced = await destination.edit(id, { ...titled('still firing'), thread: { ...placement, id: threadId } }, deadline());
    expect(replaced).toBeUndefined();
    expect(discord.threads({ parentId: CHANNEL })).toEqual([expect.objectContaining({ id: threadId, name: 'DiskFull', archived: false })]);
    expect(titles(threadId)).toEqual(['still firing']);
  });

  it('starts the thread on the next edit when the living message has none yet', async () => {
    const plain = await new BotChannelDestination('bot', new REST({ api: discord.apiBase }).setToken('bot-token'), CHANNEL).post(titled('firing'), deadline());
    const replaced = await destination.edit(plain, { ...titled('still firing'), thread: placement }, deadline());
    expect(replaced).toBe(`${plain}/${plain}`);
    expect(titles(plain)).toEqual(['still firing']);
  });

  it('takes the thread an earlier attempt started (160004) as the message\'s own', async () => {
    const id = await destination.post({ ...titled('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: false });
    expect(await destination.post({ ...titled('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: true })).toBe(id);
    expect(inChannel()).toHaveLength(1);
    expect(discord.threads()).toHaveLength(1);
  });

  it('goes on without a thread when the bot may not start one, and tries again on the next notification', async () => {
    let refusing = true;
    const startThreads = discord.requests.length;
    discord.addRoute('POST', '/channels/:channelId/messages/:messageId/threads', () =>
      refusing ? { status: 403, body: { code: 50013, message: 'Missing Permissions' } } : { status: 201, body: { id: inChannel()[0]?.id, type: 11 } },
    );
    const id = await destination.post({ ...titled('firing'), thread: placement }, deadline(), { id: '1:0:g', retry: false });
    expect(id).toMatch(/^\d+$/);
    expect(titles(CHANNEL)).toEqual(['firing']);
    refusing = false;
    expect(await destination.edit(id, { ...titled('resolved'), thread: placement }, deadline())).toBe(`${id}/${id}`);
    expect(discord.requests.slice(startThreads).filter((request) => request.path.endsWith('/threads'))).toHaveLength(2);
  });

  it('without threads, a placement changes nothing', async () => {
    const plain = new BotChannelDestination('bot', new REST({ api: discord.apiBase }).setToken('bot-token'), CHANNEL);
    const id = await plain.post({ ...titled('firing'), thread: placement }, deadline());
    expect(id).toMatch(/^\d+$/);
    expect(await plain.edit(id, { ...titled('again'), thread: { ...placement, id } }, deadline())).toBeUndefined();
    expect(discord.threads()).toEqual([]);
  });
});
