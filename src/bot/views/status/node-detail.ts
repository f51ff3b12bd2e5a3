import { DISCORD_LIMITS, truncate } from '../../../discord/limits.js';
import type { DiscordEmbedField } from '../../../discord/types.js';
import { codeBlock, inlineCode } from '../../../discord/markup.js';
import type { InstantSample } from '../../../prometheus/client.js';
import { formatDuration } from '../../../util/duration.js';
import { COLORS } from '../../../severity/severity.js';
import type { BotPrometheus } from '../../clients.js';
import { formatBitRate, formatBytes, percentBar } from '../format.js';
import type { BotReply, Choice } from '../../interactions/reply.js';
import { matchesTyped, toChoices } from '../../interactions/reply.js';
import { CPU_WINDOW, nodeQueries, OVERVIEW_QUERIES, vector } from './queries.js';

/** `/status node:<instance>`: one node in detail, from node_exporter metrics. */

export interface FilesystemUsage {
  mountpoint: string;
  device: string;
  fstype: string;
  sizeBytes: number;
  availableBytes: number;
}

export interface InterfaceRate {
  device: string;
  receiveBytesPerSecond: number;
  transmitBytesPerSecond: number;
}

export interface NodeDetail {
  instance: string;
  nodename: string | undefined;
  kernel: string | undefined;
  cpuPercent: number | undefined;
  cpuCount: number | undefined;
  memoryTotalBytes: number | undefined;
  memoryAvailableBytes: number | undefined;
  swapTotalBytes: number | undefined;
  swapFreeBytes: number | undefined;
  /** 1, 5 and 15 minute load averages. */
  load: [number | undefined, number | undefined, number | undefined];
  uptimeSeconds: number | undefined;
  filesystems: FilesystemUsage[];
  network: InterfaceRate[];
}

/** undefined when Prometheus has no node_exporter series for the instance. */
export async function gatherNode(prometheus: BotPrometheus, instance: string): Promise<NodeDetail | undefined> {
  const queries = nodeQueries(instance);
  const [uname, cpu, cpuCount, memory, load, uptime, filesystems, receive, transmit] = await Promise.all([
    vector(prometheus, queries.uname),
    vector(prometheus, queries.cpu),
    vector(prometheus, queries.cpuCount),
    vector(prometheus, queries.memory),
    vector(prometheus, queries.load),
    vector(prometheus, queries.uptime),
    vector(prometheus, queries.filesystems),
    vector(prometheus, queries.receive),
    vector(prometheus, queries.transmit),
  ]);
  if (uname.length === 0 && memory.length === 0 && cpu.length === 0) return undefined;
  const byName = (samples: readonly InstantSample[], name: string): number | undefined =>
    samples.find((sample) => sample.metric['__name__'] === name)?.value;
  return {
    instance,
    nodename: uname[0]?.metric['nodename'],
    kernel: uname[0] ? `${uname[0].metric['sysname'] ?? ''} ${uname[0].metric['release'] ?? ''}`.trim() : undefined,
    cpuPercent: cpu[0]?.value,
    cpuCount: cpuCount[0]?.value,
    memoryTotalBytes: byName(memory, 'node_memory_MemTotal_bytes'),
    memoryAvailableBytes: byName(memory, 'node_memory_MemAvailable_bytes'),
    swapTotalBytes: byName(memory, 'node_memory_SwapTotal_bytes'),
    swapFreeBytes: byName(memory, 'node_memory_SwapFree_bytes'),
    load: [byName(load, 'node_load1'), byName(load, 'node_load5'), byName(load, 'node_load15')],
    uptimeSeconds: uptime[0]?.value,
    filesystems: filesystemUsage(filesystems),
    network: interfaceRates(receive, transmit),
  };
}

function filesystemUsage(samples: readonly InstantSample[]): FilesystemUsage[] {
  const byMount = new Map<string, FilesystemUsage>();
  for (const { metric, value } of samples) {
    const mountpoint = metric['mountpoint'] ?? '?';
    const usage = byMount.get(mountpoint) ?? { mountpoint, device: metric['device'] ?? '', fstype: metric['fstype'] ?? '', sizeBytes: NaN, availableBytes: NaN };
    if (metric['__name__'] === 'node_filesystem_size_bytes') usage.sizeBytes = value;
    else usage.availableBytes = value;
    byMount.set(mountpoint, usage);
  }
  return [...byMount.values()].filter((usage) => usage.sizeBytes > 0).sort((a, b) => usedPercent(b) - usedPercent(a));
}

export function usedPercent(usage: FilesystemUsage): number {
  return 100 * (1 - usage.availableBytes / usage.sizeBytes);
}

function interfaceRates(receive: readonly InstantSample[], transmit: readonly InstantSample[]): InterfaceRate[] {
  const rates = new Map<string, InterfaceRate>();
  const entry = (device: string): InterfaceRate => {
    const existing = rates.get(device) ?? { device, receiveBytesPerSecond: 0, transmitBytesPerSecond: 0 };
    rates.set(device, existing);
    return existing;
  };
  for (const { metric, value } of receive) entry(metric['device'] ?? '?').receiveBytesPerSecond = value;
  for (const { metric, value } of transmit) entry(metric['device'] ?? '?').transmitBytesPerSecond = value;
  const total = (rate: InterfaceRate): number => rate.receiveBytesPerSecond + rate.transmitBytesPerSecond;
  const sorted = [...rates.values()].sort((a, b) => total(b) - total(a) || a.device.localeCompare(b.device));
  // Idle extra interfaces (dummy, ifb, unplugged ports) are noise once one carries traffic.
  const busy = sorted.filter((rate) => total(rate) > 0);
  return busy.length > 0 ? busy : sorted;
}

// --- rendering ---------------------------------------------------------------------------------

const MAX_FILESYSTEMS = 12;
const MAX_INTERFACES = 8;

export function renderNode(node: NodeDetail, now: Date): BotReply {
  const memoryPercent =
    node.memoryTotalBytes && node.memoryAvailableBytes !== undefined ? 100 * (1 - node.memoryAvailableBytes / node.memoryTotalBytes) : undefined;
  const swapPercent = node.swapTotalBytes && node.swapFreeBytes !== undefined ? 100 * (1 - node.swapFreeBytes / node.swapTotalBytes) : undefined;
  const [load1, load5, load15] = node.load;
  const loadPerCore = load1 !== undefined && node.cpuCount ? ` (${(load1 / node.cpuCount).toFixed(2)} per core)` : '';
  const rows = [
    `CPU   ${percentBar(node.cpuPercent)}${node.cpuCount ? `  ${node.cpuCount} cores` : ''}`,
    `MEM   ${percentBar(memoryPercent)}${node.memoryTotalBytes ? `  ${formatBytes(node.memoryTotalBytes - (node.memoryAvailableBytes ?? 0))} / ${formatBytes(node.memoryTotalBytes)}` : ''}`,
    ...(node.swapTotalBytes ? [`SWAP  ${percentBar(swapPercent)}  ${formatBytes(node.swapTotalBytes - (node.swapFreeBytes ?? 0))} / ${formatBytes(node.swapTotalBytes)}`] : []),
    `LOAD  ${[load1, load5, load15].map((value) => (value === undefined ? '-' : value.toFixed(2))).join(' ')}${loadPerCore}`,
  ];
  const fields: DiscordEmbedField[] = [];
  if (node.filesystems.length > 0) {
    const lines = node.filesystems
      .slice(0, MAX_FILESYSTEMS)
      .map((fs) => `${percentBar(usedPercent(fs))}  ${truncate(fs.mountpoint, 40)}  ${formatBytes(fs.sizeBytes - fs.availableBytes)} / ${formatBytes(fs.sizeBytes)}`);
    fields.push({ name: 'Filesystems', value: codeBlock(lines, DISCORD_LIMITS.fieldValue) });
  }
  if (node.network.length > 0) {
    const lines = node.network
      .slice(0, MAX_INTERFACES)
      .map((rate) => `${truncate(rate.device, 16)}  ↓ ${formatBitRate(rate.receiveBytesPerSecond)}  ↑ ${formatBitRate(rate.transmitBytesPerSecond)}`);
    fields.push({ name: `Network (${CPU_WINDOW} average)`, value: codeBlock(lines, DISCORD_LIMITS.fieldValue) });
  }
  const facts = [inlineCode(node.instance), node.kernel, node.uptimeSeconds === undefined ? undefined : `up ${formatDuration(node.uptimeSeconds * 1000)}`];
  return {
    embeds: [
      {
        title: truncate(`🖥️ ${node.nodename ?? node.instance}`, DISCORD_LIMITS.title),
        description: `${facts.filter(Boolean).join(' · ')}\n${codeBlock(rows, DISCORD_LIMITS.fieldValue)}`,
        color: COLORS.info,
        fields,
        footer: { text: `CPU and network: ${CPU_WINDOW} average` },
        timestamp: now.toISOString(),
      },
    ],
  };
}

/** node_exporter instances for autocomplete: "nodename · instance", narrowed by the typed text. */
export async function nodeChoices(prometheus: BotPrometheus, typed: string): Promise<Choice[]> {
  const nodes = await vector(prometheus, OVERVIEW_QUERIES.nodes);
  const candidates = nodes
    .map(({ metric }) => ({ instance: metric['instance'] ?? '', nodename: metric['nodename'] ?? '' }))
    .filter(({ instance }) => instance !== '')
    .map(({ instance, nodename }) => ({ name: nodename && nodename !== instance ? `${nodename} · ${instance}` : instance, value: instance }))
    .filter((choice) => matchesTyped(choice.name, typed))
    .sort((a, b) => a.name.localeCompare(b.name));
  return toChoices(candidates);
}
