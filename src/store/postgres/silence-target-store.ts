import type { SilenceTarget, SilenceTargetRepository } from '../../delivery/silence-targets.js';
import type { PostgresDatabase } from './database.js';

interface Row {
  group_labels: Record<string, string>;
  silence: NonNullable<SilenceTarget['silence']> | null;
}

/** Silence-button targets in PostgreSQL, each with the time it was last used, for pruning. */
export class PostgresSilenceTargetStore implements SilenceTargetRepository {
  constructor(private readonly db: PostgresDatabase) {}

  get(ref: string): Promise<SilenceTarget | undefined> {
    return this.db.read(async (sql) => {
      const row = (await sql.query<Row>('SELECT group_labels, silence FROM silence_targets WHERE ref = $1', [ref])).rows[0];
      if (!row) return undefined;
      const target: SilenceTarget = { groupLabels: row.group_labels };
      if (row.silence) target.silence = row.silence;
      return target;
    });
  }

  put(ref: string, target: SilenceTarget, now: number): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query(
        `INSERT INTO silence_targets (ref, group_labels, silence, touched_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ref) DO UPDATE SET group_labels = excluded.group_labels, silence = excluded.silence, touched_at = excluded.touched_at`,
        [ref, JSON.stringify(target.groupLabels), target.silence ? JSON.stringify(target.silence) : null, now],
      );
    });
  }

  prune(before: number): Promise<void> {
    return this.db.write(async (sql) => {
      await sql.query('DELETE FROM silence_targets WHERE touched_at < $1', [before]);
    });
  }
}
