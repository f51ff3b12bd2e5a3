/**
 * What can be known about the container image without Docker: the Dockerfile only copies what
 * exists (and what .dockerignore lets through), runs as a non-root user with a health check,
 * a /data volume and port 9095; and the image's entry command works from a clean production
 * install (`npm ci --omit=dev` of the lockfile plus dist/), which is what the runtime stage holds.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitUntil } from './support/processes.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'alertmanager-0.25', 'webhook-firing.json');

// --- Dockerfile ----------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  /** The arguments as written, continuation lines joined. */
  args: string;
}

interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

/** Instructions grouped by stage; comments dropped and `\` continuations joined. */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  let pending = '';
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s*(.*)$/s.exec(full);
    if (!match) continue;
    const keyword = (match[1] ?? '').toUpperCase();
    const args = match[2] ?? '';
    if (keyword === 'FROM') {
      const [base = '', as, name] = args.split(/\s+/);
      stages.push({ base, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

/** A JSON exec form (`["node", "dist/cli.js"]`); fails the test for a shell form. */
function execForm(args: string | undefined, what: string): string[] {
  expect(args, `${what} is present`).toBeDefined();
  const parsed: unknown = JSON.parse(args ?? 'null');
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`${what} is not in exec form: ${args}`);
  return parsed;
}

/** `KEY=value` pairs of every ENV instruction of a stage (values without spaces or quotes). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [key = '', ...value] = pair.split('=');
      env[key] = value.join('=');
    }
  }
  return env;
}

interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}

function copiesOf(stage: Stage): Copy[] {
  return argsOf(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const flags = words.filter((word) => word.startsWith('--'));
    const paths = words.filter((word) => !word.startsWith('--'));
    const from = flags.find((word) => word.startsWith('--from='))?.slice('--from='.length);
    return { from, sources: paths.slice(0, -1), destination: paths[paths.length - 1] ?? '' };
  });
}

// --- .dockerignore -------------------------------------------------------------------------

/** The (non-negated) patterns of .dockerignore as regular expressions over context paths. */
function dockerignorePatterns(text: string): RegExp[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((pattern) => {
      expect(pattern.startsWith('!'), `negated .dockerignore pattern ${pattern} is not understood here`).toBe(false);
      const body = pattern
        .replace(/^\/+|\/+$/g, '')
        .split(/(\*\*\/|\*\*|\*|\?)/)
        .map((part) => {
          if (part === '**/') return '(?:.*/)?';
          if (part === '**') return '.*';
          if (part === '*') return '[^/]*';
          if (part === '?') return '[^/]';
          return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
        })
        .join('');
      return new RegExp(`^${body}$`);
    });
}

/** Excluded if the path or one of its parent directories matches a pattern. */
function isIgnored(patterns: RegExp[], path: string): boolean {
  const parts = posix.normalize(path).split('/');
  return parts.some((_, index) => {
    const prefix = parts.slice(0, index + 1).join('/');
    return patterns.some((pattern) => pattern.test(prefix));
  });
}

const dockerfileText = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfileText);
const buildStage = stages[0];
const runtimeStage = stages[stages.length - 1];
const ignorePatterns = dockerignorePatterns(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));

function requireStage(stage: Stage | undefined): Stage {
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stage;
}

/**
 * What the runtime stage's COPY instructions put into its WORKDIR: repository path (a path of
 * the build stage stands for the same path in the repository) -> path in the WORKDIR.
 */
function runtimeFiles(): Map<string, string> {
  const runtime = requireStage(runtimeStage);
  const workdir = argsOf(runtime, 'WORKDIR').at(-1) ?? '/';
  const buildWorkdir = argsOf(requireStage(buildStage), 'WORKDIR').at(-1) ?? '/';
  const files = new Map<string, string>();
  for (const copy of copiesOf(runtime)) {
    const destination = posix.resolve(workdir, copy.destination);
    for (const source of copy.sources) {
      const repoPath = copy.from === undefined ? posix.normalize(source) : posix.relative(buildWorkdir, source);
      // A directory's contents go into the destination; a file goes into a destination ending in '/'.
      const intoDirectory = copy.destination.endsWith('/') || copy.sources.length > 1;
      const isDirectory = existsSync(join(REPO_ROOT, repoPath)) && statSync(join(REPO_ROOT, repoPath)).isDirectory();
      const target = intoDirectory && !isDirectory ? posix.join(destination, posix.basename(repoPath)) : destination;
      files.set(repoPath, posix.relative(workdir, target));
    }
  }
  return files;
}

describe('Dockerfile', () => {
  it('builds in one stage and runs in another, both on node:20-bookworm-slim', () => {
    expect(stages).toHaveLength(2);
    expect(requireStage(buildStage).name).toBeDefined();
    for (const stage of stages) expect(stage.base).toBe('node:20-bookworm-slim');
  });

  it('builds the native module, compiles, drops dev dependencies and proves better-sqlite3 loads', () => {
    const runs = argsOf(requireStage(buildStage), 'RUN').join('\n');
    expect(runs).toMatch(/apt-get install[^\n]*\bpython3\b/);
    expect(runs).toMatch(/apt-get install[^\n]*\bmake\b/);
    expect(runs).toMatch(/apt-get install[^\n]*\bg\+\+/);
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm rebuild better-sqlite3/);
    expect(runs).toMatch(/npm run build/);
    expect(runs).toMatch(/npm prune --omit=dev|npm ci [^\n]*--omit=dev/);
    // Loading the module is not enough: better-sqlite3 opens its binding with the first database.
    expect(runs).toContain(`require('better-sqlite3'))(':memory:')`);
    expect(runs.lastIndexOf('better-sqlite3')).toBeGreaterThan(runs.indexOf('--omit=dev'));
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    for (const stage of stages) {
      for (const copy of copiesOf(stage).filter((candidate) => candidate.from === undefined)) {
        for (const source of copy.sources) {
          const path = join(REPO_ROOT, source);
          expect(existsSync(path), `COPY ${source}: exists in the repository`).toBe(true);
          // git keeps no empty directories, so an empty one would be missing from a fresh clone.
          if (existsSync(path) && statSync(path).isDirectory()) expect(readdirSync(path), `COPY ${source}: has files`).not.toEqual([]);
          expect(isIgnored(ignorePatterns, source), `COPY ${source}: not excluded by .dockerignore`).toBe(false);
        }
      }
    }
  });

  it('gives the build stage everything the TypeScript build reads', () => {
    const build = requireStage(buildStage);
    const buildConfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { extends?: string; include: string[] };
    const copied = copiesOf(build).flatMap((copy) => copy.sources.map((source) => posix.normalize(source)));
    const needed = ['package.json', 'package-lock.json', 'tsconfig.build.json', ...(buildConfig.extends ? [posix.normalize(buildConfig.extends)] : []), ...buildConfig.include];
    for (const path of needed) expect(copied, `the build stage copies ${path}`).toContain(path);
  });

  it('copies from the build stage only what that stage produced', () => {
    const build = requireStage(buildStage);
    const workdir = argsOf(build, 'WORKDIR').at(-1) ?? '/';
    const buildConfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { outDir: string } };
    const runs = argsOf(build, 'RUN').join('\n');
    const produced = new Set<string>([
      ...copiesOf(build).flatMap((copy) => copy.sources.map((source) => posix.join(workdir, posix.basename(source)))),
      ...(runs.includes('npm ci') ? [posix.join(workdir, 'node_modules')] : []),
      ...(runs.includes('npm run build') ? [posix.join(workdir, buildConfig.compilerOptions.outDir)] : []),
    ]);
    const fromBuild = copiesOf(requireStage(runtimeStage)).filter((copy) => copy.from !== undefined);
    expect(fromBuild.map((copy) => copy.from)).toEqual(fromBuild.map(() => build.name));
    const copied = fromBuild.flatMap((copy) => copy.sources);
    expect(copied.sort()).toEqual(['/app/dist', '/app/node_modules', '/app/package.json']);
    for (const source of copied) expect(produced, `${source} comes from the build stage`).toContain(source);
  });

  it('ships the message templates that amcord reads from its package folder', () => {
    const templates = join(REPO_ROOT, 'templates');
    expect(existsSync(templates), 'templates/ exists in the repository').toBe(true);
    expect(readdirSync(templates).filter((name) => name.endsWith('.yml')), 'templates/ holds templates').not.toEqual([]);
    expect([...runtimeFiles().values()]).toContain('templates');
  });

  it('runs as a non-root user, with /data, port 9095, a health check and production settings', () => {
    const runtime = requireStage(runtimeStage);
    const user = argsOf(runtime, 'USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0'], `USER ${user}`).not.toContain(user?.split(':')[0]);
    expect(argsOf(runtime, 'VOLUME')).toContain('/data');
    expect(argsOf(runtime, 'EXPOSE')).toContain('9095');
    expect(envOf(runtime)).toMatchObject({ AMCORD_DATA_DIR: '/data', AMCORD_SERVER_HOST: '0.0.0.0', NODE_ENV: 'production' });
    const healthcheck = argsOf(runtime, 'HEALTHCHECK').at(-1) ?? '';
    expect(healthcheck).toMatch(/\bCMD\b/);
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toContain('AMCORD_SERVER_PORT');
  });

  it('starts node dist/cli.js serve, and dist/cli.js is what the build produces', () => {
    const runtime = requireStage(runtimeStage);
    const entrypoint = execForm(argsOf(runtime, 'ENTRYPOINT').at(-1), 'ENTRYPOINT');
    expect(entrypoint).toEqual(['node', 'dist/cli.js']);
    expect(execForm(argsOf(runtime, 'CMD').at(-1), 'CMD')).toEqual(['serve']);
    // test/global-setup.ts has run the build.
    expect(existsSync(join(REPO_ROOT, entrypoint[1] ?? ''))).toBe(true);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(Object.values(pkg.bin)).toContain(entrypoint[1]);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build output, state, git and secrets out of the build context', () => {
    for (const path of ['node_modules', 'dist', 'data', '.git', 'coverage', 'examples/secrets', 'examples/secrets/amcord-token']) {
      expect(isIgnored(ignorePatterns, path), path).toBe(true);
    }
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/cli.ts']) {
      expect(isIgnored(ignorePatterns, path), path).toBe(false);
    }
  });
});

// --- The entry command from a clean production install ----------------------------------------

const INSTALL_TIMEOUT_MS = 480_000;
const COMMAND_TIMEOUT_MS = 30_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(file: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, timeout: options.timeoutMs ?? COMMAND_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const ms = Date.now() - started;
        if (error === null) resolvePromise({ code: 0, stdout, stderr, ms });
        else if (typeof error.code === 'number') resolvePromise({ code: error.code, stdout, stderr, ms });
        else reject(new Error(`${file} ${args.join(' ')} failed after ${ms} ms: ${error.message}\n${stdout}${stderr}`));
      },
    );
    child.stdin?.end(options.input ?? '');
  });
}

function expectSuccess(result: Run, command: string): void {
  expect(result.code, `${command}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`).toBe(0);
}

/** The test's environment without AMCORD_* from the developer's shell, plus the image's ENV. */
function imageEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AMCORD_')));
  return { ...base, ...envOf(requireStage(runtimeStage)), ...overrides };
}

describe('node dist/cli.js from a clean production install', () => {
  let appDir = '';
  let server: ChildProcess | undefined;

  beforeAll(async () => {
    appDir = mkdtempSync(join(tmpdir(), 'amcord-image-'));
    // What the runtime stage copies (dist/ as test/global-setup.ts built it), with the production
    // dependencies installed here from the lockfile as the build stage does.
    for (const [source, target] of runtimeFiles()) {
      if (source === 'node_modules') continue;
      cpSync(join(REPO_ROOT, source), join(appDir, target), { recursive: true });
    }
    cpSync(join(REPO_ROOT, 'package-lock.json'), join(appDir, 'package-lock.json'));
    const install = await run('npm', ['ci', '--omit=dev', '--ignore-scripts=false', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: appDir,
      env: { ...process.env, NODE_ENV: 'production' },
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    expectSuccess(install, 'npm ci --omit=dev');
  }, INSTALL_TIMEOUT_MS + 30_000);

  afterAll(() => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  it('holds the production dependencies only, with better-sqlite3 built', () => {
    const installed = readdirSync(join(appDir, 'node_modules'));
    expect(installed).toContain('better-sqlite3');
    for (const devOnly of ['typescript', 'vitest', 'eslint']) expect(installed).not.toContain(devOnly);
    expect(existsSync(join(appDir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'))).toBe(true);
  });

  it('check-config accepts the image environment', async () => {
    const result = await run(process.execPath, ['dist/cli.js', 'check-config'], { cwd: appDir, env: imageEnv() });
    expectSuccess(result, 'node dist/cli.js check-config');
    expect(result.stdout).toMatch(/^configuration OK/);
  });

  it('render prints the Discord message for a webhook payload', async () => {
    const result = await run(process.execPath, ['dist/cli.js', 'render'], {
      cwd: appDir,
      env: imageEnv(),
      input: readFileSync(FIXTURE, 'utf8'),
    });
    expectSuccess(result, 'node dist/cli.js render < webhook-firing.json');
    const messages = JSON.parse(result.stdout) as Array<{ embeds: Array<{ title: string }> }>;
    expect(messages[0]?.embeds[0]?.title).toMatch(/Firing/);
  });

  it(
    'serves, answers the health check, and exits 0 on SIGTERM',
    async () => {
      const port = await freePort();
      const dataDir = join(appDir, 'data');
      const env = imageEnv({ AMCORD_SERVER_HOST: '127.0.0.1', AMCORD_SERVER_PORT: String(port), AMCORD_DATA_DIR: dataDir, AMCORD_LOG_FORMAT: 'json' });
      const entrypoint = execForm(argsOf(requireStage(runtimeStage), 'ENTRYPOINT').at(-1), 'ENTRYPOINT');
      const cmd = execForm(argsOf(requireStage(runtimeStage), 'CMD').at(-1), 'CMD');
      let output = '';
      const child = spawn(process.execPath, [...entrypoint.slice(1), ...cmd], { cwd: appDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      server = child;
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
        child.once('exit', (code, signal) => resolveExit({ code, signal })),
      );

      await waitUntil(
        async () => {
          if (child.exitCode !== null) throw new Error(`amcord exited with code ${child.exitCode}: ${output}`);
          const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
          await response.arrayBuffer();
          return response.status === 200;
        },
        { timeoutMs: 30_000, description: 'GET /readyz to answer 200' },
      );
      expect(readdirSync(dataDir).length, 'state is kept in AMCORD_DATA_DIR').toBeGreaterThan(0);

      // The image's HEALTHCHECK command, run as Docker would run it.
      const healthcheck = execForm(/\bCMD\s+(\[.*\])\s*$/s.exec(argsOf(requireStage(runtimeStage), 'HEALTHCHECK').at(-1) ?? '')?.[1], 'HEALTHCHECK CMD');
      expect(healthcheck[0]).toBe('node');
      const healthy = await run(process.execPath, healthcheck.slice(1), { cwd: appDir, env });
      expect(healthy.code, `HEALTHCHECK while serving: ${healthy.stderr}`).toBe(0);

      child.kill('SIGTERM');
      const exit = await Promise.race([exited, new Promise<'timeout'>((resolveTimeout) => setTimeout(() => resolveTimeout('timeout'), 15_000))]);
      expect(exit, `exit after SIGTERM; output:\n${output}`).toEqual({ code: 0, signal: null });

      const unhealthy = await run(process.execPath, healthcheck.slice(1), { cwd: appDir, env });
      expect(unhealthy.code, 'HEALTHCHECK after the server stopped').toBe(1);
    },
    90_000,
  );
});
