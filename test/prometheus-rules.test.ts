/**
 * The PrometheusRule objects of deploy/kubernetes/overlays/kube-prometheus-stack are rules/ as
 * the Prometheus Operator takes them: the file is what scripts/prometheus-rules.ts makes of rules/
 * today (so it cannot drift), it holds exactly the rule groups of rules/, and promtool accepts
 * the groups as the operator hands them to Prometheus. A missing promtool is a failure.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { PROMETHEUS_RULES_FILE, RULES_DIR, renderPrometheusRules, ruleFileNames } from '../scripts/prometheus-rules.js';
import { kustomizeBuild } from './support/kustomize.js';
import { requireBinary } from './support/processes.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const committed = readFileSync(join(REPO_ROOT, PROMETHEUS_RULES_FILE), 'utf8');

interface RuleGroup {
  name: string;
  rules: Array<{ alert?: string; record?: string }>;
}

interface PrometheusRuleObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { groups: RuleGroup[] };
}

const objects = parseAllDocuments(committed).map((document) => document.toJS() as PrometheusRuleObject);
const rulesOf = (fileName: string) => (parseYaml(readFileSync(join(REPO_ROOT, RULES_DIR, fileName), 'utf8')) as { groups: RuleGroup[] }).groups;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe(PROMETHEUS_RULES_FILE, () => {
  it('is what `npm run generate:prometheus-rules` makes of rules/ now', () => {
    expect(committed, 'run npm run generate:prometheus-rules and commit the result').toBe(renderPrometheusRules(REPO_ROOT));
  });

  it('holds one PrometheusRule per rule file, with exactly its groups', () => {
    const fileNames = ruleFileNames(REPO_ROOT);
    expect(fileNames.length).toBeGreaterThan(0);
    expect(objects.map((object) => object.metadata.name)).toEqual(fileNames.map((name) => `amcord-${name.replace(/\.yml$/, '')}`));
    fileNames.forEach((fileName, index) => {
      const object = objects[index];
      expect(object?.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(object?.kind).toBe('PrometheusRule');
      expect(object?.spec.groups, fileName).toEqual(rulesOf(fileName));
    });
  });

  it('has every alert of rules/ once, and no other', () => {
    const alerts = (groups: RuleGroup[]) => groups.flatMap((group) => group.rules.map((rule) => rule.alert ?? rule.record ?? ''));
    const fromRules = ruleFileNames(REPO_ROOT).flatMap((fileName) => alerts(rulesOf(fileName)));
    const fromObjects = objects.flatMap((object) => alerts(object.spec.groups));
    expect(fromRules.length).toBeGreaterThan(20);
    expect(fromObjects).toEqual(fromRules);
  });

  it('is applied whole by the kube-prometheus-stack overlay', () => {
    const built = kustomizeBuild(join(REPO_ROOT, 'deploy', 'kubernetes', 'overlays', 'kube-prometheus-stack')).filter(
      (manifest) => manifest.kind === 'PrometheusRule',
    );
    expect(built.map((manifest) => [manifest.metadata.name, manifest['spec']])).toEqual(objects.map((object) => [object.metadata.name, object.spec]));
  });

  it('passes promtool check rules, each object as the operator gives it to Prometheus', async () => {
    const promtool = requireBinary('promtool');
    const dir = mkdtempSync(join(tmpdir(), 'amcord-prometheus-rules-'));
    tempDirs.push(dir);
    const files = objects.map((object) => {
      const path = join(dir, `${object.metadata.name}.yml`);
      writeFileSync(path, stringify({ groups: object.spec.groups }));
      return path;
    });
    const result = await new Promise<{ code: number; output: string }>((resolvePromise, reject) => {
      execFile(promtool, ['check', 'rules', ...files], { timeout: 120_000, encoding: 'utf8' }, (error, stdout, stderr) => {
        if (error === null) resolvePromise({ code: 0, output: stdout + stderr });
        else if (typeof error.code === 'number') resolvePromise({ code: error.code, output: stdout + stderr });
        else reject(new Error(`promtool check rules failed: ${error.message}`));
      });
    });
    expect(result.code, result.output).toBe(0);
    for (const file of files) expect(result.output).toContain(`Checking ${file}`);
    expect(result.output).not.toMatch(/FAILED/);
  }, 150_000);
});
