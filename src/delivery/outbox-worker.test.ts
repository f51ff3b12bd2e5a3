import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiscordDeliveryError } from '../discord/webhook-client.js';
import type { DiscordMessage } from '../discord/types.js';
import type { Notification } from '../engine/notification.js';
import { openDatabase, type Db } from '../store/database.js';
import { OutboxStore } from '../store/outbox-store.js';
import { FakeTime } from '../../test/support/fake-time.js';
import { StorageUnavailableError } from '../util/storage-unavailable.js';
import { MessageGoneError, UnconfirmedPostError, type Destination, type PostKey } from './destination.js';
import { OutboxWorker } from './outbox-worker.js';
import type { OutboxEntry } from './ports.js';

/** A destination that records what it was asked to do and fails on request. */
class RecordingDestination implements Destination {
  readonly name = 'test';
  readonly calls: Array<{ op: 'post' | 'edit'; id: string; title: string | undefined }> = [];
  readonly failures: Error[] = [];
  /** Every call fails with this while set: Discord is down. */
  outage: Error | undefined;
  readonly goneMessages = new Set<string>();
  /** An edit of one of these answers the living message's new id (a thread started anew). */
  readonly renamedOnEdit = new Map<string, string>();
  /** The key of every post attempt, failed ones included. */
  readonly keys: Array<PostKey | undefined> = [];
  private next = 1;

  private failure(): Error | undefined {
    return this.outage ?? this.failures.shift();
  }

  post(message: DiscordMessage, _deadline: number, key?: PostKey): Promise<string> {
    this.keys.push(key);
    const failure = this.failure();
    if (failure) return Promise.reject(failure);
    const id = String(this.next++);
    this.calls.push({ op: 'post', id, title: message.embeds?.[0]?.title });
    return Promise.resolve(id);
  }

  edit(id: string, message: DiscordMessage): Promise<string | undefined> {
    const failure = this.failure();
    if (failure) return Promise.reject(failure);
    if (this.goneMessages.has(id)) return Promise.reject(new MessageGoneError(id));
    this.calls.push({ op: 'edit', id, title: message.embeds?.[0]?.title });
    return Promise.resolve(this.renamedOnEdit.get(id));
  }
}

const notification = (groupKey: string, title: string): Notification => ({
  route: 'default',
  groupKey,
  receiver: 'test',
  groupLabels: { alertname: title },
  externalUrl: '',
  at: 0,
  firing: [],
  resolved: [],
  newlyFiring: [],
  reason: 'first',
});

/** The outbox, refusing the next `failures[method]` calls of a method as a full disk would. */
function refusingOutbox(outbox: OutboxStore, failures: Partial<Record<'sending' | 'delivered', number>>): OutboxStore {
  return new Proxy(outbox, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const name = String(property) as 'sending' | 'delivered';
      return (...args: unknown[]) => {
        const left = failures[name] ?? 0;
        if (left > 0) {
          failures[name] = left - 1;
          return Promise.reject(new StorageUnavailableError('database or disk is full'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('OutboxWorker', () => {
  let db: Db;
  let outbox: OutboxStore;
  let time: FakeTime;
  let destination: RecordingDestination;
  let worker: OutboxWorker;
  let outcomes: string[];
  let settled: () => void;

  beforeEach(() => {
    db = openDatabase(':memory:');
    outbox = new OutboxStore(db);
    time = new FakeTime();
    destination = new RecordingDestination();
    outcomes = [];
    settled = () => undefined;
    worker = workerOn(outbox);
  });

  /** A worker on this outbox, reporting to `outcomes`. */
  const workerOn = (store: OutboxStore): OutboxWorker =>
    new OutboxWorker({
      destination,
      outbox: store,
      // The test's "rendering" is the group label, so each call shows which state was sent.
      render: (entry: OutboxEntry) => ({ embeds: [{ title: entry.notification.groupLabels.alertname }] }),
      clock: time,
      sleep: time.sleep,
      logger: pino({ level: 'silent' }),
      attemptTimeoutMs: 1000,
      retry: { initialMs: 1000, maxMs: 8000 },
      onDelivered: (entry) => {
        outcomes.push(`delivered ${entry.id}`);
        settled();
      },
      onFailed: (entry, reason) => {
        outcomes.push(`failed ${entry.id} ${reason}`);
        settled();
      },
    });

  afterEach(async () => {
    await worker.stop();
    db.close();
  });

  /** Resolves once `count` entries have settled (delivered, failed or set aside), in total. */
  const handled = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => outcomes.length >= count && resolve();
      settled = check;
      check();
    });
  const depth = async () => (await outbox.depth()).reduce((sum, row) => sum + (row.state === 'pending' ? row.count : 0), 0);

  it('posts the first notification of a group and edits that message afterwards', async () => {
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    worker.start();
    await handled(1);
    await outbox.enqueue('test', 'edit', notification('g1', 'v2'), time.now());
    worker.notify();
    await handled(2);
    expect(destination.calls).toEqual([
      { op: 'post', id: '1', title: 'v1' },
      { op: 'edit', id: '1', title: 'v2' },
    ]);
    expect(await outbox.livingMessage('test', 'g1')).toBe('1');
    expect(await depth()).toBe(0);
  });

  it('keeps the new id an edit answers as the living message, and edits under it next', async () => {
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    worker.start();
    await handled(1);
    destination.renamedOnEdit.set('1', '7/1');
    await outbox.enqueue('test', 'edit', notification('g1', 'v2'), time.now());
    worker.notify();
    await handled(2);
    expect(await outbox.livingMessage('test', 'g1')).toBe('7/1');
    await outbox.enqueue('test', 'edit', notification('g1', 'v3'), time.now());
    worker.notify();
    await handled(3);
    expect(destination.calls.map((call) => `${call.op} ${call.id}`)).toEqual(['post 1', 'edit 1', 'edit 7/1']);
  });

  it('merges waiting notifications of one group into one message with the newest state', async () => {
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    await outbox.enqueue('test', 'edit', notification('g1', 'v2'), time.now());
    await outbox.enqueue('test', 'post', notification('g2', 'other'), time.now());
    await outbox.enqueue('test', 'edit', notification('g1', 'v3'), time.now());
    worker.start();
    await handled(2);
    expect(destination.calls.map((call) => `${call.op} ${call.title}`)).toEqual(['post v3', 'post other']);
  });

  it('posts anew when the living message was deleted in Discord', async () => {
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    worker.start();
    await handled(1);
    destination.goneMessages.add('1');
    await outbox.enqueue('test', 'edit', notification('g1', 'v2'), time.now());
    worker.notify();
    await handled(2);
    expect(destination.calls[1]).toEqual({ op: 'post', id: '2', title: 'v2' });
    expect(await outbox.livingMessage('test', 'g1')).toBe('2');
  });

  it('keeps an entry through failures, retrying with growing waits, and keeps order', async () => {
    const outage = () => new DiscordDeliveryError('Discord answered 503', 'unavailable', 503);
    destination.failures.push(outage(), outage(), outage());
    await outbox.enqueue('test', 'post', notification('g1', 'first'), time.now());
    await outbox.enqueue('test', 'post', notification('g2', 'second'), time.now());
    worker.start();
    await handled(5);
    expect(destination.calls.map((call) => call.title)).toEqual(['first', 'second']);
    expect(time.waits).toEqual([1000, 2000, 4000]);
    expect(outcomes.filter((outcome) => outcome.startsWith('failed'))).toHaveLength(3);
    expect(await depth()).toBe(0);
  });

  it('sets aside a message Discord refuses for good, and delivers the ones behind it', async () => {
    destination.failures.push(new DiscordDeliveryError('rejected the message (400 Invalid Form Body, code 50035)', 'rejected', 400, 50035));
    await outbox.enqueue('test', 'post', notification('g1', 'bad'), time.now());
    await outbox.enqueue('test', 'post', notification('g2', 'good'), time.now());
    worker.start();
    await handled(2);
    expect(destination.calls.map((call) => call.title)).toEqual(['good']);
    expect(await outbox.depth()).toEqual([{ destination: 'test', state: 'dead', count: 1 }]);
    expect(outcomes[0]).toMatch(/^failed \d+ rejected$/);
  });

  it('does not post again after an unconfirmed post; the next notification of the group posts anew', async () => {
    destination.failures.push(new UnconfirmedPostError('Discord answered 200 without the message'));
    await outbox.enqueue('test', 'post', notification('g1', 'firing'), time.now());
    worker.start();
    await handled(1);
    expect(outcomes[0]).toMatch(/^failed \d+ unconfirmed$/);
    expect(await depth()).toBe(0);
    expect(await outbox.livingMessage('test', 'g1')).toBeUndefined();
    await outbox.enqueue('test', 'edit', notification('g1', 'resolved'), time.now());
    worker.notify();
    await handled(2);
    expect(destination.calls).toEqual([{ op: 'post', id: '1', title: 'resolved' }]);
    expect(destination.keys).toHaveLength(2);
  });

  it('gives each post a key that stays the same across retries and says it is a retry', async () => {
    destination.failures.push(new DiscordDeliveryError('no answer in time', 'unconfirmed'));
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    await outbox.enqueue('test', 'post', notification('g2', 'other'), time.now());
    worker.start();
    await handled(3);
    const [first, retried, other] = destination.keys;
    expect(first?.retry).toBe(false);
    expect(retried).toEqual({ id: first?.id, retry: true });
    expect(other?.id).not.toBe(first?.id);
    expect(outcomes[0]).toMatch(/^failed \d+ unconfirmed$/);
    expect(destination.calls.map((call) => call.title)).toEqual(['v1', 'other']);
  });

  it('leaves an undelivered entry in the outbox when stopped, for the next start', async () => {
    destination.outage = new DiscordDeliveryError('down', 'unavailable', 503);
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    worker.start();
    await handled(1);
    await worker.stop();
    expect(await depth()).toBe(1);
    expect(destination.calls).toEqual([]);
  });

  it('sends nothing while the start of a delivery cannot be recorded, and sends it once storage takes writes', async () => {
    await worker.stop();
    worker = workerOn(refusingOutbox(outbox, { sending: 3 }));
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    worker.start();
    await handled(1);
    expect(destination.calls).toEqual([{ op: 'post', id: '1', title: 'v1' }]);
    expect(time.waits).toEqual([1000, 2000, 4000]);
  });

  it('records a delivery Discord has once storage takes writes, without sending it again', async () => {
    await worker.stop();
    worker = workerOn(refusingOutbox(outbox, { delivered: 3 }));
    await outbox.enqueue('test', 'post', notification('g1', 'v1'), time.now());
    worker.start();
    await handled(1);
    expect(destination.calls).toHaveLength(1);
    expect(await depth()).toBe(0);
    expect(await outbox.livingMessage('test', 'g1')).toBe('1');
    expect(time.waits).toEqual([1000, 2000, 4000]);
  });

  it('does not miss a notification queued while it reads the outbox', async () => {
    await worker.stop();
    // The first read finds nothing, and answers only after something was queued and notified.
    let release: () => void = () => undefined;
    let reading: () => void = () => undefined;
    const readStarted = new Promise<void>((resolve) => (reading = resolve));
    let reads = 0;
    const slowFirstRead = new Proxy(outbox, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property !== 'head') return (value as (...args: unknown[]) => unknown).bind(target);
        return async (destinationName: string) => {
          const found = await target.head(destinationName);
          reads += 1;
          if (reads === 1) {
            reading();
            await new Promise<void>((resolve) => (release = resolve));
          }
          return found;
        };
      },
    });
    worker = workerOn(slowFirstRead);
    worker.start();
    await readStarted;
    await outbox.enqueue('test', 'post', notification('g1', 'queued during the read'), time.now());
    worker.notify();
    release();
    await vi.waitFor(() => expect(destination.calls).toHaveLength(1), { timeout: 2000, interval: 10 });
  });
});
