/**
 * deploy/kubernetes, without a cluster: each kustomization is built by the real kustomize
 * (`kubectl kustomize`, what `kubectl apply -k` runs), every object it yields is validated against
 * the Kubernetes and Prometheus Operator schemas of kubernetes-models, and the Deployment is held
 * to amcord's configuration reference: the container is given its environment and files as the
 * kubelet would (ConfigMap and Secret mounts, the image's ENV, service links) and amcord's own
 * loadConfig must accept them and agree with the ports, probes and mounts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor, type IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import {
  AlertmanagerConfig,
  type IAlertmanagerConfig,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import { loadConfig, type LoadedConfig } from '../src/config/load.js';
import { kustomizeBuild, type Manifest } from './support/kustomize.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const KUBERNETES_DIR = join(REPO_ROOT, 'deploy', 'kubernetes');
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The kustomizations of one amcord with its state on a volume (SQLite). */
const SINGLE = ['base', 'overlays/kube-prometheus-stack'] as const;
/** The kustomization of several replicas with their state in PostgreSQL. */
const REPLICATED = 'overlays/ha';
/** Every kustomization the repository ships; a new overlay must be added here to be tested. */
const KUSTOMIZATIONS = [...SINGLE, REPLICATED] as const;

interface Validatable {
  validate(): void;
}
interface ModelClass {
  apiVersion: string;
  kind: string;
  new (data: never): Validatable;
}

/** The schema of each kind the manifests may contain. An object of any other kind is a failure. */
const MODELS: readonly ModelClass[] = [Namespace, ConfigMap, Service, PersistentVolumeClaim, Deployment, PodDisruptionBudget, ServiceMonitor, PrometheusRule, AlertmanagerConfig];

const NAMESPACED_KINDS = new Set(['ConfigMap', 'Service', 'PersistentVolumeClaim', 'Deployment', 'PodDisruptionBudget', 'ServiceMonitor', 'PrometheusRule', 'AlertmanagerConfig']);

function modelOf(manifest: Manifest): ModelClass | undefined {
  return MODELS.find((model) => model.apiVersion === manifest.apiVersion && model.kind === manifest.kind);
}

function only<T>(items: readonly T[], what: string): T {
  expect(items, what).toHaveLength(1);
  const [item] = items;
  if (item === undefined) throw new Error(`no ${what}`);
  return item;
}

function ofKind<T>(manifests: readonly Manifest[], kind: string): T[] {
  return manifests.filter((manifest) => manifest.kind === kind) as unknown as T[];
}

// --- amcord's configuration reference --------------------------------------------------------

/** The environment variables of README's configuration table, plus AMCORD_CONFIG (the file's path). */
function documentedVariables(): Set<string> {
  const section = README.slice(README.indexOf('## Configuration'), README.indexOf('## HTTP endpoints'));
  const names = [...section.matchAll(/^\| `[^`]+` \| `(AMCORD_[A-Z0-9_]+)` \|/gm)].map((match) => match[1] ?? '');
  expect(names.length, 'the configuration table lists variables').toBeGreaterThan(20);
  expect(section).toContain('`AMCORD_CONFIG`');
  return new Set([...names, 'AMCORD_CONFIG']);
}

/** The paths of README's HTTP endpoints table, e.g. "GET /healthz" -> "/healthz". */
function documentedEndpoints(): Set<string> {
  const section = README.slice(README.indexOf('## HTTP endpoints'), README.indexOf('### Metrics'));
  return new Set([...section.matchAll(/^\| `(?:GET|POST) (\/[a-z]+)` \|/gm)].map((match) => match[1] ?? ''));
}

/** The Kubernetes section of the README: what a user is told to run. */
const kubernetesSection = README.slice(README.indexOf('## Kubernetes'), README.indexOf("## Dead man's switch"));

/**
 * Keys of the Secret as README's `kubectl create secret` command makes it; for the replicated
 * overlay, with the key the README says to add for it.
 */
function secretKeysInReadme(directory: string = SINGLE[0]): string[] {
  const command = /kubectl -n amcord create secret generic amcord(?:[^\n\\]|\\\n)*/.exec(kubernetesSection)?.[0] ?? '';
  const keys = [...command.matchAll(/--from-(?:file|literal)=([a-z0-9-]+)=/g)].map((match) => match[1] ?? '');
  if (directory !== REPLICATED) return keys;
  const added = /`ha` overlay[^\n]*?`--from-file=([a-z0-9-]+)=/.exec(kubernetesSection)?.[1];
  expect(added, 'the README names the Secret key the ha overlay adds').toBeDefined();
  return [...keys, added ?? ''];
}

/** The final stage's ENV of the Dockerfile: what the container's environment starts with. */
function imageEnvironment(): Record<string, string> {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of finalStage.split('\n').filter((candidate) => candidate.startsWith('ENV '))) {
    for (const [, name = '', value = ''] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) env[name] = value;
  }
  return env;
}

/** The variables the kubelet adds for each Service of the namespace unless enableServiceLinks is false. */
function serviceLinkVariables(services: readonly IService[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of services) {
    const prefix = (service.metadata?.name ?? '').toUpperCase().replace(/-/g, '_');
    const ports = service.spec?.ports ?? [];
    env[`${prefix}_SERVICE_HOST`] = '10.43.0.10';
    for (const port of ports) {
      if (port === ports[0]) {
        env[`${prefix}_SERVICE_PORT`] = String(port.port);
        env[`${prefix}_PORT`] = `tcp://10.43.0.10:${port.port}`;
      }
      if (port.name) env[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
      env[`${prefix}_PORT_${port.port}_TCP`] = `tcp://10.43.0.10:${port.port}`;
    }
  }
  return env;
}

// --- the container as the kubelet starts it --------------------------------------------------

/** Fake values for the Secret the user creates; never real secrets. */
function fakeSecret(keys: readonly string[]): Record<string, string> {
  const fake = (key: string): string => {
    if (key.includes('webhook-url')) return 'https://discord.com/api/webhooks/123456789012345678/fake-webhook-token';
    if (key === 'postgres-url') return 'postgres://amcord:fake-password@postgres.example:5432/amcord';
    return `fake-${key}`;
  };
  return Object.fromEntries(keys.map((key) => [key, fake(key)]));
}

interface SecretFile {
  secret: string;
  key: string;
}

interface ContainerView {
  env: Record<string, string>;
  /** Files the container sees, by absolute path. */
  files: Map<string, string>;
  /** Where each mounted Secret key appears. */
  secretFiles: Map<string, SecretFile>;
  /** Where each volume is mounted. */
  mountPathOf: (volumeName: string) => string | undefined;
}

/**
 * What the amcord container sees: its environment (the image's ENV, service links, the container's
 * env) and the files of its ConfigMap and Secret volumes. A required Secret key that the Secret
 * lacks would keep the pod from starting, so it fails here too.
 */
function containerView(manifests: readonly Manifest[], secretData: Record<string, string>): ContainerView {
  const deployment = only(ofKind<IDeployment>(manifests, 'Deployment'), 'Deployment');
  const pod = deployment.spec?.template.spec;
  const container = only(pod?.containers ?? [], 'container');
  const env: Record<string, string> = { ...imageEnvironment() };
  if (pod?.enableServiceLinks !== false) Object.assign(env, serviceLinkVariables(ofKind<IService>(manifests, 'Service')));
  for (const variable of container.env ?? []) {
    expect(variable.valueFrom, `${variable.name} is given as a value`).toBeUndefined();
    env[variable.name] = variable.value ?? '';
  }

  const files = new Map<string, string>();
  const secretFiles = new Map<string, SecretFile>();
  const configMaps = ofKind<IConfigMap>(manifests, 'ConfigMap');
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod?.volumes ?? []).find((candidate) => candidate.name === mount.name);
    expect(volume, `volume ${mount.name}`).toBeDefined();
    if (volume?.configMap) {
      const configMap = configMaps.find((candidate) => candidate.metadata?.name === volume.configMap?.name);
      expect(configMap, `ConfigMap ${volume.configMap.name} is in the build`).toBeDefined();
      for (const [key, text] of Object.entries(configMap?.data ?? {})) files.set(posix.join(mount.mountPath, key), text);
    }
    for (const source of volume?.projected?.sources ?? []) {
      expect(source.configMap, 'projected volumes hold Secrets only').toBeUndefined();
      if (!source.secret) continue;
      expect(source.secret.items, `the keys taken from Secret ${source.secret.name} are listed`).toBeDefined();
      for (const item of source.secret.items ?? []) {
        const path = posix.join(mount.mountPath, item.path);
        secretFiles.set(path, { secret: source.secret.name ?? '', key: item.key });
        const value = secretData[item.key];
        if (value !== undefined) files.set(path, `${value}\n`);
        else expect(source.secret.optional, `Secret key ${item.key} is optional or created by the README's command`).toBe(true);
      }
    }
    expect(volume?.secret, 'secrets come through the projected volume, whose keys are listed').toBeUndefined();
  }
  const mountPathOf = (volumeName: string) => container.volumeMounts?.find((mount) => mount.name === volumeName)?.mountPath;
  return { env, files, secretFiles, mountPathOf };
}

function loadAsContainer(view: ContainerView): LoadedConfig {
  return loadConfig({
    env: view.env,
    readFile: (path) => {
      const text = view.files.get(path);
      if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    },
  });
}

// --- the tests -------------------------------------------------------------------------------

describe('deploy/kubernetes', () => {
  it('tests every kustomization it ships', () => {
    const overlays = readdirSync(join(KUBERNETES_DIR, 'overlays')).map((name) => `overlays/${name}`);
    expect(['base', ...overlays].sort()).toEqual([...KUSTOMIZATIONS].sort());
  });

  it('keeps no secret value: no Secret object, nothing that looks like a webhook URL or token', () => {
    for (const directory of KUSTOMIZATIONS) {
      const manifests = kustomizeBuild(join(KUBERNETES_DIR, directory));
      expect(manifests.filter((manifest) => manifest.kind === 'Secret')).toEqual([]);
      const text = JSON.stringify(manifests);
      expect(text).not.toMatch(/webhooks\/\d{17,}/);
      expect(text).not.toMatch(/[0-9a-f]{32,}/);
    }
  });
});

describe.each(KUSTOMIZATIONS)('kustomize build deploy/kubernetes/%s', (directory) => {
  const manifests = kustomizeBuild(join(KUBERNETES_DIR, directory));
  const deployment = only(ofKind<IDeployment>(manifests, 'Deployment'), 'Deployment');
  const pod = deployment.spec?.template.spec;
  const container = only(pod?.containers ?? [], 'container');
  const service = only(ofKind<IService>(manifests, 'Service'), 'Service');
  const podLabels = deployment.spec?.template.metadata?.labels ?? {};
  const httpPort = container.ports?.find((port) => port.name === 'http');

  it.each(manifests.map((manifest) => [`${manifest.kind} ${manifest.metadata.name}`, manifest] as const))(
    '%s validates against its schema',
    (_name, manifest) => {
      const model = modelOf(manifest);
      expect(model, `a schema for ${manifest.apiVersion} ${manifest.kind}`).toBeDefined();
      expect(() => new (model as ModelClass)(manifest as never).validate()).not.toThrow();
    },
  );

  it('puts everything in one namespace that it creates, labelled for the restricted Pod Security Standard', () => {
    const namespace = only(manifests.filter((manifest) => manifest.kind === 'Namespace'), 'Namespace');
    expect(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const manifest of manifests.filter((candidate) => candidate.kind !== 'Namespace')) {
      expect(NAMESPACED_KINDS.has(manifest.kind), `${manifest.kind} is namespaced`).toBe(true);
      expect(manifest.metadata.namespace, `${manifest.kind} ${manifest.metadata.name}`).toBe(namespace.metadata.name);
    }
  });


  it('runs as the image user, non-root, with a read-only root filesystem, no capabilities and RuntimeDefault seccomp', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^USER node$/m);
    // The node images' "node" user is uid 1000 (the README's Deploy section says so too).
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod?.automountServiceAccountToken).toBe(false);
    // The restricted Pod Security Standard allows only these volume types.
    for (const volume of pod?.volumes ?? []) {
      const types = Object.keys(volume).filter((key) => key !== 'name');
      expect(['configMap', 'secret', 'projected', 'emptyDir', 'persistentVolumeClaim']).toEqual(expect.arrayContaining(types));
    }
  });

  it("runs the repository's image, tagged with package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(container.image).toBe(`amcord:${version}`);
    expect(kubernetesSection).toContain(`docker build -t amcord:${version} .`);
  });

  it('requests and limits resources as measured in BENCHMARKS.md', () => {
    const benchmarks = readFileSync(join(REPO_ROOT, 'BENCHMARKS.md'), 'utf8');
    const megabytes = (pattern: RegExp) => [...benchmarks.matchAll(pattern)].map((match) => Number(match[1]));
    const idle = Math.max(...megabytes(/^idle RSS[^\n]*?([\d.]+) MB$/gm));
    // The highest RSS the benchmarks saw, sustained full-speed ingest included ("190–250 MB").
    const peak = Math.max(...megabytes(/RSS[^\n]*?([\d.]+) MB/g), ...megabytes(/RSS grows to [\d.]+–([\d.]+) MB/g));
    expect(idle).toBeGreaterThan(50);
    expect(peak).toBeGreaterThanOrEqual(250);
    const bytes = (quantity: string | number | undefined) => {
      const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
      return match ? Number(match[1]) * (match[2] === 'Gi' ? 2 ** 30 : 2 ** 20) : NaN;
    };
    const cores = (quantity: string | number | undefined) => (String(quantity).endsWith('m') ? Number(String(quantity).slice(0, -1)) / 1000 : Number(quantity));
    const { requests = {}, limits = {} } = container.resources ?? {};
    expect(bytes(requests['memory'])).toBeGreaterThanOrEqual(idle * 1e6);
    // Headroom over the peak for the bot's discord.js (about 35 MB) and the garbage collector.
    expect(bytes(limits['memory'])).toBeGreaterThanOrEqual(peak * 1e6 * 1.5);
    const stormCpu = Number(/CPU during the storm: amcord (\d+)%/.exec(benchmarks)?.[1]);
    const fixedRateCpu = Number(/^fixed 500 req\/s(?:\s+\S+){8}\s+(\d+)%/m.exec(benchmarks)?.[1]);
    expect(stormCpu).toBeGreaterThan(0);
    expect(fixedRateCpu).toBeGreaterThan(0);
    expect(cores(requests['cpu'])).toBeGreaterThanOrEqual(stormCpu / 100);
    expect(cores(limits['cpu'])).toBeGreaterThanOrEqual(fixedRateCpu / 100);
  });

  it('sets only variables of the configuration reference', () => {
    const documented = documentedVariables();
    for (const variable of container.env ?? []) expect(documented, variable.name).toContain(variable.name);
  });

  it("starts with the configuration it is given: amcord's loadConfig accepts it, and ports, probes and mounts agree", () => {
    const readmeKeys = secretKeysInReadme(directory);
    expect(readmeKeys.length, "the README's kubectl create secret command").toBeGreaterThan(0);
    const secret = fakeSecret(readmeKeys);
    const view = containerView(manifests, secret);
    const { config } = loadAsContainer(view);

    // Secrets come from the Secret's files, and each file read is one of the Secret's keys.
    expect(config.discord.webhook_url).toBe(secret['discord-webhook-url']);
    expect(config.server.auth.bearer_token).toBe(secret['bearer-token']);

    // Listens where the Service and the probes look.
    expect(config.server.host).toBe('0.0.0.0');
    expect(httpPort?.containerPort).toBe(config.server.port);
    expect(service.spec?.selector).toEqual(podLabels);
    const servicePort = only(service.spec?.ports ?? [], 'Service port');
    expect(servicePort.targetPort).toBe('http');
    expect(servicePort.port).toBe(config.server.port);

    const endpoints = documentedEndpoints();
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(endpoints).toContain('/healthz');
    expect(endpoints).toContain('/readyz');

    // State on the PersistentVolumeClaim, or (replicated) in PostgreSQL from the Secret's URL;
    // the only other writable place is /tmp.
    const writable = (container.volumeMounts ?? []).filter((mount) => mount.readOnly !== true).map((mount) => mount.mountPath);
    if (directory === REPLICATED) {
      expect(config.storage.postgres.url).toBe(secret['postgres-url']);
      expect(writable).toEqual(['/tmp']);
    } else {
      expect(config.storage.postgres.url).toBeUndefined();
      const dataVolume = (pod?.volumes ?? []).find((volume) => volume.persistentVolumeClaim)?.name ?? '';
      expect(view.mountPathOf(dataVolume)).toBe(config.data_dir);
      expect(writable.sort()).toEqual([config.data_dir, '/tmp'].sort());
    }
  });

  it('refuses to start without the webhook URL or the token, as the pod would', () => {
    for (const missing of ['discord-webhook-url', 'bearer-token', ...(directory === REPLICATED ? ['postgres-url'] : [])]) {
      const keys = secretKeysInReadme(directory).filter((key) => key !== missing);
      expect(() => containerView(manifests, fakeSecret(keys))).toThrow(/optional or created/);
    }
  });

  it('would start although a Service named amcord is in its namespace (no AMCORD_* service links)', () => {
    expect(pod?.enableServiceLinks).toBe(false);
    // What the same pod would be given with service links: amcord refuses unknown AMCORD_* variables.
    const withLinks = structuredClone(deployment) as unknown as Manifest & IDeployment;
    if (withLinks.spec?.template.spec) withLinks.spec.template.spec.enableServiceLinks = true;
    const view = containerView([...manifests.filter((manifest) => manifest.kind !== 'Deployment'), withLinks], fakeSecret(secretKeysInReadme(directory)));
    expect(() => loadAsContainer(view)).toThrow(/AMCORD_SERVICE_HOST|AMCORD_PORT/);
  });

  it('reads the optional bot token from the same Secret, as README tells', () => {
    const view = containerView(manifests, fakeSecret(secretKeysInReadme(directory)));
    const botToken = [...view.secretFiles.entries()].find(([, file]) => file.key === 'bot-token');
    expect(botToken, 'the bot-token key is mounted').toBeDefined();
    expect(kubernetesSection).toContain('--from-file=bot-token=');
    const baseConfig = readFileSync(join(KUBERNETES_DIR, 'base', 'amcord.yml'), 'utf8');
    expect(baseConfig).toContain(`token_file: ${botToken?.[0]}`);
  });

  it('lets the Prometheus Operator scrape /metrics through the Service, as job "amcord"', () => {
    const monitor = only(ofKind<IServiceMonitor>(manifests, 'ServiceMonitor'), 'ServiceMonitor');
    expect(monitor.spec.selector.matchLabels).toEqual(service.metadata?.labels);
    expect(monitor.spec.jobLabel).toBeUndefined();
    // Without jobLabel the job is the Service's name, which rules/amcord.yml expects.
    expect(service.metadata?.name).toBe('amcord');
    expect(readFileSync(join(REPO_ROOT, 'rules', 'amcord.yml'), 'utf8')).toContain('up{job="amcord"}');
    const endpoint = only(monitor.spec.endpoints ?? [], 'ServiceMonitor endpoint');
    expect(endpoint).toMatchObject({ port: servicePort().name, path: '/metrics' });
    expect(documentedEndpoints()).toContain('/metrics');
  });

  function servicePort() {
    return only(service.spec?.ports ?? [], 'Service port');
  }
});

describe.each(SINGLE)('kustomize build deploy/kubernetes/%s (one amcord)', (directory) => {
  const manifests = kustomizeBuild(join(KUBERNETES_DIR, directory));
  const deployment = only(ofKind<IDeployment>(manifests, 'Deployment'), 'Deployment');

  it('runs one replica on the PersistentVolumeClaim, replaced only after the old pod is gone', () => {
    expect(deployment.spec?.replicas).toBe(1);
    expect(deployment.spec?.strategy?.type).toBe('Recreate');
    expect(deployment.spec?.selector.matchLabels).toEqual(deployment.spec?.template.metadata?.labels);
    const dataVolume = (deployment.spec?.template.spec?.volumes ?? []).find((volume) => volume.persistentVolumeClaim);
    const claim = ofKind<Manifest & { spec: { accessModes: string[] } }>(manifests, 'PersistentVolumeClaim').find(
      (candidate) => candidate.metadata.name === dataVolume?.persistentVolumeClaim?.claimName,
    );
    expect(claim, 'the claimed PersistentVolumeClaim is in the build').toBeDefined();
    expect(claim?.spec.accessModes).toEqual(['ReadWriteOnce']);
  });
});

describe(`kustomize build deploy/kubernetes/${REPLICATED} (replicas on PostgreSQL)`, () => {
  const manifests = kustomizeBuild(join(KUBERNETES_DIR, REPLICATED));
  const deployment = only(ofKind<IDeployment>(manifests, 'Deployment'), 'Deployment');
  const podLabels = deployment.spec?.template.metadata?.labels ?? {};

  it('runs three replicas, replaced one at a time, with no volume: the state is in PostgreSQL', () => {
    expect(deployment.spec?.replicas).toBe(3);
    expect(deployment.spec?.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } });
    expect(ofKind(manifests, 'PersistentVolumeClaim')).toEqual([]);
    expect((deployment.spec?.template.spec?.volumes ?? []).filter((volume) => volume.persistentVolumeClaim)).toEqual([]);
  });

  it('spreads the replicas over nodes and lets a drain take only one at a time', () => {
    const preferred = deployment.spec?.template.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const term = only(preferred, 'preferred anti-affinity').podAffinityTerm;
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    expect(term.labelSelector?.matchLabels).toEqual(podLabels);
    const budget = only(ofKind<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget'), 'PodDisruptionBudget');
    expect(budget.spec?.selector?.matchLabels).toEqual(podLabels);
    expect(budget.spec?.maxUnavailable).toBe(1);
  });
});

describe('kustomize build deploy/kubernetes/overlays/kube-prometheus-stack', () => {
  const manifests = kustomizeBuild(join(KUBERNETES_DIR, 'overlays', 'kube-prometheus-stack'));
  const service = only(ofKind<IService>(manifests, 'Service'), 'Service');
  const alertmanagerConfig = only(ofKind<IAlertmanagerConfig>(manifests, 'AlertmanagerConfig'), 'AlertmanagerConfig');
  const release = 'kube-prometheus-stack';

  it("labels the ServiceMonitor and the PrometheusRules for the chart's Prometheus", () => {
    const selected = manifests.filter((manifest) => manifest.kind === 'ServiceMonitor' || manifest.kind === 'PrometheusRule');
    expect(selected.length).toBeGreaterThan(1);
    for (const manifest of selected) expect(manifest.metadata.labels?.['release'], `${manifest.kind} ${manifest.metadata.name}`).toBe(release);
  });

  it("routes to amcord's Service with the token amcord reads, from the Secret it reads it from", () => {
    const view = containerView(manifests, fakeSecret(secretKeysInReadme()));
    const { config } = loadAsContainer(view);
    const receiver = only(alertmanagerConfig.spec?.receivers ?? [], 'receiver');
    expect(alertmanagerConfig.spec?.route?.receiver).toBe(receiver.name);
    const webhook = only(receiver.webhookConfigs ?? [], 'webhook config');
    const port = only(service.spec?.ports ?? [], 'Service port').port;
    expect(webhook.url).toBe(`http://${service.metadata?.name}.${service.metadata?.namespace}.svc:${port}/alerts`);
    expect(webhook.sendResolved).toBe(true);
    expect(webhook.maxAlerts).toBe(0);

    const baseConfig = parseYaml(readFileSync(join(KUBERNETES_DIR, 'base', 'amcord.yml'), 'utf8')) as { server: { auth: { bearer_token_file: string } } };
    const tokenFile = baseConfig.server.auth.bearer_token_file;
    const mounted = view.secretFiles.get(tokenFile);
    expect(mounted, `${tokenFile} is a Secret key`).toBeDefined();
    expect(webhook.httpConfig?.authorization).toEqual({ type: 'Bearer', credentials: { name: mounted?.secret, key: mounted?.key } });
    expect(config.server.auth.bearer_token).toBeDefined();
    expect(alertmanagerConfig.metadata?.namespace).toBe(service.metadata?.namespace);
  });

  it('routes as examples/alertmanager.yml does: every alert at once, the Watchdog every minute', () => {
    interface ExampleRoute {
      group_by: string[];
      group_wait: string;
      group_interval: string;
      repeat_interval: string;
      routes: Array<{ matchers: string[]; group_interval: string; repeat_interval: string }>;
    }
    const example = (parseYaml(readFileSync(join(REPO_ROOT, 'examples', 'alertmanager.yml'), 'utf8')) as { route: ExampleRoute }).route;
    const route = alertmanagerConfig.spec?.route;
    expect(route).toMatchObject({
      groupBy: example.group_by,
      groupWait: example.group_wait,
      groupInterval: example.group_interval,
      repeatInterval: example.repeat_interval,
    });
    const [watchdog] = example.routes;
    expect(watchdog?.matchers).toEqual(['alertname="Watchdog"']);
    expect(route?.routes).toEqual([
      {
        matchers: [{ name: 'alertname', matchType: '=', value: 'Watchdog' }],
        receiver: route?.receiver,
        groupInterval: watchdog?.group_interval,
        repeatInterval: watchdog?.repeat_interval,
      },
    ]);
  });

  it("runs the dead man's switch and talks to the stack's Alertmanager and Prometheus", () => {
    const { config } = loadAsContainer(containerView(manifests, fakeSecret(secretKeysInReadme())));
    expect(config.watchdog.enabled).toBe(true);
    expect(config.alertmanager.url).toBe(`http://${release}-alertmanager.monitoring.svc:9093`);
    expect(config.prometheus.url).toBe(`http://${release}-prometheus.monitoring.svc:9090`);
  });

  it('ships Helm values that let the AlertmanagerConfig see every alert', () => {
    const values = parseYaml(readFileSync(join(KUBERNETES_DIR, 'overlays', 'kube-prometheus-stack', 'helm-values.yaml'), 'utf8')) as unknown;
    expect(values).toEqual({
      alertmanager: { alertmanagerSpec: { alertmanagerConfigNamespaceSelector: {}, alertmanagerConfigMatcherStrategy: { type: 'None' } } },
    });
    expect(kubernetesSection).toContain('-f deploy/kubernetes/overlays/kube-prometheus-stack/helm-values.yaml');
  });
});
