import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.js';
import { isDatabaseDamaged } from './storage-errors.js';

export type Db = Database.Database;

/**
 * Schema versions, applied in order. A released migration is never edited: a change is a new
 * entry, so a data directory from any older amcord opens.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE groups (
    group_key     TEXT PRIMARY KEY,
    route         TEXT NOT NULL,
    group_labels  TEXT NOT NULL,
    external_url  TEXT NOT NULL,
    next_flush_at INTEGER NOT NULL,
    has_flushed   INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE alerts (
    group_key     TEXT NOT NULL REFERENCES groups(group_key) ON DELETE CASCADE,
    fingerprint   TEXT NOT NULL,
    labels        TEXT NOT NULL,
    annotations   TEXT NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    ends_at_is_timeout INTEGER NOT NULL,
    generator_url TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (group_key, fingerprint)
  );
  CREATE TABLE notification_log (
    group_key  TEXT NOT NULL,
    receiver   TEXT NOT NULL,
    firing     TEXT NOT NULL,
    resolved   TEXT NOT NULL,
    sent_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (group_key, receiver)
  );
  CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    destination     TEXT NOT NULL,
    group_key       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('post', 'edit')),
    notification    TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    -- 'dead' rows were refused by Discord for good; kept for the operator, never retried.
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead'))
  );
  CREATE INDEX outbox_by_destination ON outbox (destination, state, id);
  CREATE TABLE group_messages (
    destination TEXT NOT NULL,
    group_key   TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    posted_at   INTEGER NOT NULL,
    PRIMARY KEY (destination, group_key)
  );
  CREATE TABLE kv (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // Silence-button targets get their own table, with a time to prune them by.
  `
  CREATE TABLE silence_targets (
    ref          TEXT PRIMARY KEY,
    group_labels TEXT NOT NULL,
    silence      TEXT,
    touched_at   INTEGER NOT NULL
  );
  INSERT INTO silence_targets (ref, group_labels, silence, touched_at)
    SELECT substr(key, length('silence-target:') + 1), json_extract(value, '$.groupLabels'),
           json_extract(value, '$.silence'), CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM kv WHERE key LIKE 'silence-target:%';
  DELETE FROM kv WHERE key LIKE 'silence-target:%';
  CREATE INDEX group_messages_by_age ON group_messages (posted_at);
  `,
  // When the last attempt at an entry began: written before anything is sent, so a delivery
  // whose bookkeeping cannot be committed (a full disk) is never started.
  `
  ALTER TABLE outbox ADD COLUMN attempt_started_at INTEGER;
  `,
  // Firing groups as incidents: who acknowledged them, how far their escalation got.
  `
  CREATE TABLE incidents (
    ref             TEXT PRIMARY KEY,
    route           TEXT NOT NULL,
    group_key       TEXT NOT NULL,
    destination     TEXT NOT NULL,
    group_labels    TEXT NOT NULL,
    external_url    TEXT NOT NULL,
    notification    TEXT NOT NULL,
    firing_since    INTEGER NOT NULL,
    acknowledgement TEXT,
    escalated_steps INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL
  );
  `,
  // Members told of new firing groups by DM, and which incident each was sent (at most once).
  `
  CREATE TABLE subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT NOT NULL,
    matchers   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, matchers)
  );
  CREATE TABLE subscription_notices (
    user_id      TEXT NOT NULL,
    ref          TEXT NOT NULL,
    firing_since INTEGER NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (user_id, ref, firing_since)
  );
  `,
  // The live status board's message per channel, so a restart edits it rather than posting another.
  `
  CREATE TABLE status_boards (
    channel_id  TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  `,
];

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version += 1) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/** The state database's file name inside data_dir. */
export const STATE_FILE = 'amcord.sqlite';

/** The state database cannot be read as a database: starting on it would answer every webhook 500. */
export class StateDatabaseDamagedError extends Error {
  constructor(
    readonly path: string,
    readonly problems: readonly string[],
  ) {
    super(
      `the state database ${path} is damaged (${problems.join('; ')}), so amcord will not start on it. ` +
        `Move it aside together with any ${STATE_FILE}-wal and ${STATE_FILE}-shm next to it (e.g. mv ${path} ${path}.damaged) ` +
        'and start amcord again: it starts with an empty state, and Alertmanager sends the alerts still firing again ' +
        'at their next repeat_interval, or sooner when their group changes.',
    );
    this.name = 'StateDatabaseDamagedError';
  }
}

/** How many problems quick_check lists at most: enough to show what is wrong, bounded on a wrecked file. */
const QUICK_CHECK_LIMIT = 3;

/**
 * Refuses a file that is not a database or has damaged pages. quick_check reads every page once,
 * O(file size), but skips integrity_check's index-against-table comparison; amcord's state (open
 * groups, their alerts, a short outbox) is a few MB at most, so this costs milliseconds at start.
 */
function checkIntact(db: Db, path: string): void {
  let problems: string[];
  try {
    const rows = db.pragma(`quick_check(${QUICK_CHECK_LIMIT})`) as Array<Record<string, unknown>>;
    problems = rows.map((row) => String(Object.values(row)[0]));
  } catch (error) {
    if (!isDatabaseDamaged(error)) throw error;
    problems = [error.message];
  }
  if (problems.length === 1 && problems[0] === 'ok') return;
  throw new StateDatabaseDamagedError(path, problems);
}

function configure(db: Db): Db {
  db.pragma('journal_mode = WAL');
  // Every commit reaches the disk before it counts: a webhook answered 200 survives a power cut.
  // Webhooks arriving together share a commit (the dispatcher batches them), so this costs one
  // fsync per batch, not per webhook.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** The state database of a data directory, which closing also gives up (so db.close() is all a caller needs). */
class LockedDatabase extends Database {
  constructor(
    path: string,
    private readonly lock: DataDirLock,
  ) {
    super(path);
  }

  override close(): this {
    try {
      super.close();
    } finally {
      this.lock.release();
    }
    return this;
  }
}

/**
 * Opens (creating if needed) amcord's state database. WAL with synchronous=FULL: a committed
 * transaction survives the process being killed at any point and a power cut. `:memory:` is for
 * tests.
 *
 * A data directory belongs to one process: this takes its lock first (DataDirInUseError names the
 * holder) and keeps it until the database is closed. A damaged file is refused with
 * StateDatabaseDamagedError, which says what to do.
 */
export function openDatabase(dataDir: string): Db {
  if (dataDir === ':memory:') return configure(new Database(':memory:'));
  mkdirSync(dataDir, { recursive: true });
  const lock = acquireDataDirLock(dataDir);
  const path = join(resolve(dataDir), STATE_FILE);
  let db: Db;
  try {
    db = new LockedDatabase(path, lock);
  } catch (error) {
    lock.release();
    throw error;
  }
  try {
    checkIntact(db, path);
    return configure(db);
  } catch (error) {
    db.close();
    throw error;
  }
}
