import { afterEach, describe, expect, it } from 'vitest';
import { ManualTime } from '../../test/support/manual-time.js';
import type { DiscordMessage } from '../discord/types.js';
import { DiscordDeliveryError } from '../discord/webhook-client.js';
import { createLogger } from '../log/logger.js';
import { MessageGoneError, type Destination, type PostKey } from './destination.js';
import { StatusBoard, type StatusBoardStore } from './status-board.js';

const CHANNEL = '300000000000000001';
const INTERVAL = 300_000;

/** A channel as the board sees it: messages by id, and every call in order. */
class FakeChannel implements Destination {
  readonly name = 'board';
  readonly messages = new Map<string, DiscordMessage>();
  readonly calls: string[] = [];
  readonly keys: PostKey[] = [];
  /** The next calls fail with these, in order. */
  failures: Error[] = [];
  private nextId = 1;

  post(message: DiscordMessage, _deadline: number, key?: PostKey): Promise<string> {
    this.calls.push('post');
    if (key) this.keys.push(key);
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    const id = String(this.nextId++);
    this.messages.set(id, message);
    return Promise.resolve(id);
  }

  edit(messageId: string, message: DiscordMessage): Promise<void> {
    this.calls.push(`edit ${messageId}`);
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    if (!this.messages.has(messageId)) return Promise.reject(new MessageGoneError(`message ${messageId} no longer exists`));
    this.messages.set(messageId, message);
    return Promise.resolve();
  }
}

class MemoryStore implements StatusBoardStore {
  readonly ids = new Map<string, string>();
  messageId(channelId: string): Promise<string | undefined> {
    return Promise.resolve(this.ids.get(channelId));
  }
  save(channelId: string, messageId: string): Promise<void> {
    this.ids.set(channelId, messageId);
    return Promise.resolve();
  }
}

let boards: StatusBoard[] = [];
afterEach(async () => {
  await Promise.all(boards.map((board) => board.stop()));
  boards = [];
});

function board(channel: FakeChannel, store: StatusBoardStore, time: ManualTime, extra: { mayAct?: () => boolean; renderMs?: number } = {}): StatusBoard {
  let renders = 0;
  const created = new StatusBoard({
    channelId: CHANNEL,
    destination: channel,
    store,
    render: async () => {
      renders += 1;
      if (extra.renderMs) await time.sleep(extra.renderMs);
      return { embeds: [{ title: `Status ${renders}` }] };
    },
    intervalMs: INTERVAL,
    requestTimeoutMs: 10_000,
    clock: time,
    sleep: time.sleep,
    logger: createLogger({ level: 'silent', format: 'json' }),
    ...(extra.mayAct ? { mayAct: extra.mayAct } : {}),
  });
  boards.push(created);
  return created;
}

describe('the status board', () => {
  it('posts once, then edits that message every interval and never sooner', async () => {
    const time = new ManualTime(1_000_000);
    const channel = new FakeChannel();
    const store = new MemoryStore();
    board(channel, store, time).start();
    await time.advance(0);
    expect(channel.calls).toEqual(['post']);
    expect(store.ids.get(CHANNEL)).toBe('1');

    await time.advance(INTERVAL - 1);
    expect(channel.calls).toEqual(['post']);
    await time.advance(1);
    expect(channel.calls).toEqual(['post', 'edit 1']);
    await time.advance(2 * INTERVAL);
    expect(channel.calls).toEqual(['post', 'edit 1', 'edit 1', 'edit 1']);
    expect(channel.messages.get('1')?.embeds?.[0]?.title).toBe('Status 4');
    expect(channel.messages.size).toBe(1);
  });

  it('keeps its pace when a refresh is slow: the next one starts an interval after the last began', async () => {
    const time = new ManualTime(0);
    const channel = new FakeChannel();
    board(channel, new MemoryStore(), time, { renderMs: 20_000 }).start();
    await time.advance(20_000);
    expect(channel.calls).toEqual(['post']);
    await time.advance(INTERVAL - 1);
    expect(channel.calls).toEqual(['post']);
    await time.advance(1);
    expect(channel.calls).toEqual(['post', 'edit 1']);
  });

  it('edits the stored message after a restart instead of posting another', async () => {
    const time = new ManualTime(0);
    const channel = new FakeChannel();
    const store = new MemoryStore();
    const first = board(channel, store, time);
    first.start();
    await time.advance(0);
    await first.stop();

    board(channel, store, time).start();
    await time.advance(0);
    expect(channel.calls).toEqual(['post', 'edit 1']);
    expect(channel.messages.size).toBe(1);
  });

  it('posts anew when the message was deleted, and edits the new one from then on', async () => {
    const time = new ManualTime(0);
    const channel = new FakeChannel();
    const store = new MemoryStore();
    board(channel, store, time).start();
    await time.advance(0);
    channel.messages.delete('1');
    await time.advance(INTERVAL);
    expect(channel.calls).toEqual(['post', 'edit 1', 'post']);
    expect(store.ids.get(CHANNEL)).toBe('2');
    await time.advance(INTERVAL);
    expect(channel.calls.at(-1)).toBe('edit 2');
  });

  it('never reposts when an edit fails otherwise (rate limited, Discord down): the next interval edits again', async () => {
    const time = new ManualTime(0);
    const channel = new FakeChannel();
    board(channel, new MemoryStore(), time).start();
    await time.advance(0);
    channel.failures = [new DiscordDeliveryError('channel: 429 You are being rate limited.', 'unavailable', 429)];
    await time.advance(INTERVAL);
    expect(channel.calls).toEqual(['post', 'edit 1']);
    await time.advance(INTERVAL);
    expect(channel.calls).toEqual(['post', 'edit 1', 'edit 1']);
    expect(channel.messages.size).toBe(1);
  });

  it('repeats a post whose outcome is unknown under the same key, so Discord can answer it with the first', async () => {
    const time = new ManualTime(0);
    const channel = new FakeChannel();
    board(channel, new MemoryStore(), time).start();
    channel.failures = [new DiscordDeliveryError('channel: no answer in time; Discord may have the message', 'unconfirmed')];
    await time.advance(0);
    await time.advance(INTERVAL);
    expect(channel.calls).toEqual(['post', 'post']);
    expect(channel.keys.map((key) => key.retry)).toEqual([false, true]);
    expect(channel.keys[1]?.id).toBe(channel.keys[0]?.id);
  });

  it('sends nothing while this replica may not act', async () => {
    const time = new ManualTime(0);
    const channel = new FakeChannel();
    let leading = false;
    board(channel, new MemoryStore(), time, { mayAct: () => leading }).start();
    await time.advance(INTERVAL);
    expect(channel.calls).toEqual([]);
    leading = true;
    await time.advance(INTERVAL);
    expect(channel.calls).toEqual(['post']);
  });
});
