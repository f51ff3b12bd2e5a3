/**
 * The files in examples/ are checked by the tools that read them: promtool (with amcord's rules),
 * amtool, and amcord's own check-config. compose.yml is checked for agreeing with them: the
 * ports, service names, mounted files and secrets all have to line up for `docker compose up`
 * to deliver an alert. A missing promtool or amtool is a failure, not a skip.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseDocument } from 'yaml';
import { SECRET_FILE_KEYS } from '../src/config/schema.js';
import { requireBinary } from './support/processes.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const EXAMPLES = join(REPO_ROOT, 'examples');
const CLI = join(REPO_ROOT, 'dist', 'cli.js');
const TOOL_TIMEOUT_MS = 60_000;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'amcord-examples-'));
  tempDirs.push(dir);
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; rejects only if it cannot be run at all or times out. */
function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { cwd: REPO_ROOT, env, timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolvePromise({ code: 0, stdout, stderr });
      else if (typeof error.code === 'number') resolvePromise({ code: error.code, stdout, stderr });
      else reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
    });
  });
}

function expectSuccess(result: Run, command: string): void {
  expect(result.code, `${command}\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`).toBe(0);
}

/** The environment without AMCORD_* variables from the developer's shell. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AMCORD_')));
}

type Yaml = Record<string, unknown>;

function readYaml(name: string): Yaml {
  return parseYaml(readFileSync(join(EXAMPLES, name), 'utf8')) as Yaml;
}

function at(value: unknown, ...path: Array<string | number>): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * The `<key>_file` settings a config sets, as paths: SECRET_FILE_KEYS with any `*` (such as each
 * named destination) expanded over the keys present.
 */
function secretFileSettings(config: unknown): string[][] {
  const expand = (pattern: readonly string[]): string[][] => {
    const star = pattern.indexOf('*');
    if (star < 0) return [[...pattern]];
    const parent = at(config, ...pattern.slice(0, star));
    const keys = parent !== null && typeof parent === 'object' ? Object.keys(parent) : [];
    return keys.flatMap((key) => expand([...pattern.slice(0, star), key, ...pattern.slice(star + 1)]));
  };
  return SECRET_FILE_KEYS.flatMap((pattern) => expand(pattern))
    .map((path) => [...path.slice(0, -1), `${path[path.length - 1]}_file`])
    .filter((path) => typeof at(config, ...path) === 'string');
}

const prometheus = readYaml('prometheus.yml');
const alertmanager = readYaml('alertmanager.yml');
const amcord = readYaml('amcord.yml');
const compose = readYaml('compose.yml');

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs?: Array<{ targets: string[] }>;
  relabel_configs?: Array<Record<string, unknown>>;
}

const scrapeConfigs = (prometheus['scrape_configs'] ?? []) as ScrapeConfig[];
const job = (name: string): ScrapeConfig | undefined => scrapeConfigs.find((config) => config.job_name === name);
const targetsOf = (config: ScrapeConfig | undefined): string[] => (config?.static_configs ?? []).flatMap((group) => group.targets);

describe('examples/prometheus.yml', () => {
  it('passes promtool check config, with the repository rules loaded where rule_files points', async () => {
    const promtool = requireBinary('promtool');
    // rule_files names where the rules are mounted in the container; point it at the repository.
    const ruleFiles = prometheus['rule_files'] as string[];
    expect(ruleFiles).toEqual(['/etc/prometheus/rules/*.yml']);
    const document = parseDocument(readFileSync(join(EXAMPLES, 'prometheus.yml'), 'utf8'));
    document.set('rule_files', [join(REPO_ROOT, 'rules', posix.basename(ruleFiles[0] ?? ''))]);
    const configPath = join(tempDir(), 'prometheus.yml');
    writeFileSync(configPath, String(document));

    const result = await run(promtool, ['check', 'config', configPath]);
    expectSuccess(result, `promtool check config (examples/prometheus.yml, rule_files -> rules/)`);
    const output = result.stdout + result.stderr;
    const ruleFileNames = readdirSync(join(REPO_ROOT, 'rules')).filter((name) => name.endsWith('.yml'));
    expect(ruleFileNames.length).toBeGreaterThan(0);
    for (const name of ruleFileNames) {
      expect(output, `promtool checked rules/${name}`).toContain(join(REPO_ROOT, 'rules', name));
    }
    expect(output).not.toMatch(/FAILED/);
  });

  it('passes promtool check config as it is', async () => {
    const promtool = requireBinary('promtool');
    expectSuccess(await run(promtool, ['check', 'config', join(EXAMPLES, 'prometheus.yml')]), 'promtool check config examples/prometheus.yml');
  });

  it('scrapes what the rules expect, by the job names they use', () => {
    expect(scrapeConfigs.some((config) => config.job_name.startsWith('node') && targetsOf(config).length > 0)).toBe(true);
    expect(targetsOf(job('amcord')).length).toBeGreaterThan(0);
    expect(targetsOf(job('kube-state-metrics')).length).toBeGreaterThan(0);
    expect(targetsOf(job('cadvisor')).length).toBeGreaterThan(0);
    // pve-exporter: /pve on the exporter, asked about the target in ?target=
    const pve = job('pve');
    expect(pve?.metrics_path).toBe('/pve');
    expect(pve?.relabel_configs).toContainEqual({ source_labels: ['__address__'], target_label: '__param_target' });
    expect(pve?.relabel_configs?.some((relabel) => relabel['target_label'] === '__address__')).toBe(true);
  });

  it('uses placeholder names, never real addresses', () => {
    const hosts = scrapeConfigs.flatMap(targetsOf).map((target) => target.replace(/:\d+$/, ''));
    const composeServices = Object.keys(compose['services'] as Yaml);
    for (const host of hosts) {
      const ok = host.endsWith('.home.arpa') || host === 'localhost' || composeServices.includes(host);
      expect(ok, `${host} is a placeholder or a compose service`).toBe(true);
    }
  });
});

describe('examples/alertmanager.yml', () => {
  it('passes amtool check-config', async () => {
    const amtool = requireBinary('amtool');
    const result = await run(amtool, ['check-config', join(EXAMPLES, 'alertmanager.yml')]);
    expectSuccess(result, 'amtool check-config examples/alertmanager.yml');
    expect(result.stdout).toMatch(/SUCCESS/);
  });

  it('routes an alert to the amcord receiver', async () => {
    const amtool = requireBinary('amtool');
    const result = await run(amtool, [
      'config',
      'routes',
      'test',
      `--config.file=${join(EXAMPLES, 'alertmanager.yml')}`,
      'alertname=DiskSpaceLow',
      'severity=warning',
    ]);
    expectSuccess(result, 'amtool config routes test');
    expect(result.stdout.trim()).toBe('amcord');
  });
});

describe('examples/amcord.yml', () => {
  it('passes amcord check-config with its secret files in place', async () => {
    const dir = tempDir();
    const document = parseDocument(readFileSync(join(EXAMPLES, 'amcord.yml'), 'utf8'));
    const secrets: string[] = [];
    for (const setting of secretFileSettings(amcord)) {
      const value = setting[setting.length - 1] === 'webhook_url_file'
        ? `https://discord.com/api/webhooks/12345678901234567${secrets.length}/example-token-${secrets.length}`
        : `example-secret-${secrets.length}`;
      // A relative path: amcord reads it relative to the configuration file.
      const fileName = setting.join('.');
      writeFileSync(join(dir, fileName), `${value}\n`);
      document.setIn(setting, fileName);
      secrets.push(value);
    }
    expect(secrets.length, 'amcord.yml reads its secrets from files').toBeGreaterThan(0);
    writeFileSync(join(dir, 'amcord.yml'), String(document));

    const result = await run(process.execPath, [CLI, 'check-config', '--config', join(dir, 'amcord.yml')], cleanEnv());
    expectSuccess(result, 'amcord check-config --config examples/amcord.yml');
    expect(result.stdout).toMatch(/configuration OK .*delivers to a Discord webhook/);
    for (const secret of secrets) expect(result.stdout + result.stderr).not.toContain(secret);
  });
});

// --- compose.yml ---------------------------------------------------------------------------

interface Mount {
  source: string;
  target: string;
}

interface Service {
  build?: { context?: string; dockerfile?: string } | string;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: Array<string | { source: string; target: string }>;
  secrets?: Array<string | { source: string; target?: string }>;
  ports?: string[];
}

const services = compose['services'] as Record<string, Service>;
const topLevelVolumes = Object.keys(compose['volumes'] ?? {});
const topLevelSecrets = (compose['secrets'] ?? {}) as Record<string, { file?: string }>;

function service(name: string): Service {
  const found = services[name];
  if (!found) throw new Error(`compose.yml has no service ${name}`);
  return found;
}

function mountsOf(serviceName: string): Mount[] {
  return (service(serviceName).volumes ?? []).map((volume) => {
    if (typeof volume !== 'string') return volume;
    const [source = '', target = ''] = volume.split(':');
    return { source, target };
  });
}

const isBindMount = (mount: Mount): boolean => mount.source.startsWith('.') || mount.source.startsWith('/');

/** Where a secret is mounted: /run/secrets/<name> unless the target says otherwise. */
function secretMounts(serviceName: string): Mount[] {
  return (service(serviceName).secrets ?? []).map((secret) => {
    const { source, target } = typeof secret === 'string' ? { source: secret, target: undefined } : secret;
    return { source, target: target?.startsWith('/') ? target : `/run/secrets/${target ?? source}` };
  });
}

/** The host file mounted at `target` in a service, resolved from examples/. */
function hostFileAt(serviceName: string, target: string): string | undefined {
  const mount = mountsOf(serviceName).find((candidate) => candidate.target === target);
  return mount && isBindMount(mount) ? resolve(EXAMPLES, mount.source) : undefined;
}

function flag(serviceName: string, name: string): string | undefined {
  const prefix = `--${name}=`;
  return service(serviceName).command?.find((argument) => argument.startsWith(prefix))?.slice(prefix.length);
}

describe('examples/compose.yml', () => {
  it('runs Prometheus, Alertmanager, node_exporter, Grafana and amcord', () => {
    expect(Object.keys(services).sort()).toEqual(['alertmanager', 'amcord', 'grafana', 'node-exporter', 'prometheus']);
  });

  it("builds amcord from the repository's Dockerfile", () => {
    const build = service('amcord').build;
    const context = typeof build === 'string' ? build : build?.context;
    const dockerfile = (typeof build === 'string' ? undefined : build?.dockerfile) ?? 'Dockerfile';
    expect(context).toBeDefined();
    expect(resolve(EXAMPLES, context ?? '')).toBe(REPO_ROOT);
    expect(existsSync(join(REPO_ROOT, dockerfile))).toBe(true);
  });

  it('mounts files that exist in the repository, and named volumes that are declared', () => {
    for (const name of Object.keys(services)) {
      for (const mount of mountsOf(name)) {
        if (mount.source.startsWith('.')) {
          const hostPath = resolve(EXAMPLES, mount.source);
          expect(hostPath.startsWith(REPO_ROOT + '/'), `${name}: ${mount.source} is in the repository`).toBe(true);
          expect(existsSync(hostPath), `${name}: ${mount.source} exists`).toBe(true);
        } else if (!mount.source.startsWith('/')) {
          expect(topLevelVolumes, `${name}: volume ${mount.source} is declared`).toContain(mount.source);
        }
      }
    }
  });

  it('gives amcord examples/amcord.yml, its /data volume and its secrets', () => {
    const configPath = service('amcord').environment?.['AMCORD_CONFIG'];
    expect(configPath).toBeDefined();
    expect(hostFileAt('amcord', configPath ?? '')).toBe(join(EXAMPLES, 'amcord.yml'));

    const dataMount = mountsOf('amcord').find((mount) => mount.target === amcord['data_dir']);
    expect(amcord['data_dir']).toBe('/data');
    expect(dataMount && !isBindMount(dataMount), 'data_dir is a named volume').toBe(true);

    // Every *_file secret amcord.yml reads is mounted from a declared secret file under secrets/.
    const mounted = secretMounts('amcord');
    const settings = secretFileSettings(amcord);
    expect(settings.length).toBeGreaterThan(0);
    for (const setting of settings) {
      const file = at(amcord, ...setting);
      const mount = mounted.find((candidate) => candidate.target === file);
      expect(mount, `${setting.join('.')} ${String(file)} is mounted`).toBeDefined();
      expect(topLevelSecrets[mount?.source ?? '']?.file).toMatch(/^\.\/secrets\//);
    }
  });

  it("connects Alertmanager to amcord's port with the token amcord expects", () => {
    const port = String(at(amcord, 'server', 'port'));
    expect(port).toBe('9095');
    expect(service('amcord').ports).toContain(`127.0.0.1:${port}:${port}`);

    const receiver = (alertmanager['receivers'] as Yaml[]).find((candidate) => candidate['name'] === at(alertmanager, 'route', 'receiver'));
    const webhook = at(receiver, 'webhook_configs', 0) as Yaml;
    expect(webhook['url']).toBe(`http://amcord:${port}/alerts`);

    expect(hostFileAt('alertmanager', flag('alertmanager', 'config.file') ?? '')).toBe(join(EXAMPLES, 'alertmanager.yml'));
    const credentialsFile = at(webhook, 'http_config', 'authorization', 'credentials_file');
    const alertmanagerToken = secretMounts('alertmanager').find((mount) => mount.target === credentialsFile);
    const amcordToken = secretMounts('amcord').find((mount) => mount.target === at(amcord, 'server', 'auth', 'bearer_token_file'));
    expect(alertmanagerToken, `${String(credentialsFile)} is mounted in alertmanager`).toBeDefined();
    expect(alertmanagerToken?.source).toBe(amcordToken?.source);
  });

  it("gives Prometheus examples/prometheus.yml and the repository's rules where rule_files points", () => {
    expect(hostFileAt('prometheus', flag('prometheus', 'config.file') ?? '')).toBe(join(EXAMPLES, 'prometheus.yml'));
    const ruleDir = dirname((prometheus['rule_files'] as string[])[0] ?? '');
    expect(hostFileAt('prometheus', ruleDir)).toBe(join(REPO_ROOT, 'rules'));
    expect(targetsOf(job('amcord'))).toEqual([`amcord:${String(at(amcord, 'server', 'port'))}`]);
    expect(targetsOf(job('node'))).toContain('node-exporter:9100');
    const alertmanagers = at(prometheus, 'alerting', 'alertmanagers', 0, 'static_configs', 0, 'targets');
    expect(alertmanagers).toEqual(['alertmanager:9093']);
  });
});

// --- Grafana in compose.yml ----------------------------------------------------------------

interface GrafanaDatasources {
  apiVersion: number;
  datasources: Array<{ name: string; type: string; url: string; isDefault?: boolean; jsonData?: { timeInterval?: string } }>;
}

interface GrafanaDashboardProviders {
  apiVersion: number;
  providers: Array<{ type: string; options: { path: string } }>;
}

/** The host file mounted in `service` under `directory`, parsed. */
function provisioned<T>(serviceName: string, directory: string): T {
  const mounts = mountsOf(serviceName).filter((mount) => posix.dirname(mount.target) === directory && isBindMount(mount));
  expect(mounts, `one file mounted in ${directory}`).toHaveLength(1);
  return parseYaml(readFileSync(resolve(EXAMPLES, mounts[0]?.source ?? ''), 'utf8')) as T;
}

describe('Grafana in examples/compose.yml', () => {
  const grafanaDashboard = JSON.parse(readFileSync(join(EXAMPLES, 'grafana', 'amcord.json'), 'utf8')) as {
    uid: string;
    templating: { list: Array<{ name: string }> };
  };

  it('runs Grafana 10 or newer, which loads the dashboard as it is', () => {
    const major = Number(/^grafana\/grafana:(\d+)\./.exec(service('grafana').image ?? '')?.[1]);
    expect(major).toBeGreaterThanOrEqual(10);
  });

  it("gives Grafana the Compose file's Prometheus as its default datasource, at Prometheus' scrape interval", () => {
    const { apiVersion, datasources } = provisioned<GrafanaDatasources>('grafana', '/etc/grafana/provisioning/datasources');
    expect(apiVersion).toBe(1);
    const [datasource] = datasources;
    expect(datasources).toHaveLength(1);
    expect(datasource).toMatchObject({ type: 'prometheus', isDefault: true });
    // Prometheus listens on its default port, published as such.
    expect(flag('prometheus', 'web.listen-address')).toBeUndefined();
    expect(service('prometheus').ports).toContain('9090:9090');
    expect(datasource?.url).toBe('http://prometheus:9090');
    expect(datasource?.jsonData?.timeInterval).toBe(at(prometheus, 'global', 'scrape_interval'));
  });

  it('provisions the dashboard from examples/grafana/amcord.json', () => {
    const { apiVersion, providers } = provisioned<GrafanaDashboardProviders>('grafana', '/etc/grafana/provisioning/dashboards');
    expect(apiVersion).toBe(1);
    const [provider] = providers;
    expect(providers).toHaveLength(1);
    expect(provider?.type).toBe('file');
    const dashboardMount = mountsOf('grafana').find((mount) => isBindMount(mount) && resolve(EXAMPLES, mount.source) === join(EXAMPLES, 'grafana', 'amcord.json'));
    expect(dashboardMount, 'grafana/amcord.json is mounted').toBeDefined();
    expect(posix.dirname(dashboardMount?.target ?? '')).toBe(provider?.options.path);
    const dataMount = mountsOf('grafana').find((mount) => mount.target === '/var/lib/grafana');
    expect(dataMount && !isBindMount(dataMount), "Grafana's state is a named volume").toBe(true);
  });

  it("links each amcord alert to the dashboard, at Grafana's address, with variables the dashboard has", () => {
    const rootUrl = service('grafana').environment?.['GF_SERVER_ROOT_URL'] ?? '';
    expect(rootUrl).toMatch(/^http:\/\/grafana\.home\.arpa:\d+$/);
    expect(service('grafana').ports).toContain(`${new URL(rootUrl).port}:3000`);
    const rules = parseYaml(readFileSync(join(REPO_ROOT, 'rules', 'amcord.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }>;
    };
    const alerts = rules.groups.flatMap((group) => group.rules);
    expect(alerts.length).toBeGreaterThan(0);
    const variables = grafanaDashboard.templating.list.map((variable) => variable.name);
    for (const { alert, annotations } of alerts) {
      const link = new URL(annotations['dashboard_url'] ?? '', 'http://invalid');
      expect(`${link.origin}${link.pathname}`, alert).toBe(`${rootUrl}/d/${grafanaDashboard.uid}/amcord`);
      const linked = [...link.searchParams.keys()];
      expect(linked.length, alert).toBeGreaterThan(0);
      for (const parameter of linked) expect(variables, `${alert}: ${parameter}`).toContain(parameter.replace(/^var-/, ''));
    }
  });
});

