/**
 * The ingest and storm scenarios again with amcord's state in PostgreSQL: a throwaway cluster
 * (initdb in a temporary folder, on loopback, as the tests start it), a fresh database for each
 * scenario, so the figures sit beside SQLite's from the same run.
 */
import pg from 'pg';
import type { BenchConfig } from './config.js';
import { runIngest, type IngestResult } from './ingest.js';
import { runStorm, type StormResult } from './storm.js';
import { startPostgres, type RunningPostgres } from '../test/support/postgres.js';

export interface PostgresBench {
  /** The server's version, as it reports it. */
  server: string;
  ingest: IngestResult;
  storm: StormResult;
}

async function serverVersion(server: RunningPostgres): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    return String((await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version);
  } finally {
    await client.end();
  }
}

/** Full-speed and fixed-rate ingest (without the size sweep) and the main storm, on PostgreSQL. */
export async function runOnPostgres(config: BenchConfig): Promise<PostgresBench> {
  const server = await startPostgres();
  try {
    const env = async (name: string): Promise<Record<string, string>> => ({ AMCORD_STORAGE_POSTGRES_URL: await server.createDatabase(name) });
    const ingest = await runIngest(
      { ...config.ingest, sweep: { ...config.ingest.sweep, alertsPerRequest: [] } },
      { idleSettleMs: Math.min(1_000, config.footprint.idleSettleMs), env: await env('bench_ingest') },
    );
    const storm = await runStorm(config.storm, { idleSettleMs: Math.min(1_000, config.footprint.idleSettleMs), env: await env('bench_storm') });
    return { server: await serverVersion(server), ingest, storm };
  } finally {
    await server.destroy();
  }
}
