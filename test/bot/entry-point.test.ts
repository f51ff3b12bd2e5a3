import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');
const BOT = join(SRC, 'bot');
const ENTRY = join(BOT, 'index.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative module specifiers, static and dynamic, resolved to .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((match) => resolve(dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts')));
}

describe('the bot entry point', () => {
  it('is the only bot module the rest of amcord imports', () => {
    const outside = sourceFiles(SRC).filter((file) => !file.startsWith(`${BOT}/`));
    const reachingIn = outside.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(`${BOT}/`) && target !== ENTRY)
        .map((target) => `${relative(SRC, file)} -> ${relative(SRC, target)}`),
    );
    expect(reachingIn).toEqual([]);
    expect(outside.some((file) => importsOf(file).includes(ENTRY))).toBe(true);
  });

  it('is loaded lazily: nothing outside the bot imports it statically, but for types', () => {
    const staticImport = /^(?!(?:import|export) type )[^\n]*from\s+'[^']*\/bot\/index\.js'/m;
    const staticImports = sourceFiles(SRC)
      .filter((file) => !file.startsWith(`${BOT}/`))
      .filter((file) => staticImport.test(readFileSync(file, 'utf8')));
    expect(staticImports.map((file) => relative(SRC, file))).toEqual([]);
  });
});
