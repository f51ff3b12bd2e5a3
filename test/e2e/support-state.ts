/**
 * What amcord has on disk, read straight from its SQLite file, and a way to wait until an
 * in-process amcord has nothing more to say about a group.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { TestAmcord } from '../support/amcord.js';
import { waitUntil } from '../support/processes.js';

export interface StoredState {
  /** Outbox rows still waiting for Discord. */
  pending: number;
  /** Outbox rows Discord refused for good. */
  dead: number;
  /** The living message of each group: group key -> Discord message id. */
  groupMessages: Map<string, string>;
  /** Accepted alerts that are still in a group. */
  alerts: number;
}

/** Reads amcord's state without writing to it (amcord may still have the file open). */
export function readState(dataDir: string): StoredState {
  const db = new Database(join(dataDir, 'amcord.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string): number => (db.prepare<[], { count: number }>(sql).get()?.count ?? 0);
    const messages = db.prepare<[], { group_key: string; message_id: string }>('SELECT group_key, message_id FROM group_messages').all();
    return {
      pending: count("SELECT COUNT(*) AS count FROM outbox WHERE state = 'pending'"),
      dead: count("SELECT COUNT(*) AS count FROM outbox WHERE state = 'dead'"),
      groupMessages: new Map(messages.map((row) => [row.group_key, row.message_id])),
      alerts: count('SELECT COUNT(*) AS count FROM alerts'),
    };
  } finally {
    db.close();
  }
}

/**
 * Waits until the group named `alertname` has flushed at or after `since` and the outbox is
 * empty: whatever amcord was going to send about what it received before `since` has reached
 * Discord, so counting messages now cannot miss a late duplicate.
 */
export async function waitUntilSettled(
  amcord: TestAmcord,
  options: { alertname: string; since: number; groupIntervalMs: number; timeoutMs: number },
): Promise<void> {
  await waitUntil(
    () => {
      const group = (amcord.dispatchers.get('default')?.snapshot() ?? []).find((candidate) => candidate.groupLabels.alertname === options.alertname);
      if (!group?.hasFlushed || group.nextFlushAt - options.groupIntervalMs < options.since) return false;
      return readState(amcord.dataDir).pending === 0;
    },
    { timeoutMs: options.timeoutMs, description: `amcord to flush ${options.alertname} and empty its outbox` },
  );
}
