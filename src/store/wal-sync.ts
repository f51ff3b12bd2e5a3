import { fsync, open } from 'node:fs';
import { promisify } from 'node:util';
import { StorageUnavailableError } from '../util/storage-unavailable.js';
import type { Db } from './database.js';

const openFile = promisify(open);
const fsyncFile = promisify(fsync);

/**
 * Commits whose fsync runs off the event loop. With synchronous=FULL, SQLite fsyncs the WAL inside
 * COMMIT, and better-sqlite3 being synchronous, the whole process waits for the disk: no webhook
 * is read or validated meanwhile. Here the transaction runs with synchronous=NORMAL (in WAL mode
 * that differs from FULL only in not syncing the WAL after each commit; checkpoints and WAL
 * restarts are synced alike) and then the WAL file is fsynced on libuv's thread pool; durable()
 * resolves only after that, so what it covers is on disk exactly as FULL would have left it, while
 * the next requests are parsed. Every other write keeps FULL.
 *
 * The WAL is never deleted while amcord holds the database open (SQLite removes it when the last
 * connection closes), so one descriptor serves the whole run. `:memory:` has no file to sync.
 */
export class WalSync {
  private readonly walPath: string | undefined;
  private fd: Promise<number> | undefined;

  constructor(private readonly db: Db) {
    this.walPath = db.memory ? undefined : `${db.name}-wal`;
  }

  /** Runs `work` (a transaction) without SQLite's own fsync; call durable() before relying on it. */
  withoutSync<T>(work: () => T): T {
    if (!this.walPath) return work();
    // Not prepared once: SQLite applies this pragma when the statement is compiled, not when it runs.
    this.db.pragma('synchronous = NORMAL');
    try {
      return work();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** Resolves once every commit made before the call is on disk. */
  async durable(): Promise<void> {
    const { walPath } = this;
    if (!walPath) return;
    try {
      this.fd ??= openFile(walPath, 'r');
      await fsyncFile(await this.fd);
    } catch (error) {
      this.fd = undefined;
      // EIO, ENOSPC and the like: whether the commit reached the disk is unknown, so it is not accepted.
      throw new StorageUnavailableError(`the write-ahead log could not be synced to disk: ${(error as Error).message}`, { cause: error });
    }
  }
}
