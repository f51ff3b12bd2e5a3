import type { DirectNotice, Subscription, SubscriptionRepository } from '../../incidents/subscriptions.js';
import { dmDestination } from '../../incidents/subscriptions.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresOutboxStore } from './outbox-store.js';

interface Row {
  id: number;
  user_id: string;
  matchers: string;
  created_at: number;
}

const toSubscription = (row: Row): Subscription => ({ id: row.id, userId: row.user_id, matchers: row.matchers, createdAt: row.created_at });

/** Subscriptions in PostgreSQL: the same rules as the SQLite store (store/subscription-store.ts). */
export class PostgresSubscriptionStore implements SubscriptionRepository {
  constructor(
    private readonly db: PostgresDatabase,
    private readonly outbox: PostgresOutboxStore,
  ) {}

  async subscribe(userId: string, matchers: string, now: number): Promise<Subscription> {
    let row: Row | undefined;
    await this.db.write(async (sql) => {
      await sql.query('INSERT INTO subscriptions (user_id, matchers, created_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, matchers) DO NOTHING', [userId, matchers, now]);
      row = (await sql.query<Row>('SELECT * FROM subscriptions WHERE user_id = $1 AND matchers = $2', [userId, matchers])).rows[0];
    });
    if (!row) throw new Error('the subscription was not recorded');
    return toSubscription(row);
  }

  async unsubscribe(userId: string, id?: number): Promise<number> {
    let removed = 0;
    await this.db.write(async (sql) => {
      const result =
        id === undefined
          ? await sql.query('DELETE FROM subscriptions WHERE user_id = $1', [userId])
          : await sql.query('DELETE FROM subscriptions WHERE user_id = $1 AND id = $2', [userId, id]);
      removed = result.rowCount ?? 0;
    });
    return removed;
  }

  ofUser(userId: string): Promise<Subscription[]> {
    return this.db.read(async (sql) => (await sql.query<Row>('SELECT * FROM subscriptions WHERE user_id = $1 ORDER BY id', [userId])).rows.map(toSubscription));
  }

  list(): Promise<Subscription[]> {
    return this.db.read(async (sql) => (await sql.query<Row>('SELECT * FROM subscriptions ORDER BY id')).rows.map(toSubscription));
  }

  async notify(notice: DirectNotice, now: number): Promise<boolean> {
    let queued = false;
    await this.db.write(async (sql) => {
      queued = false;
      const claimed = await sql.query(
        'INSERT INTO subscription_notices (user_id, ref, firing_since, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [notice.userId, notice.ref, notice.firingSince, now],
      );
      if (claimed.rowCount !== 1) return;
      await this.outbox.enqueueIn(sql, dmDestination(notice.userId), 'post', notice.notification, now);
      queued = true;
    });
    return queued;
  }

  prune(): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query('DELETE FROM subscription_notices WHERE ref NOT IN (SELECT ref FROM incidents)');
    });
  }
}
