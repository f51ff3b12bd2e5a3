import Database from 'better-sqlite3';

/**
 * SQLite primary result codes that say the disk or the file refused, not that amcord's code is
 * wrong: full disk, I/O failure, read-only file system, another writer holding the lock, a file
 * that cannot be opened or is damaged, memory exhausted. The same statement can succeed once the
 * operator frees space, fixes the mount or ends the other process, so callers keep running and
 * let the sender retry instead of treating it as a bug.
 */
const STORAGE_UNAVAILABLE = new Set([
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_READONLY',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
  'SQLITE_NOLFS',
  'SQLITE_PERM',
  'SQLITE_NOMEM',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
]);

/** The file holds something SQLite cannot read as a database: retrying will not help. */
const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

/** "SQLITE_IOERR" for "SQLITE_IOERR_SHORT_READ": better-sqlite3 reports extended codes. */
function primaryCode(error: unknown): string | undefined {
  if (!(error instanceof Database.SqliteError)) return undefined;
  const [prefix, name] = error.code.split('_');
  return prefix === 'SQLITE' && name ? `SQLITE_${name}` : undefined;
}

/** True when SQLite could not commit because of the storage, false for errors that mean a bug. */
export function isStorageUnavailable(error: unknown): error is InstanceType<typeof Database.SqliteError> {
  const code = primaryCode(error);
  return code !== undefined && STORAGE_UNAVAILABLE.has(code);
}

/** True when the database file is not (or no longer) a readable SQLite database. */
export function isDatabaseDamaged(error: unknown): error is InstanceType<typeof Database.SqliteError> {
  const code = primaryCode(error);
  return code !== undefined && DAMAGED.has(code);
}

/** SQLite's own words for a storage error ("database or disk is full"): the condition, never row data. */
export function storageErrorReason(error: unknown): string {
  return isStorageUnavailable(error) ? error.message : 'storage error';
}
