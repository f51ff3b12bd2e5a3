import { mkdtempSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, STATE_FILE, StateDatabaseDamagedError } from '../../src/store/database.js';
import type { IngestChanges } from '../../src/engine/ports.js';
import { EngineStore } from '../../src/store/engine-store.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { runAmcordToExit } from './support-exit.js';

/** A state database with real groups and alerts in it, written through the store, then closed. */
async function stateWithData(dataDir: string): Promise<void> {
  const db = openDatabase(dataDir);
  const store = new EngineStore(db, new OutboxStore(db));
  const groups: IngestChanges['groups'] = [];
  const alerts: IngestChanges['alerts'] = [];
  for (let group = 0; group < 20; group += 1) {
    const groupKey = `{}:{alertname="Disk${group}"}`;
    groups.push({ groupKey, route: 'default', groupLabels: { alertname: `Disk${group}` }, externalUrl: 'http://am:9093', nextFlushAt: 0, hasFlushed: true });
    for (let alert = 0; alert < 50; alert += 1) {
      alerts.push({
        groupKey,
        alert: {
          fingerprint: `${group}-${alert}`.padStart(16, '0'),
          labels: { alertname: `Disk${group}`, instance: `host-${alert}:9100`, mountpoint: '/var/lib/data' },
          annotations: { summary: `Disk on host-${alert} is almost full`, description: 'x'.repeat(200) },
          startsAt: 1_700_000_000_000,
          endsAt: 1_700_018_000_000,
          endsAtIsTimeout: true,
          generatorURL: 'http://prometheus:9090/graph',
          updatedAt: 1_700_000_000_000,
        },
      });
    }
  }
  await store.saveIngest({ groups, alerts });
  db.close();
}

/** Overwrites one whole page halfway through the file: the header stays valid, a table page does not. */
function garbageInTheMiddle(path: string): void {
  const header = readFileSync(path).subarray(0, 100);
  const pageSize = header.readUInt16BE(16) === 1 ? 65_536 : header.readUInt16BE(16);
  const pages = statSync(path).size / pageSize;
  expect(pages, 'enough pages to have a middle').toBeGreaterThan(20);
  const middle = Math.floor(pages / 2);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 'garbage! '), 0, pageSize, middle * pageSize);
  closeSync(fd);
}

describe('a damaged state database', () => {
  let workDir: string;
  let dataDir: string;
  let statePath: string;
  let configPath: string;
  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'amcord-faults-damaged-'));
    dataDir = join(workDir, 'data');
    statePath = join(dataDir, STATE_FILE);
    configPath = join(workDir, 'amcord.yml');
    writeFileSync(configPath, toYaml({ data_dir: dataDir, server: { host: '127.0.0.1', port: 0 }, log: { format: 'json' } }));
  });
  afterEach(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  const refusalOf = (action: () => unknown): StateDatabaseDamagedError => {
    try {
      action();
    } catch (error) {
      if (error instanceof StateDatabaseDamagedError) return error;
      throw error;
    }
    throw new Error('expected the damaged database to be refused');
  };

  it('with a garbage page in the middle is refused, naming the file and what to do', async () => {
    await stateWithData(dataDir);
    garbageInTheMiddle(statePath);

    const refusal = refusalOf(() => openDatabase(dataDir));
    expect(refusal.path).toBe(statePath);
    expect(refusal.message).toContain(`the state database ${statePath} is damaged`);
    expect(refusal.message).toContain(`mv ${statePath} ${statePath}.damaged`);
    // The refusal gave the data directory back: trying again meets the damage, not a lock.
    expect(() => openDatabase(dataDir)).toThrow(StateDatabaseDamagedError);

    const served = await runAmcordToExit(['serve', '--config', configPath]);
    expect(served.timedOut, 'amcord refuses instead of starting').toBe(false);
    expect(served.status).toBe(1);
    expect(served.stderr).toContain(`the state database ${statePath} is damaged`);
    expect(served.stderr).toContain('starts with an empty state');
  });

  it('that is not a database at all is refused the same way', async () => {
    await stateWithData(dataDir);
    writeFileSync(statePath, 'PK\u0003\u0004 this is a zip, or a log, or anything but SQLite\n'.repeat(500));

    expect(refusalOf(() => openDatabase(dataDir)).message).toContain(`${statePath} is damaged (file is not a database)`);
    const served = await runAmcordToExit(['serve', '--config', configPath]);
    expect(served.status).toBe(1);
    expect(served.stderr).toContain(`the state database ${statePath} is damaged (file is not a database)`);
  });

  it('moved aside as the message says, amcord starts on an empty state', async () => {
    await stateWithData(dataDir);
    garbageInTheMiddle(statePath);
    refusalOf(() => openDatabase(dataDir));

    renameSync(statePath, `${statePath}.damaged`);
    const db = openDatabase(dataDir);
    expect(db.prepare('SELECT COUNT(*) FROM alerts').pluck().get()).toBe(0);
    db.close();
  });

  it('is told apart from a sound one, which opens with its data', async () => {
    await stateWithData(dataDir);
    const db = openDatabase(dataDir);
    expect(db.prepare('SELECT COUNT(*) FROM alerts').pluck().get()).toBe(1000);
    db.close();
  });
});
