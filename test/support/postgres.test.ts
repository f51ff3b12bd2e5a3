import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresBinDir, startPostgres } from './postgres.js';

describe('the throwaway PostgreSQL of the tests', () => {
  it('finds the installed server', () => {
    expect(existsSync(`${postgresBinDir()}/initdb`)).toBe(true);
  });

  it('listens on loopback only, keeps its data across stop, kill and restart, and leaves nothing behind', async () => {
    const server = await startPostgres();
    const query = async (sql: string): Promise<unknown[]> => {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        return (await client.query<Record<string, unknown>>(sql)).rows;
      } finally {
        await client.end();
      }
    };
    try {
      expect(await query('SHOW listen_addresses')).toEqual([{ listen_addresses: '127.0.0.1' }]);
      await query('CREATE TABLE kept (n integer); INSERT INTO kept VALUES (1)');
      await server.stop();
      await expect(query('SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
      await server.restart();
      await query('INSERT INTO kept VALUES (2)');
      await server.kill();
      await server.restart();
      expect(await query('SELECT n FROM kept ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      await server.destroy();
    }
    await expect(query('SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
    expect(existsSync(server.dir)).toBe(false);
  });
});
