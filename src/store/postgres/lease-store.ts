import type { LeaseAttempt, LeaseRepository, Term } from '../../cluster/lease.js';
import type { PostgresDatabase } from './database.js';

const LEADER = 'leader';

interface LeaseRow {
  holder: string;
  token: number;
  live: boolean;
  remaining_ms: number;
}

/**
 * The leader's lease in PostgreSQL: one row, read and changed under its row lock, with expiry
 * on the server's clock. Writes of the leader lock the same row for sharing (FENCE_CHECK in
 * database.ts), so a takeover waits for them and they cannot land after it.
 */
export class PostgresLeaseStore implements LeaseRepository {
  constructor(private readonly db: PostgresDatabase) {}

  async acquire(holder: string, durationMs: number, options: { takeOver?: boolean } = {}): Promise<LeaseAttempt> {
    const takeOver = options.takeOver ?? true;
    let attempt: LeaseAttempt | undefined;
    await this.db.write(
      async (sql) => {
        // The row exists from the first attempt on, so replicas starting together lock the same row.
        await sql.query("INSERT INTO leases (name, holder, token, expires_at) VALUES ($1, '', 0, to_timestamp(0)) ON CONFLICT (name) DO NOTHING", [LEADER]);
        const { rows } = await sql.query<LeaseRow>(
          `SELECT holder, token, expires_at > clock_timestamp() AS live,
                  greatest(0, extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS remaining_ms
           FROM leases WHERE name = $1 FOR UPDATE`,
          [LEADER],
        );
        const current = rows[0];
        if (!current) throw new Error('the lease row is missing');
        const renewed = current.holder === holder;
        if (!renewed && (current.live || !takeOver)) {
          attempt = { held: false, holder: current.holder, remainingMs: current.remaining_ms };
          return;
        }
        const token = renewed ? current.token : current.token + 1;
        await sql.query("UPDATE leases SET holder = $2, token = $3, expires_at = clock_timestamp() + $4 * interval '1 millisecond' WHERE name = $1", [
          LEADER,
          holder,
          token,
          durationMs,
        ]);
        attempt = { held: true, term: { holder, token }, renewed };
      },
      { fenced: false },
    );
    if (!attempt) throw new Error('the lease was neither taken nor found');
    return attempt;
  }

  async release(term: Term): Promise<void> {
    await this.db.write(
      async (sql) => {
        await sql.query("UPDATE leases SET expires_at = clock_timestamp() WHERE name = $1 AND holder = $2 AND token = $3", [LEADER, term.holder, term.token]);
      },
      { fenced: false },
    );
  }
}
