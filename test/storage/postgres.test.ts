/**
 * What only the PostgreSQL backend has to get right, against a real server: migrations when
 * replicas start at once, a flush that fails half-way, and a server that goes away and comes
 * back, without the password in any message.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CleanupStack } from '../../src/app/cleanup-stack.js';
import { openState } from '../../src/app/open-state.js';
import type { State } from '../../src/app/state.js';
import { asLeader } from './support-leader.js';
import { loadConfig } from '../../src/config/load.js';
import type { Notification } from '../../src/engine/notification.js';
import { createLogger } from '../../src/log/logger.js';
import { MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { StorageUnavailableError } from '../../src/util/storage-unavailable.js';
import { startPostgres, type RunningPostgres } from '../support/postgres.js';
import { waitUntil } from '../support/processes.js';

const T0 = Date.UTC(2026, 10, 1, 12);

let server: RunningPostgres;
let databases = 0;
const stacks: CleanupStack[] = [];

beforeAll(async () => {
  server = await startPostgres();
});
afterAll(async () => {
  await server?.destroy();
});
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.unwind();
});

async function admin<T>(work: (client: pg.Client) => Promise<T>, url = server.url): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server, as a URL with the server's password in it. */
function freshDatabase(): Promise<string> {
  databases += 1;
  return server.createDatabase(`amcord_${databases}`);
}

function open(url: string): Promise<State> {
  const stack = new CleanupStack(createLogger({ level: 'silent', format: 'json' }));
  stacks.push(stack);
  return openState(loadConfig({ env: { AMCORD_STORAGE_POSTGRES_URL: url } }).config, stack).then((state) => asLeader(state));
}

function notification(groupKey: string): Notification {
  return { route: 'default', groupKey, receiver: 'default', groupLabels: {}, externalUrl: '', at: T0, firing: [], resolved: [], newlyFiring: [], reason: 'first' };
}

/** The password as written in the URL and as the server knows it: neither may show. */
function expectNoPassword(text: string | undefined): void {
  expect(text).toBeDefined();
  expect(text).not.toContain(server.password);
  expect(text).not.toContain(encodeURIComponent(server.password));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`rejected with a non-error: ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

describe('PostgreSQL migrations', () => {
  it('are applied once, in a transaction, when several replicas start at the same moment', async () => {
    const url = await freshDatabase();
    const states = await Promise.all([open(url), open(url), open(url), open(url)]);
    expect(states).toHaveLength(4);
    const versions = await admin((client) => client.query<{ version: number }>('SELECT version FROM amcord_schema_versions ORDER BY version'), url);
    expect(versions.rows.map((row) => row.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    // Every replica sees the same tables: what one writes, another reads.
    await states[0]?.watchdog.put('k', { written: 'by the first' });
    expect(await states[3]?.watchdog.get('k')).toEqual({ written: 'by the first' });
    await open(url);
  });

  it('go into the schema the URL names (search_path in options), as the README suggests', async () => {
    const url = new URL(await freshDatabase());
    await admin((client) => client.query('CREATE SCHEMA amcord'), url.toString());
    url.searchParams.set('options', '-c search_path=amcord');
    const state = await open(url.toString());
    await state.watchdog.put('k', 1);
    const tables = await admin(
      (client) => client.query<{ schema: string }>("SELECT table_schema AS schema FROM information_schema.tables WHERE table_name IN ('kv', 'outbox', 'amcord_schema_versions')"),
      url.toString(),
    );
    expect(tables.rows.map((row) => row.schema)).toEqual(['amcord', 'amcord', 'amcord']);
  });

  it('refuse a database migrated by a newer amcord', async () => {
    const url = await freshDatabase();
    await open(url);
    await admin((client) => client.query('INSERT INTO amcord_schema_versions (version) VALUES ($1)', [MIGRATIONS.length + 1]), url);
    const error = await rejection(open(url));
    expect(error.message).toMatch(/schema is version \d+, newer than this amcord knows/);
    expectNoPassword(error.message);
  });
});

describe('PostgreSQL transactions', () => {
  it('commit a flush entirely or not at all', async () => {
    const state = await open(await freshDatabase());
    const group = { groupKey: 'g', route: 'default', groupLabels: {}, externalUrl: '', nextFlushAt: T0, hasFlushed: false };
    await state.engine.saveIngest({ groups: [group], alerts: [] });
    // PostgreSQL refuses a NUL in text: the group row, written last, fails after the outbox entry and the log entry.
    const error = await rejection(
      state.engine.saveFlush({
        group: { ...group, externalUrl: 'http://am\u0000' },
        removedAlerts: [],
        sent: { receiver: 'default', log: { firing: ['x'], resolved: [], at: T0 }, logExpiresAt: T0 + 1_000_000, notification: notification('g') },
      }),
    );
    expect(error).not.toBeInstanceOf(StorageUnavailableError);
    expect(await state.outbox.head('default')).toBeUndefined();
    expect(await state.engine.lastNotification('g', 'default', T0)).toBeUndefined();
    // A bug is not an outage: storage still counts as taking writes.
    expect(state.storageStatus()).toBeUndefined();
  });
});

/** A replica's view of the state without taking the lease: it stands by until it does. */
function openReplica(url: string): Promise<State> {
  const stack = new CleanupStack(createLogger({ level: 'silent', format: 'json' }));
  stacks.push(stack);
  return openState(loadConfig({ env: { AMCORD_STORAGE_POSTGRES_URL: url } }).config, stack);
}

/** Takes the lease for `holder` and fences the replica's writes with the term; the refusals it hears of are collected. */
async function lead(state: State, holder: string, refusals: string[] = []): Promise<number> {
  const replication = state.replication;
  if (!replication) throw new Error('no replication on PostgreSQL');
  const attempt = await replication.lease.acquire(holder, 60_000);
  if (!attempt.held) throw new Error(`the lease is held by ${attempt.holder}`);
  replication.fence(attempt.term, (reason) => refusals.push(reason));
  return attempt.term.token;
}

const expireLease = (url: string): Promise<unknown> => admin((client) => client.query("UPDATE leases SET expires_at = clock_timestamp() - interval '1 second'"), url);
const outboxRows = async (url: string): Promise<number> =>
  Number((await admin((client) => client.query<{ count: string }>('SELECT count(*) AS count FROM outbox'), url)).rows[0]?.count);

describe('the lease and fencing in PostgreSQL', () => {
  it('lets one replica lead at a time, and refuses every write of a term that has ended', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([openReplica(url), openReplica(url)]);
    if (!a.replication || !b.replication) throw new Error('no replication on PostgreSQL');
    const refusalsOfA: string[] = [];
    expect(await lead(a, 'replica-a', refusalsOfA)).toBe(1);
    expect(await b.replication.lease.acquire('replica-b', 60_000)).toMatchObject({ held: false, holder: 'replica-a' });
    // Standing by, b may queue webhooks but write nothing of the leader's.
    await b.replication.inbox.append({ version: '4', alerts: [] } as never, T0);
    expect(await rejection(b.outbox.enqueue('default', 'post', notification('g1'), T0))).toMatchObject({ name: 'NotLeaderError' });
    await a.outbox.enqueue('default', 'post', notification('g1'), T0);
    expect(await outboxRows(url)).toBe(1);

    // a's lease runs out (it was paused, or cut off) and b takes over: a new term.
    await expireLease(url);
    expect(await lead(b, 'replica-b')).toBe(2);
    const refused = await rejection(a.outbox.enqueue('default', 'post', notification('g2'), T0));
    expect(refused.name).toBe('NotLeaderError');
    expect(refused.message).toContain('the lease has passed to another replica');
    expect(await rejection(a.replication.inbox.remove([1]))).toMatchObject({ name: 'NotLeaderError' });
    expect(await outboxRows(url)).toBe(1);
    expect(refusalsOfA).toHaveLength(2);
    // A refused write is no storage trouble: a stays ready to take webhooks.
    expect(a.storageStatus()).toBeUndefined();
    await b.outbox.enqueue('default', 'post', notification('g2'), T0);
    expect(await outboxRows(url)).toBe(2);
  });

  it('makes a takeover wait for the old term\'s write under way, so none lands after the new term began', async () => {
    const url = await freshDatabase();
    const { PostgresDatabase } = await import('../../src/store/postgres/database.js');
    const { PostgresLeaseStore } = await import('../../src/store/postgres/lease-store.js');
    const dbA = await PostgresDatabase.open({ url });
    const dbB = await PostgresDatabase.open({ url });
    try {
      const leaseA = new PostgresLeaseStore(dbA);
      const first = await leaseA.acquire('replica-a', 60_000);
      if (!first.held) throw new Error('a could not take the lease');
      dbA.fence(first.term);
      await expireLease(url);
      const order: string[] = [];
      // Began while a's term was still the lease's: it holds the lease row (for sharing) until it commits.
      let termProven = (): void => undefined;
      const underWay = new Promise<void>((resolve) => (termProven = resolve));
      const slowWrite = dbA.write(async (sql) => {
        // The transaction's work begins once the term was proven, under the row lock.
        termProven();
        await sql.query('SELECT pg_sleep(0.5)');
        await sql.query("INSERT INTO kv (key, value) VALUES ('a', '1')");
      }).then(() => order.push('a committed'));
      await underWay;
      const takeover = new PostgresLeaseStore(dbB).acquire('replica-b', 60_000).then((attempt) => {
        order.push('b took over');
        return attempt;
      });
      await Promise.all([slowWrite, takeover]);
      expect(order).toEqual(['a committed', 'b took over']);
      expect(await takeover).toMatchObject({ held: true, term: { token: 2 } });
      expect(await rejection(dbA.write((sql) => sql.query("INSERT INTO kv (key, value) VALUES ('b', '1')").then(() => undefined)))).toMatchObject({ name: 'NotLeaderError' });
    } finally {
      await dbA.close();
      await dbB.close();
    }
  });
});

describe('a PostgreSQL that cannot be reached', () => {
  it('is refused at start with a message that names the server, not the password', async () => {
    const url = new URL(server.url);
    url.password = 'wrong-password-1234';
    const wrong = await rejection(open(url.toString()));
    expect(wrong.message).toMatch(/^cannot open the state in PostgreSQL at 127\.0\.0\.1:\d+\/postgres: 28P01 password authentication failed for user "amcord"$/);
    expect(wrong.message).not.toContain('wrong-password-1234');

    url.password = encodeURIComponent(server.password);
    url.port = String(server.port === 65_535 ? 1 : server.port + 1);
    const unreachable = await rejection(open(url.toString()));
    expect(unreachable.message).toMatch(/^cannot open the state in PostgreSQL at 127\.0\.0\.1:\d+\/postgres: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    expectNoPassword(unreachable.message);
  });

  it('makes every call reject as unavailable, says so without traffic, and recovers by itself', async () => {
    const state = await open(await freshDatabase());
    await state.outbox.enqueue('default', 'post', notification('before'), T0);
    await server.stop();

    // Nothing is asked of it: the idle connections' end and the periodic check find out.
    await waitUntil(() => state.storageStatus() !== undefined, { timeoutMs: 10_000, description: 'storage to report PostgreSQL gone' });
    expect(state.storageStatus()).toMatch(/PostgreSQL at 127\.0\.0\.1:\d+\/amcord_\d+ is unreachable/);
    expectNoPassword(state.storageStatus());

    const write = await rejection(state.outbox.enqueue('default', 'post', notification('during'), T0));
    expect(write).toBeInstanceOf(StorageUnavailableError);
    expectNoPassword(write.message);
    const read = await rejection(state.outbox.head('default'));
    expect(read).toBeInstanceOf(StorageUnavailableError);
    await expect(state.engine.saveIngest({ groups: [], alerts: [] })).rejects.toBeInstanceOf(StorageUnavailableError);

    await server.restart();
    await waitUntil(() => state.storageStatus() === undefined, { timeoutMs: 10_000, description: 'storage to recover by itself' });
    expect((await state.outbox.head('default'))?.groupKey).toBe('before');
    await state.outbox.enqueue('default', 'post', notification('after'), T0);
    expect(await state.outbox.depth()).toEqual([{ destination: 'default', state: 'pending', count: 2 }]);
  });

  it('recovers from a crash of the server in the middle of work', async () => {
    const state = await open(await freshDatabase());
    await state.outbox.enqueue('default', 'post', notification('before'), T0);
    await server.kill();
    const write = await rejection(state.outbox.enqueue('default', 'post', notification('during'), T0));
    expect(write).toBeInstanceOf(StorageUnavailableError);
    expect(state.storageStatus()).toMatch(/unreachable/);
    await server.restart();
    await waitUntil(() => state.storageStatus() === undefined, { timeoutMs: 15_000, description: 'storage to recover after the crash' });
    await state.outbox.enqueue('default', 'post', notification('after'), T0);
    expect(await state.outbox.depth()).toEqual([{ destination: 'default', state: 'pending', count: 2 }]);
  });
});
