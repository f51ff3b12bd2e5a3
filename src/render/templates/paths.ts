import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root: the nearest folder above this module with a package.json (from src/ or dist/ alike). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** The templates amcord ships, `templates/` in the package. */
export const DEFAULT_TEMPLATES_DIR = join(packageRoot(), 'templates');

/** The template used when none is named. */
export const DEFAULT_TEMPLATE = 'default';
