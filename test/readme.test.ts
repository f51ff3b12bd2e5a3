import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envName, scalarSettings } from '../src/config/env-overrides.js';
import { configSchema } from '../src/config/schema.js';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const CI = readFileSync(join(import.meta.dirname, '..', '.ci', 'run'), 'utf8');

describe('README', () => {
  it('documents every setting and its environment variable', () => {
    for (const setting of scalarSettings(configSchema)) {
      expect(README, setting.path.join('.')).toContain(`\`${setting.path.join('.')}\``);
      expect(README, envName(setting.path)).toContain(`\`${envName(setting.path)}\``);
    }
  });

  it('links only to files and folders that exist', () => {
    const targets = [...README.matchAll(/\]\(((?:src|test|templates|rules|examples|deploy|bench)\/[^)#\s]*|[.\w-]+\.(?:cjs|json|md|yml))\)/g)].map((match) => match[1] ?? '');
    expect(targets.length).toBeGreaterThan(20);
    expect(targets.filter((target) => !existsSync(join(import.meta.dirname, '..', target)))).toEqual([]);
  });

  it('names every folder of src/ in its layer drawing', () => {
    const layers = README.slice(README.indexOf('### Layers'), README.indexOf('### One alert'));
    for (const folder of readdirSync(join(import.meta.dirname, '..', 'src'), { withFileTypes: true })) {
      if (folder.isDirectory()) expect(layers, folder.name).toContain(` ${folder.name}/`);
    }
  });

  it('gives the test command that CI runs', () => {
    expect(README).toContain('npm test');
    expect(CI).toMatch(/^npm test$/m);
  });
});
