/** Real errors from a real SQLite, for tests of what happens when storage refuses. */
import Database from 'better-sqlite3';
import { settle } from '../../src/store/settle.js';

/** The error a call throws, or a test failure if it does not throw. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** SQLITE_FULL "database or disk is full", from an insert into a database capped at its current size. */
export function realDiskFullError(): Error {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (x TEXT)');
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const error = thrownBy(() => db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(10_000)));
  db.close();
  if (!(error instanceof Error)) throw new Error('expected an Error from better-sqlite3');
  return error;
}

/** The same error as a storage port reports it (StorageUnavailableError), through the store's own conversion. */
export async function portDiskFullError(): Promise<Error> {
  const error: unknown = await settle(() => {
    throw realDiskFullError();
  }).catch((caught: unknown) => caught);
  if (!(error instanceof Error)) throw new Error('expected settle() to reject');
  return error;
}
