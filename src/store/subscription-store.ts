import type { DirectNotice, Subscription, SubscriptionRepository } from '../incidents/subscriptions.js';
import { dmDestination } from '../incidents/subscriptions.js';
import type { Db } from './database.js';
import type { OutboxStore } from './outbox-store.js';
import { commit, settle } from './settle.js';
import { StorageHealth } from './storage-health.js';

interface Row {
  id: number;
  user_id: string;
  matchers: string;
  created_at: number;
}

const toSubscription = (row: Row): Subscription => ({ id: row.id, userId: row.user_id, matchers: row.matchers, createdAt: row.created_at });

/** Subscriptions in SQLite; a notice is claimed in the transaction that queues its DM. */
export class SubscriptionStore implements SubscriptionRepository {
  private readonly statements;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    this.statements = {
      insert: db.prepare('INSERT INTO subscriptions (user_id, matchers, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id, matchers) DO NOTHING'),
      find: db.prepare<[string, string], Row>('SELECT * FROM subscriptions WHERE user_id = ? AND matchers = ?'),
      removeOne: db.prepare('DELETE FROM subscriptions WHERE user_id = ? AND id = ?'),
      removeAll: db.prepare('DELETE FROM subscriptions WHERE user_id = ?'),
      ofUser: db.prepare<[string], Row>('SELECT * FROM subscriptions WHERE user_id = ? ORDER BY id'),
      list: db.prepare<[], Row>('SELECT * FROM subscriptions ORDER BY id'),
      claim: db.prepare('INSERT INTO subscription_notices (user_id, ref, firing_since, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      prune: db.prepare('DELETE FROM subscription_notices WHERE ref NOT IN (SELECT ref FROM incidents)'),
    };
  }

  async subscribe(userId: string, matchers: string, now: number): Promise<Subscription> {
    let row: Row | undefined;
    await commit(this.health, () => {
      this.statements.insert.run(userId, matchers, now);
      row = this.statements.find.get(userId, matchers);
    });
    if (!row) throw new Error('the subscription was not recorded');
    return toSubscription(row);
  }

  async unsubscribe(userId: string, id?: number): Promise<number> {
    let removed = 0;
    await commit(this.health, () => {
      removed = (id === undefined ? this.statements.removeAll.run(userId) : this.statements.removeOne.run(userId, id)).changes;
    });
    return removed;
  }

  ofUser(userId: string): Promise<Subscription[]> {
    return settle(() => this.statements.ofUser.all(userId).map(toSubscription));
  }

  list(): Promise<Subscription[]> {
    return settle(() => this.statements.list.all().map(toSubscription));
  }

  async notify(notice: DirectNotice, now: number): Promise<boolean> {
    let queued = false;
    await commit(this.health, () => {
      this.db.transaction(() => {
        queued = this.statements.claim.run(notice.userId, notice.ref, notice.firingSince, now).changes === 1;
        if (queued) this.outbox.enqueueNow(dmDestination(notice.userId), 'post', notice.notification, now);
      })();
    });
    return queued;
  }

  prune(): Promise<void> {
    return commit(this.health, () => {
      this.statements.prune.run();
    });
  }
}
