import type { SilenceTarget, SilenceTargetRepository } from '../delivery/silence-targets.js';
import type { Db } from './database.js';
import { commit, settle } from './settle.js';
import { StorageHealth } from './storage-health.js';

interface Row {
  group_labels: string;
  silence: string | null;
}

/** Silence-button targets in SQLite, each with the time it was last used, for pruning. */
export class SilenceTargetStore implements SilenceTargetRepository {
  private readonly statements;

  constructor(
    db: Db,
    private readonly health: StorageHealth = new StorageHealth(),
  ) {
    this.statements = {
      get: db.prepare<[string], Row>('SELECT group_labels, silence FROM silence_targets WHERE ref = ?'),
      put: db.prepare(`
        INSERT INTO silence_targets (ref, group_labels, silence, touched_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (ref) DO UPDATE SET group_labels = excluded.group_labels, silence = excluded.silence, touched_at = excluded.touched_at`),
      prune: db.prepare('DELETE FROM silence_targets WHERE touched_at < ?'),
    };
  }

  get(ref: string): Promise<SilenceTarget | undefined> {
    return settle(() => {
      const row = this.statements.get.get(ref);
      if (!row) return undefined;
      const target: SilenceTarget = { groupLabels: JSON.parse(row.group_labels) as Record<string, string> };
      if (row.silence) target.silence = JSON.parse(row.silence) as NonNullable<SilenceTarget['silence']>;
      return target;
    });
  }

  put(ref: string, target: SilenceTarget, now: number): Promise<void> {
    return commit(this.health, () => {
      this.statements.put.run(ref, JSON.stringify(target.groupLabels), target.silence ? JSON.stringify(target.silence) : null, now);
    });
  }

  prune(before: number): Promise<void> {
    return commit(this.health, () => {
      this.statements.prune.run(before);
    });
  }
}
