import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDatabaseDamaged, isStorageUnavailable, storageErrorReason } from './storage-errors.js';
import { StorageHealth } from './storage-health.js';
import { realDiskFullError, thrownBy } from '../../test/faults/support-sqlite-errors.js';

describe('isStorageUnavailable', () => {
  let dir: string;
  const open: Database.Database[] = [];
  const track = (db: Database.Database): Database.Database => (open.push(db), db);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'amcord-storage-errors-'));
  });
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('recognises a full database, with SQLite saying so', () => {
    const error = realDiskFullError();
    expect((error as { code?: string }).code).toBe('SQLITE_FULL');
    expect(isStorageUnavailable(error)).toBe(true);
    expect(storageErrorReason(error)).toBe('database or disk is full');
  });

  it('recognises another writer holding the lock', () => {
    const path = join(dir, 'state.sqlite');
    const holder = track(new Database(path));
    holder.pragma('journal_mode = WAL');
    holder.exec('CREATE TABLE t (x)');
    holder.exec('BEGIN IMMEDIATE');
    const other = track(new Database(path, { timeout: 0 }));
    const error = thrownBy(() => other.exec('INSERT INTO t VALUES (1)'));
    expect((error as { code?: string }).code).toMatch(/^SQLITE_BUSY/);
    expect(isStorageUnavailable(error)).toBe(true);
    holder.exec('ROLLBACK');
  });

  it('recognises a read-only database', () => {
    const path = join(dir, 'state.sqlite');
    track(new Database(path)).exec('CREATE TABLE t (x)');
    const error = thrownBy(() => track(new Database(path, { readonly: true })).exec('INSERT INTO t VALUES (1)'));
    expect((error as { code?: string }).code).toMatch(/^SQLITE_READONLY/);
    expect(isStorageUnavailable(error)).toBe(true);
  });

  it('recognises a file that cannot be opened', () => {
    const error = thrownBy(() => track(new Database(':memory:')).exec(`ATTACH '${join(dir, 'missing', 'x.sqlite')}' AS x`));
    expect((error as { code?: string }).code).toMatch(/^SQLITE_CANTOPEN/);
    expect(isStorageUnavailable(error)).toBe(true);
  });

  it('recognises an I/O error by its extended code', () => {
    const path = join(dir, 'state.sqlite');
    const db = track(new Database(path));
    db.exec('CREATE TABLE t (x)');
    // A directory where the rollback journal must go: the write cannot reach the disk.
    mkdirSync(`${path}-journal`);
    const error = thrownBy(() => db.exec('INSERT INTO t VALUES (1)'));
    expect((error as { code?: string }).code).toMatch(/^SQLITE_IOERR_/);
    expect(isStorageUnavailable(error)).toBe(true);
    expect(storageErrorReason(error)).toBe('disk I/O error');
  });

  it('recognises a file that is not a database, and calls it damaged', () => {
    const path = join(dir, 'state.sqlite');
    writeFileSync(path, 'these are not the pages you are looking for'.repeat(200));
    const error = thrownBy(() => track(new Database(path)).pragma('journal_mode = WAL'));
    expect((error as { code?: string }).code).toBe('SQLITE_NOTADB');
    expect(isStorageUnavailable(error)).toBe(true);
    expect(isDatabaseDamaged(error)).toBe(true);
    expect(isDatabaseDamaged(realDiskFullError())).toBe(false);
  });

  it('leaves errors that mean a bug to be treated as bugs', () => {
    const db = track(new Database(':memory:'));
    db.exec('CREATE TABLE t (x PRIMARY KEY)');
    db.exec('INSERT INTO t VALUES (1)');
    const constraint = thrownBy(() => db.exec('INSERT INTO t VALUES (1)'));
    expect((constraint as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
    const syntax = thrownBy(() => db.exec('INSERT INTO nowhere VALUES (1)'));
    const closed = new Database(':memory:');
    closed.close();
    const afterClose = thrownBy(() => closed.exec('SELECT 1'));
    for (const error of [constraint, syntax, afterClose, new Error('SQLITE_FULL: database or disk is full'), 'SQLITE_FULL', undefined]) {
      expect(isStorageUnavailable(error)).toBe(false);
    }
  });
});

describe('StorageHealth', () => {
  it('reports why storage refused until a write succeeds again', () => {
    const health = new StorageHealth();
    expect(health.status()).toBeUndefined();
    health.failed(realDiskFullError());
    expect(health.status()).toBe('database or disk is full');
    health.succeeded();
    expect(health.status()).toBeUndefined();
  });

  it('is not moved by errors that say nothing about storage', () => {
    const health = new StorageHealth();
    health.failed(new TypeError('Cannot read properties of undefined'));
    expect(health.status()).toBeUndefined();
  });
});
