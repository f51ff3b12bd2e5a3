import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DiscordMessage } from '../discord/types.js';
import type { EngineAlert } from '../engine/alert.js';
import type { Notification } from '../engine/notification.js';
import { isDigest, renderDigest } from '../render/storm-digest.js';
import { openDatabase, type Db } from '../store/database.js';
import { OutboxStore } from '../store/outbox-store.js';
import { FakeTime } from '../../test/support/fake-time.js';
import type { Destination } from './destination.js';
import { OutboxWorker } from './outbox-worker.js';
import type { OutboxEntry } from './ports.js';
import { StormDigestOutbox } from './storm-digest-outbox.js';

/** Records every post and edit, with the message's text. */
class RecordingDestination implements Destination {
  readonly name = 'test';
  readonly calls: Array<{ op: 'post' | 'edit'; id: string; text: string }> = [];
  private next = 1;

  post(message: DiscordMessage): Promise<string> {
    const id = String(this.next++);
    this.calls.push({ op: 'post', id, text: textOf(message) });
    return Promise.resolve(id);
  }

  edit(id: string, message: DiscordMessage): Promise<void> {
    this.calls.push({ op: 'edit', id, text: textOf(message) });
    return Promise.resolve();
  }
}

const textOf = (message: DiscordMessage): string =>
  [message.content ?? '', ...(message.embeds ?? []).flatMap((embed) => [embed.title ?? '', embed.description ?? ''])].join('\n');

const alert = (name: string, instance: number, severity: string): EngineAlert => ({
  fingerprint: `${name}-${instance}`,
  labels: { alertname: name, instance: `host-${instance}`, severity },
  annotations: {},
  startsAt: 0,
  endsAt: 0,
  endsAtIsTimeout: true,
  generatorURL: '',
  updatedAt: 0,
});

const group = (index: number, alerts = 25): Notification => {
  const name = `Alert${index}`;
  const severity = index % 4 === 0 ? 'critical' : 'warning';
  return {
    route: 'default',
    groupKey: `{}:{alertname="${name}"}`,
    receiver: 'test',
    groupLabels: { alertname: name },
    externalUrl: '',
    at: 0,
    firing: Array.from({ length: alerts }, (_, instance) => alert(name, instance, severity)),
    resolved: [],
    newlyFiring: [],
    reason: 'first',
  };
};

describe('StormDigestOutbox', () => {
  let db: Db;
  let store: OutboxStore;
  let time: FakeTime;
  let destination: RecordingDestination;
  const workers: OutboxWorker[] = [];

  beforeEach(() => {
    db = openDatabase(':memory:');
    store = new OutboxStore(db);
    time = new FakeTime();
    destination = new RecordingDestination();
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    db.close();
  });

  const digestsOver = (outbox: OutboxStore): StormDigestOutbox =>
    new StormDigestOutbox(outbox, { thresholdMs: 10_000, clock: time, logger: pino({ level: 'silent' }) });

  const start = (outbox: StormDigestOutbox): void => {
    const worker = new OutboxWorker({
      destination,
      outbox,
      render: (entry: OutboxEntry) => (isDigest(entry.notification) ? renderDigest(entry.notification) : { content: entry.notification.groupKey }),
      clock: time,
      // The fake Discord's rate limit is not modelled here: each delivery takes 400 ms, as 5 per 2 s would.
      sleep: time.sleep,
      logger: pino({ level: 'silent' }),
      attemptTimeoutMs: 1000,
      retry: { initialMs: 1000, maxMs: 8000 },
      onDelivered: () => time.advance(400),
    });
    workers.push(worker);
    worker.start();
  };

  const drained = async (): Promise<void> => {
    await vi.waitFor(async () => expect((await store.waiting('test')).length).toBe(0), { timeout: 5_000, interval: 5 });
  };

  it('posts one digest naming every waiting group first, then each group once, then says the storm is over', async () => {
    for (let index = 0; index < 40; index += 1) await store.enqueue('test', 'post', group(index), time.now());
    start(digestsOver(store));
    await drained();
    const posts = destination.calls.filter((call) => call.op === 'post');
    expect(posts).toHaveLength(41);
    const [digest] = posts;
    expect(digest?.text).toContain('Alert storm: 40 groups (1,000 alerts)');
    for (let index = 0; index < 40; index += 1) expect(digest?.text).toMatch(new RegExp(`\\*\\*Alert${index}\\*\\* — 25 alerts`));
    expect(digest?.text).toContain('critical: 10 groups');
    expect(digest?.text).toContain('warning: 30 groups');
    expect(posts.slice(1).map((call) => call.text)).toEqual(Array.from({ length: 40 }, (_, index) => group(index).groupKey));
    expect(destination.calls.at(-1)).toMatchObject({ op: 'edit', id: digest?.id });
    expect(destination.calls.at(-1)?.text).toContain('Storm over: 40 groups (1,000 alerts)');
  });

  it('posts no digest when the waiting posts drain within the threshold', async () => {
    for (let index = 0; index < 20; index += 1) await store.enqueue('test', 'post', group(index), time.now());
    start(digestsOver(store));
    await drained();
    expect(destination.calls).toHaveLength(20);
    expect(destination.calls.every((call) => !call.text.includes('storm'))).toBe(true);
  });

  it('adds the groups that start waiting during the storm to the digest by an edit, at most every 2 s', async () => {
    for (let index = 0; index < 35; index += 1) await store.enqueue('test', 'post', group(index), time.now());
    const digests = digestsOver(store);
    const digest = await digests.head('test');
    expect(digest && isDigest(digest.notification)).toBe(true);
    expect(digest?.notification.firing).toHaveLength(35);
    if (!digest) return;
    await digests.sending(digest, time.now());
    await digests.delivered(digest, 'digest-message', time.now());
    for (let index = 35; index < 40; index += 1) await store.enqueue('test', 'post', group(index), time.now());
    time.advance(1_000);
    // Too soon for an edit: the groups' own posts go on.
    expect((await digests.head('test'))?.groupKey).toBe(group(0).groupKey);
    time.advance(1_000);
    const update = await digests.head('test');
    expect(update).toMatchObject({ kind: 'edit', groupKey: digest.groupKey });
    expect(update?.notification.firing.map((entry) => entry.labels.alertname)).toEqual(Array.from({ length: 40 }, (_, index) => `Alert${index}`));
    expect(await store.livingMessage('test', digest.groupKey)).toBe('digest-message');
  });

  it('delivers a digest queued before a crash first and once, by the next process', async () => {
    for (let index = 0; index < 40; index += 1) await store.enqueue('test', 'post', group(index), time.now());
    // The first process queues the digest and dies before sending it.
    await digestsOver(store).head('test');
    const restarted = new OutboxStore(db);
    start(digestsOver(restarted));
    await drained();
    const posts = destination.calls.filter((call) => call.op === 'post');
    expect(posts[0]?.text).toContain('Alert storm: 40 groups');
    expect(posts.filter((call) => call.text.includes('Alert storm'))).toHaveLength(1);
    expect(posts).toHaveLength(41);
  });
});
