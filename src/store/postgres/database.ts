import pg, { type PoolClient, type QueryResultRow } from 'pg';
import { describePostgresUrl, postgresUrlSecrets } from '../../config/postgres-url.js';
import { makeScrubber } from '../../log/scrub.js';
import { StorageUnavailableError } from '../../util/storage-unavailable.js';
import { StorageHealth } from '../storage-health.js';
import { asStorageError, describeError, postgresCondition } from './errors.js';
import { migrate } from './migrations.js';

/** What a store runs its statements on: the pool for a read, the transaction's client for a write. */
export interface Sql {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PostgresOptions {
  url: string;
  /** How often reachability is checked, so /readyz says so without waiting for traffic. */
  checkIntervalMs?: number;
  /** How long to wait for a connection, and for a statement, before the call counts as unavailable. */
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  health?: StorageHealth;
}

const INT8_OID = 20;
const DEFAULTS = { checkIntervalMs: 2_000, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000 } as const;

/**
 * bigint columns as numbers: they hold epoch milliseconds and row ids, far below 2^53. Set on
 * this pool only, so nothing else in the process changes how it reads PostgreSQL.
 */
function typeParsers(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', Number);
  return types;
}

/**
 * amcord's state in PostgreSQL: a connection pool, the schema brought up to date at open, and the
 * two ways the stores use it. write() is one transaction and reports its outcome to the
 * StorageHealth; read() is a statement on the pool. A failure that means "not now" (the server
 * is down or cannot commit) rejects with StorageUnavailableError, whose text never carries the
 * password. While the server is unreachable a check runs every few seconds, so readiness comes
 * back by itself when it returns, without waiting for the next write.
 */
export class PostgresDatabase {
  readonly health: StorageHealth;
  /** host:port/database, for logs and errors. */
  readonly where: string;
  private readonly pool: pg.Pool;
  private readonly scrub: (text: string) => string;
  private readonly timer: NodeJS.Timeout;
  private unreachable = false;
  private checking = false;

  private constructor(options: PostgresOptions) {
    this.health = options.health ?? new StorageHealth();
    this.where = describePostgresUrl(options.url);
    this.scrub = makeScrubber(postgresUrlSecrets(options.url));
    this.pool = new pg.Pool({
      connectionString: options.url,
      application_name: 'amcord',
      connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      statement_timeout: options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
      // A cut network shows up as a read that never ends; give up a little after the server would have.
      query_timeout: (options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs) + 5_000,
      keepAlive: true,
      types: typeParsers(),
    });
    // An idle connection the server closed (a shutdown, a restart). Without a listener this
    // 'error' would end the process; with one, it is a reason to look at once.
    this.pool.on('error', () => void this.check());
    this.timer = setInterval(() => void this.check(), options.checkIntervalMs ?? DEFAULTS.checkIntervalMs);
    this.timer.unref();
  }

  /** Connects and migrates; rejects (with a message free of the password) if either fails. */
  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const database = new PostgresDatabase(options);
    try {
      const client = await database.pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
    } catch (error) {
      await database.close();
      throw new Error(database.scrub(`cannot open the state in PostgreSQL at ${database.where}: ${describeError(error)}`), { cause: error });
    }
    return database;
  }

  /** One statement (or a few, each on its own) outside a transaction. */
  async read<T>(work: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      const result = await work(this.pool);
      this.reachable();
      return result;
    } catch (error) {
      throw this.failed(error, false);
    }
  }

  /**
   * Runs `work` as one transaction: all of it is committed or none of it. Its outcome tells the
   * health whether PostgreSQL takes writes. A commit whose answer was lost with the connection
   * may have happened; every write of the stores can be repeated without harm.
   */
  async write(work: (sql: Sql) => Promise<void>): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw this.failed(error, true);
    }
    // A checked-out connection that dies between statements emits 'error'; unheard, it would end the process.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    let broken = false;
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      broken = postgresCondition(error) === 'unreachable';
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      throw this.failed(error, true);
    } finally {
      client.off('error', ignore);
      // A connection in doubt is closed rather than handed to the next caller.
      client.release(broken);
    }
    this.health.succeeded();
    this.reachable();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pool.end();
  }

  /** The error to reject with; records what it says about storage. */
  private failed(error: unknown, isWrite: boolean): Error {
    const mapped = asStorageError(error, this.where, this.scrub);
    if (!(mapped instanceof StorageUnavailableError)) return mapped;
    const unreachable = postgresCondition(error) === 'unreachable';
    // A read that could not connect says writes cannot either; one the server refused says nothing about writes.
    if (isWrite || unreachable) this.health.failed(mapped);
    if (unreachable) this.unreachable = true;
    return mapped;
  }

  private reachable(): void {
    if (!this.unreachable) return;
    this.unreachable = false;
    this.health.succeeded();
  }

  /** Asks the server for nothing, to learn whether it answers. */
  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await this.read((sql) => sql.query('SELECT 1'));
    } catch {
      // recorded by read()
    } finally {
      this.checking = false;
    }
  }
}
