/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temporary folder, the server on a free
 * loopback port with its unix socket in that folder, run as an unprivileged user (the server
 * refuses to run as root), and never outliving the test process. The binaries are Debian's
 * (package postgresql); without them a test fails, it is never skipped.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './processes.js';

const LOOPBACK = '127.0.0.1';
/** The OS user the cluster runs as when the tests run as root. */
const TEST_USER = 'amcord-test';
const DATABASE_USER = 'amcord';
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_BYTES = 8_000;
const INSTALL_HINT = 'apt-get install postgresql';

export interface RunningPostgres {
  /** postgres://amcord:<password>@127.0.0.1:<port>/<database>; the password needs URL-encoding, on purpose. */
  url: string;
  password: string;
  port: number;
  /** The temporary folder of the data, the socket and the password file. */
  dir: string;
  /** The last few KB of the server's output. */
  logTail(): string;
  /** A fast shutdown (clients are disconnected); the data stays for restart(). */
  stop(): Promise<void>;
  /** SIGKILL to the server and every backend: a crash. The data stays for restart(). */
  kill(): Promise<void>;
  /** Starts the server again on the same data and port. */
  restart(): Promise<void>;
  /** Stops the server if it runs and removes its folder. Safe to call twice. */
  destroy(): Promise<void>;
  /** Creates an empty database (`name`: letters, digits and _) and gives its URL, with the password. */
  createDatabase(name: string): Promise<string>;
}

/** The folder of Debian's PostgreSQL server binaries (the newest installed version), or an Error naming the package. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => `/usr/lib/postgresql/${version}/bin`));
  } catch {
    // no Debian PostgreSQL layout
  }
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // no pg_config on PATH
  }
  for (const dir of candidates) {
    try {
      accessSync(join(dir, 'initdb'), constants.X_OK);
      accessSync(join(dir, 'postgres'), constants.X_OK);
      return dir;
    } catch {
      // not a server installation
    }
  }
  throw new Error(`PostgreSQL's initdb and postgres are not installed, and the tests need the real server (Debian package postgresql). Install it with: ${INSTALL_HINT}`);
}

/** The uid and gid to run the server as: the current user, or TEST_USER (created once) when that is root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (): { uid: number; gid: number } | undefined => {
    try {
      const uid = Number(execFileSync('id', ['-u', TEST_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', TEST_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const known = lookup();
  if (known) return known;
  try {
    execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', TEST_USER], { stdio: 'ignore' });
  } catch {
    // another test file may have created it in the meantime; the lookup below says
  }
  const created = lookup();
  if (!created) throw new Error(`the tests run as root and PostgreSQL refuses root; creating the system user ${TEST_USER} failed`);
  return created;
}

const running = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

function killLeftoversOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { child, dir } of running) {
      killGroup(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The server runs in its own process group, so a signal reaches the postmaster and every backend. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** initdb into a new temporary folder, then the server on a free loopback port. */
export async function startPostgres(): Promise<RunningPostgres> {
  const binDir = postgresBinDir();
  const owner = serverUser();
  killLeftoversOnExit();
  const dir = mkdtempSync(join(tmpdir(), 'amcord-postgres-'));
  const dataDir = join(dir, 'data');
  const socketDir = join(dir, 'socket');
  // Characters that must be percent-encoded in a URL, so both spellings are tested as secrets.
  const password = `pw@${randomBytes(8).toString('hex')}:/x`;
  mkdirSync(socketDir);
  writeFileSync(join(dir, 'password'), `${password}\n`, { mode: 0o600 });
  if (owner) for (const path of [dir, socketDir, join(dir, 'password')]) chownSync(path, owner.uid, owner.gid);
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};

  try {
    execFileSync(
      join(binDir, 'initdb'),
      ['-D', dataDir, '-U', DATABASE_USER, `--pwfile=${join(dir, 'password')}`, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { ...asOwner, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', LANG: 'C' } },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const output = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
    throw new Error(`initdb failed: ${output || String(error)}`, { cause: error });
  }

  const port = await freePort();
  const url = `postgres://${DATABASE_USER}:${encodeURIComponent(password)}@${LOOPBACK}:${port}/postgres`;
  let log = '';
  let current: { child: ChildProcess; dir: string; exited: Promise<void> } | undefined;

  const launch = async (): Promise<void> => {
    const child = spawn(
      join(binDir, 'postgres'),
      // Without fsync: a test cluster lives for one file, and a killed server (kill()) still
      // finds everything it wrote in the OS's cache when it starts again.
      ['-D', dataDir, '-p', String(port), '-c', `listen_addresses=${LOOPBACK}`, '-c', `unix_socket_directories=${socketDir}`, '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50'],
      { ...asOwner, cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '', LANG: 'C' } },
    );
    const append = (chunk: Buffer): void => {
      log = (log + chunk.toString('utf8')).slice(-LOG_TAIL_BYTES);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const tracked = { child, dir, exited };
    running.add(tracked);
    void exited.then(() => running.delete(tracked));
    current = tracked;
    await waitForServer(url, exited, () => log);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const target = current;
    if (!target) return;
    current = undefined;
    killGroup(target.child, signal);
    const timedOut = await Promise.race([target.exited.then(() => false), delay(STOP_GRACE_MS).then(() => true)]);
    if (timedOut) {
      killGroup(target.child, 'SIGKILL');
      await target.exited;
    }
  };

  try {
    await launch();
  } catch (error) {
    await halt('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url,
    password,
    port,
    dir,
    logTail: () => log,
    // SIGINT is PostgreSQL's fast shutdown: sessions are ended (57P01), then the server exits.
    stop: () => halt('SIGINT'),
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGINT');
      await launch();
    },
    destroy: async () => {
      await halt('SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
    createDatabase: async (name) => {
      if (!/^\w+$/.test(name)) throw new Error(`not a database name: ${name}`);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const created = new URL(url);
      created.pathname = `/${name}`;
      return created.toString();
    },
  };
}

/** Connects until the server answers, failing early if it exits. */
async function waitForServer(url: string, exited: Promise<void>, logTail: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no answer yet';
  while (Date.now() < deadline && !gone) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      await client.end().catch(() => undefined);
    }
    await delay(50);
  }
  throw new Error(`PostgreSQL did not become ready: ${gone ? 'the server exited' : lastError}\n--- output tail ---\n${logTail()}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
