import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, posix, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { CLIENT_SCRIPT, COMPONENTS_PACKAGE } from './client-script.js';

/**
 * The page's scripts, served by amcord itself so the page works without the internet: the web
 * components package and what it imports (lit), straight from node_modules, resolved in the
 * browser through an import map. Only `.js` files of those packages are served.
 */

interface BrowserPackage {
  name: string;
  dir: string;
  /** The file `import 'name'` means, relative to dir. */
  main: string;
  /** `import 'name/x'` for subpaths whose file is not `x` itself. */
  subpaths: ReadonlyMap<string, string>;
}

interface PackageJson {
  main?: string;
  module?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
}

/** Conditions a browser loading ES modules meets, in the order package.json lists them. */
const CONDITIONS = new Set(['browser', 'import', 'module', 'default']);

function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(exportTarget).find((target) => target !== undefined);
  if (value && typeof value === 'object') {
    for (const [condition, target] of Object.entries(value)) {
      if (!CONDITIONS.has(condition)) continue;
      const found = exportTarget(target);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

const relativePath = (target: string): string => posix.normalize(target).replace(/^\.\//, '');

function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', ...name.split('/'));
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function describePackage(name: string, dir: string, json: PackageJson): BrowserPackage {
  const { exports } = json;
  const map = exports && typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((key) => key.startsWith('.'))
    ? (exports as Record<string, unknown>)
    : { '.': exports };
  const main = exportTarget(map['.']) ?? json.module ?? json.main ?? 'index.js';
  const subpaths = new Map<string, string>();
  for (const [key, value] of Object.entries(map)) {
    if (key === '.' || key.includes('*') || !key.startsWith('./')) continue;
    const target = exportTarget(value);
    if (target !== undefined && relativePath(target) !== relativePath(key)) subpaths.set(relativePath(key), relativePath(target));
  }
  return { name, dir, main: relativePath(main), subpaths };
}

/** The components package and its runtime dependencies, each found where Node would find it. */
export function browserPackages(fromDir = dirname(fileURLToPath(import.meta.url))): BrowserPackage[] {
  const found = new Map<string, BrowserPackage>();
  const visit = (name: string, from: string): void => {
    if (found.has(name)) return;
    const dir = findPackageDir(name, from);
    if (!dir) throw new Error(`the preview page needs the npm package ${name}, which is not installed (run npm ci)`);
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
    found.set(name, describePackage(name, dir, json));
    for (const dependency of Object.keys(json.dependencies ?? {})) visit(dependency, dir);
  };
  visit(COMPONENTS_PACKAGE, fromDir);
  return [...found.values()];
}

/** The import map for the page at `base` (a relative URL ending in `/`, pointing at the assets). */
export function importMap(packages: readonly BrowserPackage[], base: string): { imports: Record<string, string> } {
  const imports: Record<string, string> = {};
  for (const pkg of packages) {
    const root = `${base}pkg/${pkg.name}/`;
    imports[pkg.name] = root + pkg.main;
    imports[`${pkg.name}/`] = root;
    for (const [subpath, target] of pkg.subpaths) imports[`${pkg.name}/${subpath}`] = root + target;
  }
  return { imports };
}

const SAFE_FILE = /^(?:[\w@.-]+\/)*[\w@.-]+\.js$/;

/** A file of one of the packages, by its path below the package; undefined for anything else. */
export function packageFile(packages: readonly BrowserPackage[], path: string): string | undefined {
  const pkg = packages.find((candidate) => path.startsWith(`${candidate.name}/`));
  if (!pkg) return undefined;
  const rest = path.slice(pkg.name.length + 1);
  if (!SAFE_FILE.test(rest) || rest.split('/').some((part) => part === '..' || part === '.')) return undefined;
  const file = join(pkg.dir, ...rest.split('/'));
  return file.startsWith(pkg.dir + sep) && existsSync(file) ? file : undefined;
}

const AVATAR_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 80">
<rect width="80" height="80" fill="#e6522c"/>
<path fill="#fff" d="M40 16c-2.8 0-5 2.2-5 5v1.7C27.5 24.8 23 31.6 23 39.5V51l-5 6v3h44v-3l-5-6V39.5c0-7.9-4.5-14.7-12-16.8V21c0-2.8-2.2-5-5-5zm-6 47a6 6 0 0 0 12 0z"/>
</svg>`;

const SCRIPT_HEADERS = { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=3600' };

/** `/assets/preview.js`, `/assets/avatar.svg` and `/assets/pkg/<package>/<file>.js`. */
export function createAssetsApp(packages: readonly BrowserPackage[]): Hono {
  const app = new Hono();
  const cache = new Map<string, string>();

  app.get('/preview.js', (c) => c.body(CLIENT_SCRIPT, 200, SCRIPT_HEADERS));
  app.get('/avatar.svg', (c) =>
    c.body(AVATAR_SVG, 200, { 'content-type': 'image/svg+xml', 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=3600' }),
  );
  app.get('/pkg/*', async (c) => {
    const path = c.req.path.slice(c.req.path.indexOf('/pkg/') + '/pkg/'.length);
    const file = packageFile(packages, path);
    if (!file) return c.json({ error: `no preview asset ${path}` }, 404);
    let text = cache.get(file);
    if (text === undefined) {
      text = await readFile(file, 'utf8');
      cache.set(file, text);
    }
    return c.body(text, 200, SCRIPT_HEADERS);
  });
  return app;
}
