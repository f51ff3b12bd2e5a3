import type { PoolClient } from 'pg';

/**
 * amcord's schema in PostgreSQL, as versions applied in order. A released migration is never
 * edited: a change is a new entry, so a database from any older amcord opens.
 *
 * The tables mirror the SQLite ones. Times are epoch milliseconds (bigint), as the ports speak.
 * Structured values are `json`, not `jsonb`: json keeps the text as written, so labels come back
 * in the order Alertmanager sent them, which is the order messages show them in.
 *
 * Version 2 is what several replicas share: the leader's lease (its holder, expiry, and a fencing
 * token that grows with every new term, checked by every write the leader makes) and the inbox
 * of webhooks any replica took and the leader has yet to apply. Version 3 keeps firing groups as
 * incidents: who acknowledged them and how far their escalation got. Version 4 keeps the members'
 * DM subscriptions and which incident each member was sent, so none is sent twice.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE groups (
    group_key     text PRIMARY KEY,
    route         text NOT NULL,
    group_labels  json NOT NULL,
    external_url  text NOT NULL,
    next_flush_at bigint NOT NULL,
    has_flushed   boolean NOT NULL DEFAULT false
  );
  CREATE INDEX groups_by_route ON groups (route);
  CREATE TABLE alerts (
    group_key          text NOT NULL REFERENCES groups (group_key) ON DELETE CASCADE,
    fingerprint        text NOT NULL,
    labels             json NOT NULL,
    annotations        json NOT NULL,
    starts_at          bigint NOT NULL,
    ends_at            bigint NOT NULL,
    ends_at_is_timeout boolean NOT NULL,
    generator_url      text NOT NULL,
    updated_at         bigint NOT NULL,
    PRIMARY KEY (group_key, fingerprint)
  );
  CREATE TABLE notification_log (
    group_key  text NOT NULL,
    receiver   text NOT NULL,
    firing     json NOT NULL,
    resolved   json NOT NULL,
    sent_at    bigint NOT NULL,
    expires_at bigint NOT NULL,
    PRIMARY KEY (group_key, receiver)
  );
  CREATE INDEX notification_log_by_expiry ON notification_log (expires_at);
  CREATE TABLE outbox (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination        text NOT NULL,
    group_key          text NOT NULL,
    kind               text NOT NULL CHECK (kind IN ('post', 'edit')),
    notification       json NOT NULL,
    created_at         bigint NOT NULL,
    attempts           integer NOT NULL DEFAULT 0,
    next_attempt_at    bigint NOT NULL,
    attempt_started_at bigint,
    last_error         text,
    -- 'dead' rows were refused by Discord for good; kept for the operator, never retried.
    state              text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead'))
  );
  CREATE INDEX outbox_by_destination ON outbox (destination, state, id);
  CREATE INDEX outbox_by_group ON outbox (destination, group_key, state);
  CREATE TABLE group_messages (
    destination text NOT NULL,
    group_key   text NOT NULL,
    message_id  text NOT NULL,
    posted_at   bigint NOT NULL,
    PRIMARY KEY (destination, group_key)
  );
  CREATE INDEX group_messages_by_age ON group_messages (posted_at);
  CREATE TABLE silence_targets (
    ref          text PRIMARY KEY,
    group_labels json NOT NULL,
    silence      json,
    touched_at   bigint NOT NULL
  );
  CREATE INDEX silence_targets_by_age ON silence_targets (touched_at);
  CREATE TABLE kv (
    key   text PRIMARY KEY,
    value json NOT NULL
  );
  `,
  `
  CREATE TABLE leases (
    name       text PRIMARY KEY,
    holder     text NOT NULL,
    token      bigint NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE TABLE inbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload     json NOT NULL,
    received_at bigint NOT NULL
  );
  `,
  `
  CREATE TABLE incidents (
    ref             text PRIMARY KEY,
    route           text NOT NULL,
    group_key       text NOT NULL,
    destination     text NOT NULL,
    group_labels    json NOT NULL,
    external_url    text NOT NULL,
    notification    json NOT NULL,
    firing_since    bigint NOT NULL,
    acknowledgement json,
    escalated_steps integer NOT NULL DEFAULT 0,
    updated_at      bigint NOT NULL
  );
  `,
  `
  CREATE TABLE subscriptions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    text NOT NULL,
    matchers   text NOT NULL,
    created_at bigint NOT NULL,
    UNIQUE (user_id, matchers)
  );
  CREATE TABLE subscription_notices (
    user_id      text NOT NULL,
    ref          text NOT NULL,
    firing_since bigint NOT NULL,
    sent_at      bigint NOT NULL,
    PRIMARY KEY (user_id, ref, firing_since)
  );
  `,
  // The live status board's message per channel, so the next leader edits it rather than posting another.
  `
  CREATE TABLE status_boards (
    channel_id text PRIMARY KEY,
    message_id text NOT NULL,
    updated_at bigint NOT NULL
  );
  `,
];

/** Which versions are applied; created by the first start, outside the numbered versions. */
const VERSIONS_TABLE = 'amcord_schema_versions';

/**
 * The advisory lock migrations are applied under, a constant every amcord agrees on ("amcord"
 * in ASCII). Transaction-scoped: it is released by the commit or rollback, and by the server if
 * the connection dies, so a replica killed half-way never leaves it held.
 */
const MIGRATION_LOCK = 0x616d636f7264;

/** The database was migrated by a newer amcord: this one does not know its tables. */
export class SchemaTooNewError extends Error {
  override name = 'SchemaTooNewError';
}

/**
 * Brings the schema up to date in one transaction under the migration lock: replicas starting at
 * once take turns, and the second finds the work done. A failed migration changes nothing.
 */
export async function migrate(client: PoolClient): Promise<{ from: number; to: number }> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${VERSIONS_TABLE} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number | null }>(`SELECT max(version) AS version FROM ${VERSIONS_TABLE}`);
    const from = rows[0]?.version ?? 0;
    if (from > MIGRATIONS.length) {
      throw new SchemaTooNewError(
        `the database's schema is version ${from}, newer than this amcord knows (${MIGRATIONS.length}): it was used by a newer amcord; run that one (or newer)`,
      );
    }
    for (let version = from; version < MIGRATIONS.length; version += 1) {
      await client.query(MIGRATIONS[version] ?? '');
      await client.query(`INSERT INTO ${VERSIONS_TABLE} (version) VALUES ($1)`, [version + 1]);
    }
    await client.query('COMMIT');
    return { from, to: MIGRATIONS.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
