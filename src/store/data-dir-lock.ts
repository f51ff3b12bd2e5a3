import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { isDatabaseDamaged } from './storage-errors.js';

/** The lock file, next to the state database. It holds only who holds it; deleting it loses nothing. */
export const LOCK_FILE = 'amcord.lock';

/** Who holds a data directory, as the holder recorded it when it took the lock. */
export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface DataDirLock {
  readonly path: string;
  /** Gives the data directory up. Safe to call more than once. */
  release(): void;
}

/** A second amcord on the same data directory: both would flush and deliver the same groups. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | undefined,
  ) {
    const who = holder
      ? `another amcord (pid ${holder.pid} on host ${holder.hostname}, started ${holder.startedAt})`
      : `another amcord (its pid could not be read from ${join(dataDir, LOCK_FILE)} yet)`;
    super(
      `data directory ${dataDir} is in use by ${who}. Only one amcord may use a data directory at a time: ` +
        'stop the other one, or give this one its own data_dir.',
    );
    this.name = 'DataDirInUseError';
  }
}

/**
 * Locks this process holds, by file identity. A held lock file must never be opened with a plain
 * file descriptor from this process: closing any descriptor of a file drops all of the process's
 * POSIX locks on it, SQLite's included. So a refusal inside the holder process names the holder
 * from here instead of reading the file.
 */
const heldHere = new Map<string, LockHolder>();

function fileIdentity(path: string): string | undefined {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}

/**
 * The holder record, read from the file's bytes into a private in-memory copy: SQLite itself
 * cannot read a database another connection holds exclusively, but the holder committed the
 * record before anyone could see the lock taken, and the lock bytes lie outside the file's content.
 */
function recordedHolder(path: string): LockHolder | undefined {
  const identity = fileIdentity(path);
  const ours = identity === undefined ? undefined : heldHere.get(identity);
  if (ours) return ours;
  try {
    const copy = new Database(readFileSync(path), { readonly: true });
    try {
      const row = copy.prepare('SELECT pid, hostname, started_at FROM holder').get() as Record<string, unknown> | undefined;
      if (typeof row?.pid !== 'number' || typeof row.hostname !== 'string' || typeof row.started_at !== 'string') return undefined;
      return { pid: row.pid, hostname: row.hostname, startedAt: row.started_at };
    } finally {
      copy.close();
    }
  } catch {
    // Still being created by the holder, or not readable: the refusal says so without a pid.
    return undefined;
  }
}

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED'));
}

/**
 * Takes the data directory for this process, or throws DataDirInUseError naming the process that
 * has it. The lock is SQLite's own exclusive lock on data_dir/amcord.lock (locking_mode=EXCLUSIVE,
 * held by a connection kept open for the process's life): an OS-level file lock that the kernel
 * drops with the process's descriptors, so `kill -9` or a crash never leaves a stale lock, and
 * there is no pid file to clean up. A second opener gets SQLITE_BUSY at once (busy timeout 0).
 * The state database itself stays in WAL mode with normal locking, so tools can still read it.
 * Like every file lock, it only keeps out processes that see the same kernel or a file system
 * that honours POSIX locks (not all network file systems do).
 */
export function acquireDataDirLock(dataDir: string, now: Date = new Date()): DataDirLock {
  const absolute = resolve(dataDir);
  const path = join(absolute, LOCK_FILE);
  const holder: LockHolder = { pid: process.pid, hostname: hostname(), startedAt: now.toISOString() };
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 0 });
    recordHolder(db, holder);
  } catch (error) {
    db?.close();
    if (isBusy(error)) throw new DataDirInUseError(absolute, recordedHolder(path));
    const hint = isDatabaseDamaged(error) ? `; ${LOCK_FILE} holds no state: delete it, once no amcord runs on ${absolute}` : '';
    throw new Error(`cannot lock data directory ${absolute} through ${path}: ${(error as Error).message}${hint}`, { cause: error });
  }
  const held = db;
  const identity = fileIdentity(path);
  if (identity !== undefined) heldHere.set(identity, holder);
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      if (identity !== undefined) heldHere.delete(identity);
      held.close();
    },
  };
}

function isDiskFull(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_FULL');
}

/**
 * Takes the exclusive lock and writes the record in one transaction: whoever holds the lock wrote
 * it. On a full disk the record's journal has no room, but the lock needs none: an exclusive
 * transaction that writes nothing takes it, so amcord still starts (and answers 503 until space
 * is freed) instead of exiting. The record then still names the previous holder.
 */
function recordHolder(db: Database.Database, holder: LockHolder): void {
  // In exclusive locking mode SQLite keeps the lock it took until the connection closes.
  db.pragma('locking_mode = EXCLUSIVE');
  try {
    db.transaction(() => {
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, hostname TEXT NOT NULL, started_at TEXT NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, hostname, started_at) VALUES (?, ?, ?)').run(holder.pid, holder.hostname, holder.startedAt);
    }).exclusive();
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  }
}
