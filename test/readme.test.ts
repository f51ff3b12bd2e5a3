import { readFileSync } from 'node:fs';
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

  it('gives the test command that CI runs', () => {
    expect(README).toContain('npm test');
    expect(CI).toMatch(/^npm test$/m);
  });
});
