/**
 * Writes the alert rules of rules/*.yml as Prometheus Operator PrometheusRule objects, one per
 * rule file, for deploy/kubernetes/overlays/kube-prometheus-stack. The operator then loads the
 * very rules that promtool checks and tests; test/kubernetes-rules.test.ts regenerates the file
 * and fails when it differs.
 *
 *   npm run generate:prometheus-rules
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const RULES_DIR = 'rules';
export const PROMETHEUS_RULES_FILE = 'deploy/kubernetes/overlays/kube-prometheus-stack/prometheus-rules.yaml';

const HEADER = [
  '# Generated from rules/*.yml by scripts/prometheus-rules.ts: run `npm run generate:prometheus-rules`',
  '# after changing a rule, never edit this file by hand.',
  '',
].join('\n');

/** The rule files, by name, in a stable order. */
export function ruleFileNames(repoRoot: string): string[] {
  return readdirSync(join(repoRoot, RULES_DIR))
    .filter((name) => name.endsWith('.yml'))
    .sort();
}

function ruleGroups(repoRoot: string, fileName: string): unknown[] {
  const parsed: unknown = parse(readFileSync(join(repoRoot, RULES_DIR, fileName), 'utf8'));
  const groups = parsed !== null && typeof parsed === 'object' ? (parsed as { groups?: unknown }).groups : undefined;
  if (!Array.isArray(groups)) throw new Error(`${RULES_DIR}/${fileName}: expected a top-level "groups" list`);
  return groups;
}

/** The PrometheusRule manifests, as the YAML text of PROMETHEUS_RULES_FILE. */
export function renderPrometheusRules(repoRoot: string): string {
  const documents = ruleFileNames(repoRoot).map((fileName) =>
    stringify(
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: {
          name: `amcord-${basename(fileName, '.yml')}`,
          labels: { 'app.kubernetes.io/name': 'amcord' },
        },
        spec: { groups: ruleGroups(repoRoot, fileName) },
      },
      { lineWidth: 0 },
    ),
  );
  return HEADER + documents.map((document) => `---\n${document}`).join('');
}

const runAsScript = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (runAsScript) {
  // npm runs scripts from the package root.
  const repoRoot = process.cwd();
  writeFileSync(join(repoRoot, PROMETHEUS_RULES_FILE), renderPrometheusRules(repoRoot));
  process.stdout.write(`wrote ${PROMETHEUS_RULES_FILE}\n`);
}
