/**
 * The Prometheus alert rules shipped in rules/: promtool must accept every rule file and every
 * promtool unit test in rules/tests/ must pass. A missing promtool is a failure, not a skip.
 *
 * Also checks the conventions every rule follows (severity label, summary/description/runbook_url
 * annotations, a runbook section and a README row per alert, unit tests that show each alert both
 * firing and staying quiet).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RULES_DIR = 'rules';
const RULE_TESTS_DIR = join(RULES_DIR, 'tests');
const PROMTOOL = process.env['PROMTOOL'] ?? 'promtool';
const RUNBOOK_BASE_URL = 'https://github.com/amcord/amcord/blob/main/rules/RUNBOOKS.md';
const SEVERITIES = ['critical', 'warning', 'info'];
const EXPECTED_RULE_FILES = ['amcord.yml', 'kubernetes.yml', 'node.yml', 'proxmox.yml', 'watchdog.yml'];
/** Alerts that are meant to fire all the time and so have no "stays quiet" case. */
const ALWAYS_FIRING = new Set(['Watchdog']);

// promtool unit tests take a few seconds each on a small machine; leave plenty of room.
const PROMTOOL_TIMEOUT_MS = 180_000;
const TEST_TIMEOUT_MS = PROMTOOL_TIMEOUT_MS + 20_000;

interface PromtoolRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs promtool (no shell) from the repository root. Rejects if it cannot be started or is killed. */
function runPromtool(args: readonly string[]): Promise<PromtoolRun> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      PROMTOOL,
      args,
      { cwd: REPO_ROOT, timeout: PROMTOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) {
          resolvePromise({ exitCode: 0, stdout, stderr });
          return;
        }
        if (error.code === 'ENOENT') {
          reject(
            new Error(
              `promtool was not found (tried "${PROMTOOL}"${PROMTOOL.includes('/') ? '' : ' on PATH'}). ` +
                'The alert rule tests need it: ' +
                'install the Debian package "prometheus" (apt-get install prometheus), which provides ' +
                '/usr/bin/promtool, or point the PROMTOOL environment variable at a promtool binary.',
            ),
          );
          return;
        }
        if (typeof error.code === 'number') {
          resolvePromise({ exitCode: error.code, stdout, stderr });
          return;
        }
        const how = error.killed ? `was killed (${error.signal ?? 'signal'}) after ${PROMTOOL_TIMEOUT_MS} ms` : 'failed';
        reject(new Error(`promtool ${args.join(' ')} ${how}: ${error.message}\n${stdout}${stderr}`));
      },
    );
  });
}

function expectSuccess(run: PromtoolRun, command: string): void {
  if (run.exitCode !== 0) {
    throw new Error(
      `${command} exited with code ${run.exitCode}\n` +
        `--- promtool stdout ---\n${run.stdout}\n--- promtool stderr ---\n${run.stderr}`,
    );
  }
  expect(run.exitCode).toBe(0);
}

/** Paths relative to the repository root, like the shell glob `<dir>/*<suffix>`. */
function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(join(REPO_ROOT, dir))
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => join(dir, name));
}

function readYaml(relativePath: string): unknown {
  return parseYaml(readFileSync(join(REPO_ROOT, relativePath), 'utf8'));
}

const ruleFileSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.object({
          alert: z.string().optional(),
          record: z.string().optional(),
          expr: z.string(),
          for: z.string().optional(),
          labels: z.record(z.string(), z.string()).optional(),
          annotations: z.record(z.string(), z.string()).optional(),
        }),
      ),
    }),
  ),
});

const unitTestFileSchema = z.object({
  rule_files: z.array(z.string()),
  tests: z.array(
    z.object({
      name: z.string().optional(),
      alert_rule_test: z
        .array(
          z.object({
            alertname: z.string(),
            exp_alerts: z.array(z.unknown()).nullish(),
          }),
        )
        .optional(),
    }),
  ),
});

type AlertRule = z.infer<typeof ruleFileSchema>['groups'][number]['rules'][number];

function alertRules(): { file: string; rule: AlertRule & { alert: string } }[] {
  return listFiles(RULES_DIR, '.yml').flatMap((file) =>
    ruleFileSchema.parse(readYaml(file)).groups.flatMap((group) =>
      group.rules.flatMap((rule) => (rule.alert === undefined ? [] : [{ file, rule: { ...rule, alert: rule.alert } }])),
    ),
  );
}

describe('alert rules (promtool)', () => {
  it('ships the expected rule files', () => {
    expect(listFiles(RULES_DIR, '.yml').map((file) => file.slice(RULES_DIR.length + 1))).toEqual(EXPECTED_RULE_FILES);
  });

  it(
    'promtool check rules accepts every rule file',
    async () => {
      const files = listFiles(RULES_DIR, '.yml');
      const run = await runPromtool(['check', 'rules', ...files]);
      expectSuccess(run, `promtool check rules ${files.join(' ')}`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'promtool test rules passes every unit test file',
    async () => {
      const files = listFiles(RULE_TESTS_DIR, '.yml');
      expect(files.length).toBeGreaterThan(0);
      const run = await runPromtool(['test', 'rules', ...files]);
      expectSuccess(run, `promtool test rules ${files.join(' ')}`);
      expect(run.stdout).not.toContain('FAILED');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('alert rule conventions', () => {
  const rules = alertRules();
  const runbooks = readFileSync(join(REPO_ROOT, RULES_DIR, 'RUNBOOKS.md'), 'utf8');
  const readme = readFileSync(join(REPO_ROOT, RULES_DIR, 'README.md'), 'utf8');

  it('defines each alert exactly once', () => {
    const names = rules.map(({ rule }) => rule.alert);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
  });

  it.each(rules.map(({ file, rule }) => [rule.alert, file, rule] as const))(
    '%s (%s) has a severity, summary, description with the value, and a runbook',
    (alert, _file, rule) => {
      expect(SEVERITIES).toContain(rule.labels?.['severity']);
      const annotations = rule.annotations ?? {};
      expect(annotations['summary'], 'summary').toMatch(/\S/);
      expect(annotations['description'], 'description must show the current value').toContain('$value');
      expect(annotations['runbook_url']).toBe(`${RUNBOOK_BASE_URL}#${alert.toLowerCase()}`);
      expect(runbooks.split('\n'), `RUNBOOKS.md needs a "## ${alert}" section`).toContain(`## ${alert}`);
      expect(readme, `README.md needs a table row for ${alert}`).toContain(`| ${alert} |`);
    },
  );

  it('has a unit test file for every rule file', () => {
    const tested = new Set(
      listFiles(RULE_TESTS_DIR, '.yml').flatMap((file) =>
        unitTestFileSchema.parse(readYaml(file)).rule_files.map((ruleFile) => join(RULE_TESTS_DIR, ruleFile)),
      ),
    );
    expect(listFiles(RULES_DIR, '.yml').filter((file) => !tested.has(file))).toEqual([]);
  });

  it('unit tests show every alert firing and (where it can) staying quiet', () => {
    const firing = new Set<string>();
    const quiet = new Set<string>();
    for (const file of listFiles(RULE_TESTS_DIR, '.yml')) {
      for (const test of unitTestFileSchema.parse(readYaml(file)).tests) {
        for (const check of test.alert_rule_test ?? []) {
          ((check.exp_alerts ?? []).length > 0 ? firing : quiet).add(check.alertname);
        }
      }
    }
    const names = rules.map(({ rule }) => rule.alert);
    expect(names.filter((name) => !firing.has(name)), 'alerts never shown firing').toEqual([]);
    expect(
      names.filter((name) => !ALWAYS_FIRING.has(name) && !quiet.has(name)),
      'alerts never shown staying quiet',
    ).toEqual([]);
  });
});
