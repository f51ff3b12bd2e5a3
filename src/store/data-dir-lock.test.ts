import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirInUseError, LOCK_FILE, type DataDirLock } from './data-dir-lock.js';
import { openDatabase, STATE_FILE, type Db } from './database.js';

/** The built module (test/global-setup.ts builds dist/), so another process can try the same lock. */
const BUILT_LOCK = join(import.meta.dirname, '..', '..', 'dist', 'store', 'data-dir-lock.js');

/** Tries to take the lock from a separate process; its output says what happened. */
function tryFromAnotherProcess(dataDir: string): { status: number | null; output: string } {
  const script = `
    const { acquireDataDirLock } = await import(${JSON.stringify(BUILT_LOCK)});
    try { acquireDataDirLock(${JSON.stringify(dataDir)}).release(); console.log('acquired'); }
    catch (error) { console.log(error.message); process.exitCode = 3; }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, output: result.stdout + result.stderr };
}

describe('acquireDataDirLock', () => {
  let dataDir: string;
  const held: Array<DataDirLock | Db> = [];
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'amcord-lock-'));
  });
  afterEach(() => {
    for (const handle of held.splice(0)) {
      if ('release' in handle) handle.release();
      else handle.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second holder, naming the directory and the holder, until the first releases', () => {
    const first = acquireDataDirLock(dataDir, new Date('2025-03-01T10:00:00Z'));
    held.push(first);
    let refusal: unknown;
    try {
      held.push(acquireDataDirLock(dataDir));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(DataDirInUseError);
    expect((refusal as DataDirInUseError).holder).toEqual({ pid: process.pid, hostname: hostname(), startedAt: '2025-03-01T10:00:00.000Z' });
    expect((refusal as Error).message).toContain(`data directory ${dataDir} is in use`);
    expect((refusal as Error).message).toContain(`pid ${process.pid}`);

    first.release();
    first.release();
    held.push(acquireDataDirLock(dataDir));
  });

  it('keeps other processes out, also after a refusal inside the holder process', () => {
    held.push(acquireDataDirLock(dataDir));
    expect(() => acquireDataDirLock(dataDir)).toThrow(DataDirInUseError);
    const other = tryFromAnotherProcess(dataDir);
    expect(other.status).toBe(3);
    expect(other.output).toContain(`data directory ${dataDir} is in use by another amcord (pid ${process.pid} on host ${hostname()}`);
  });

  it('is given up with the state database, which stays in WAL mode and readable by others', () => {
    const db = openDatabase(dataDir);
    held.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.prepare('INSERT INTO kv (key, value) VALUES (?, ?)').run('answer', '42');
    // Tools and tests read the state file while amcord runs; the lock is on another file.
    const reader = new Database(join(dataDir, STATE_FILE), { readonly: true });
    expect(reader.prepare('SELECT value FROM kv').pluck().get()).toBe('42');
    reader.close();
    expect(tryFromAnotherProcess(dataDir).status).toBe(3);
    expect(() => openDatabase(dataDir)).toThrow(DataDirInUseError);

    db.close();
    const other = tryFromAnotherProcess(dataDir);
    expect(other.output.trim()).toBe('acquired');
    const again = openDatabase(dataDir);
    held.push(again);
    expect(again.prepare('SELECT value FROM kv').pluck().get()).toBe('42');
  });

  it('says what to do with a lock file that is not a database', () => {
    writeFileSync(join(dataDir, LOCK_FILE), 'not a lock at all '.repeat(100));
    expect(() => acquireDataDirLock(dataDir)).toThrow(`${LOCK_FILE} holds no state: delete it, once no amcord runs on ${dataDir}`);
  });
});
