import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualTime, settle } from '../../test/support/manual-time.js';
import type { WebhookPayload } from '../alertmanager/webhook.js';
import { InboxDrain, type QueuedWebhook, type WebhookInbox } from './inbox.js';

const payload = (groupKey: string): WebhookPayload => ({ groupKey }) as unknown as WebhookPayload;

/** The inbox as the database keeps it; `failing` makes the next calls reject as an outage would. */
class MemoryInbox implements WebhookInbox {
  rows: QueuedWebhook[] = [];
  private nextId = 1;
  failing = 0;

  append(webhook: WebhookPayload): Promise<void> {
    this.rows.push({ id: this.nextId++, payload: webhook });
    return Promise.resolve();
  }

  oldest(limit: number): Promise<QueuedWebhook[]> {
    if (this.failing > 0) {
      this.failing -= 1;
      return Promise.reject(new Error('storage is not accepting writes'));
    }
    return Promise.resolve(this.rows.slice(0, limit));
  }

  remove(ids: readonly number[]): Promise<void> {
    this.rows = this.rows.filter((row) => !ids.includes(row.id));
    return Promise.resolve();
  }
}

function drainOf(inbox: WebhookInbox, time: ManualTime, apply: (webhook: WebhookPayload) => Promise<void>): InboxDrain {
  return new InboxDrain({ inbox, apply, sleep: time.sleep, logger: pino({ level: 'silent' }), pollIntervalMs: 250, retry: { initialMs: 500, maxMs: 10_000 } });
}

describe('InboxDrain', () => {
  it('applies queued webhooks oldest first, and removes each only once it was applied', async () => {
    const time = new ManualTime();
    const inbox = new MemoryInbox();
    const applied: string[] = [];
    let holdSecond = (): void => undefined;
    const drain = drainOf(inbox, time, (webhook) => {
      applied.push(webhook.groupKey);
      if (webhook.groupKey === 'b') return new Promise((resolve) => (holdSecond = resolve));
      return Promise.resolve();
    });
    await inbox.append(payload('a'));
    await inbox.append(payload('b'));
    drain.start();
    await settle();
    // b is being applied: neither is removed yet, so a leader dying now leaves both for the next.
    expect(applied).toEqual(['a', 'b']);
    expect(inbox.rows.map((row) => row.payload.groupKey)).toEqual(['a', 'b']);
    holdSecond();
    await settle();
    expect(inbox.rows).toEqual([]);
    await drain.stop();
  });

  it("picks up other replicas' webhooks by polling, and its own at once when woken", async () => {
    const time = new ManualTime();
    const inbox = new MemoryInbox();
    const applied: string[] = [];
    const drain = drainOf(inbox, time, (webhook) => {
      applied.push(webhook.groupKey);
      return Promise.resolve();
    });
    drain.start();
    await settle();
    await inbox.append(payload('from-another-replica'));
    await settle();
    expect(applied).toEqual([]);
    await time.advance(250);
    expect(applied).toEqual(['from-another-replica']);

    await inbox.append(payload('own'));
    drain.wake();
    await settle();
    expect(applied).toEqual(['from-another-replica', 'own']);
    await drain.stop();
  });

  it('waits out storage that cannot answer, with growing pauses, and then goes on', async () => {
    const time = new ManualTime();
    const inbox = new MemoryInbox();
    const applied: string[] = [];
    await inbox.append(payload('a'));
    inbox.failing = 3;
    const drain = drainOf(inbox, time, (webhook) => {
      applied.push(webhook.groupKey);
      return Promise.resolve();
    });
    drain.start();
    await time.advance(500 + 1_000 - 1);
    expect(applied).toEqual([]);
    await time.advance(1 + 2_000);
    expect(applied).toEqual(['a']);
    expect(inbox.rows).toEqual([]);
    await drain.stop();
  });
});
