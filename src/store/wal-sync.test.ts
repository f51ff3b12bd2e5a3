import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../util/storage-unavailable.js';
import { openDatabase, type Db } from './database.js';
import { WalSync } from './wal-sync.js';

const FULL = 2;
const NORMAL = 1;

describe('WalSync', () => {
  const opened: Array<{ db: Db; dir: string }> = [];
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'amcord-wal-sync-'));
    const db = openDatabase(dir);
    opened.push({ db, dir });
    return db;
  };
  afterEach(() => {
    for (const { db, dir } of opened.splice(0)) {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the transaction without SQLite\'s fsync and goes back to FULL, even when it fails', async () => {
    const db = open();
    const sync = new WalSync(db);
    expect(sync.withoutSync(() => db.pragma('synchronous', { simple: true }))).toBe(NORMAL);
    expect(db.pragma('synchronous', { simple: true })).toBe(FULL);
    expect(() =>
      sync.withoutSync(() => {
        throw new Error('the transaction failed');
      }),
    ).toThrow('the transaction failed');
    expect(db.pragma('synchronous', { simple: true })).toBe(FULL);
    sync.withoutSync(() => db.prepare("INSERT INTO kv (key, value) VALUES ('a', 'b')").run());
    await expect(sync.durable()).resolves.toBeUndefined();
  });

  it('reports a WAL it cannot sync as storage that is unavailable', async () => {
    const db = open();
    const sync = new WalSync(db);
    // Closing the last connection removes the WAL: there is nothing left to sync.
    db.close();
    await expect(sync.durable()).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});
