import pg, { type PoolClient, type QueryResultRow } from 'pg';
import { NotLeaderError, type Term } from '../../cluster/lease.js';
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

/**
 * Who may write. 'open': anyone (one replica, tools, tests). A term: only while it is still the
 * lease's current one. 'standby': nobody, apart from writes that are not the leader's to make.
 */
export type Fencing = 'open' | 'standby' | Term;

export interface WriteOptions {
  /** False for the few writes every replica makes (its own webhooks, the lease itself). */
  fenced?: boolean;
}

/**
 * Locks the lease row for sharing: a replica taking the lease over waits for this transaction,
 * and this one waits for a takeover under way, so no write of an old term lands after a new term began.
 */
const FENCE_CHECK = "SELECT 1 FROM leases WHERE name = 'leader' AND holder = $1 AND token = $2 FOR SHARE";

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
  private fencing: Fencing = 'open';
  private onRefused: ((reason: string) => void) | undefined;

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

  /**
   * Who may write from now on; `onRefused` hears of a write refused because another term began,
   * the surest sign that this replica's lease is gone.
   */
  fence(fencing: Fencing, onRefused?: (reason: string) => void): void {
    this.fencing = fencing;
    if (onRefused) this.onRefused = onRefused;
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
   *
   * Under a term, the transaction first proves the term is still the lease's (see FENCE_CHECK);
   * a write from a replica that lost its lease is refused with NotLeaderError, changes nothing,
   * and says nothing about the health of storage.
   */
  async write(work: (sql: Sql) => Promise<void>, options: WriteOptions = {}): Promise<void> {
    const fencing = options.fenced === false ? 'open' : this.fencing;
    if (fencing === 'standby') throw new NotLeaderError('this replica stands by: only the leader writes this');
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
      if (fencing !== 'open') await this.proveTerm(client, fencing);
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      if (error instanceof NotLeaderError) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        this.onRefused?.(error.message);
        throw error;
      }
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

  private async proveTerm(client: PoolClient, term: Term): Promise<void> {
    const { rowCount } = await client.query(FENCE_CHECK, [term.holder, term.token]);
    if (rowCount === 0) throw new NotLeaderError(`the lease has passed to another replica since term ${term.token} began: this write is refused`);
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
