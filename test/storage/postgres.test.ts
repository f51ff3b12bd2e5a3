/**
 * What only the PostgreSQL backend has to get right, against a real server: migrations when
 * replicas start at once, a flush that fails half-way, and a server that goes away and comes
 * back, without the password in any message.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CleanupStack } from '../../src/app/cleanup-stack.js';
import { openState, type State } from '../../src/app/state.js';
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
async function freshDatabase(): Promise<string> {
  databases += 1;
  const name = `amcord_${databases}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
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
