import type { InstantSample } from '../../../prometheus/client.js';
import type { BotPrometheus } from '../../clients.js';

/**
 * The PromQL behind /status. node_exporter metric names as of 1.x; kube-state-metrics and
 * prometheus-pve-exporter are optional and only shown when their series exist.
 */

/** Filesystems people fill up: not memory-backed, container layers, snaps or /run. */
const REAL_FILESYSTEM = String.raw`fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse\\.lxcfs|iso9660|rpc_pipefs|efivarfs|tracefs",mountpoint!~"/run(/.*)?|/var/lib/(docker|kubelet|containers)/.+|/snap/.+"`;
/** Interfaces that carry the host's own traffic, not loopback or per-container virtual ones. */
const REAL_INTERFACE = String.raw`device!~"lo|veth.*|docker.*|br-.*|virbr.*|cali.*|flannel.*|cni.*|tap.*|fw.*|vnet.*|kube-.*"`;
/** CPU is averaged over 5 minutes: long enough to cover a few scrapes at any common interval. */
export const CPU_WINDOW = '5m';

export const OVERVIEW_QUERIES = {
  nodes: 'max by (instance, nodename) (node_uname_info)',
  cpu: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[${CPU_WINDOW}])))`,
  memory: '100 * (1 - max by (instance) (node_memory_MemAvailable_bytes) / max by (instance) (node_memory_MemTotal_bytes))',
  fullestFilesystem: `topk by (instance) (1, 100 * (1 - node_filesystem_avail_bytes{${REAL_FILESYSTEM}} / node_filesystem_size_bytes{${REAL_FILESYSTEM}}))`,
  podPhases: 'sum by (phase) (kube_pod_status_phase)',
  crashLooping: 'count(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"} == 1)',
  proxmoxUp: 'pve_up',
  proxmoxGuests: 'pve_guest_info',
} as const;

/** The /status picture's panels over the last hour, one line per node. */
export const DASHBOARD_QUERIES = {
  /** 1 or 0 for every node seen in the last hour: a node whose exporter stopped answering counts as down. */
  nodesUp: 'max by (instance) (up) and on (instance) max by (instance) (last_over_time(node_uname_info[1h]))',
  cpu: OVERVIEW_QUERIES.cpu,
  memory: OVERVIEW_QUERIES.memory,
  fullestFilesystem: `max by (instance) (100 * (1 - node_filesystem_avail_bytes{${REAL_FILESYSTEM}} / node_filesystem_size_bytes{${REAL_FILESYSTEM}}))`,
} as const;

/** The queries for one node; `instance` is quoted for PromQL here. */
export function nodeQueries(instance: string) {
  const node = `instance=${promqlString(instance)}`;
  return {
    uname: `node_uname_info{${node}}`,
    cpu: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{${node},mode="idle"}[${CPU_WINDOW}])))`,
    cpuCount: `count by (instance) (node_cpu_seconds_total{${node},mode="idle"})`,
    memory: `{__name__=~"node_memory_(MemTotal|MemAvailable|SwapTotal|SwapFree)_bytes",${node}}`,
    load: `{__name__=~"node_load(1|5|15)",${node}}`,
    uptime: `node_time_seconds{${node}} - node_boot_time_seconds{${node}}`,
    filesystems: `{__name__=~"node_filesystem_(size|avail)_bytes",${node},${REAL_FILESYSTEM}}`,
    receive: `rate(node_network_receive_bytes_total{${node},${REAL_INTERFACE}}[${CPU_WINDOW}])`,
    transmit: `rate(node_network_transmit_bytes_total{${node},${REAL_INTERFACE}}[${CPU_WINDOW}])`,
  };
}

/** PromQL string literals use Go's escapes, which JSON's are a subset of. */
export function promqlString(value: string): string {
  return JSON.stringify(value);
}

/** An instant query expected to give a vector; a scalar or string answer is a mistake in the query. */
export async function vector(prometheus: BotPrometheus, promql: string): Promise<InstantSample[]> {
  const result = await prometheus.query(promql);
  if (result.resultType !== 'vector') throw new Error(`expected a vector from ${promql}, got a ${result.resultType}`);
  return result.result.filter((sample) => Number.isFinite(sample.value));
}

/** First value per instance. */
export function valueByInstance(samples: readonly InstantSample[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const sample of samples) {
    const instance = sample.metric['instance'];
    if (instance !== undefined && !values.has(instance)) values.set(instance, sample.value);
  }
  return values;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Lets one failing source leave the others' answers standing. */
export async function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
