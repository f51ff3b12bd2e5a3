import type { AlertmanagerAlert } from '../../../alertmanager/api.js';
import { DISCORD_LIMITS, truncate } from '../../../discord/limits.js';
import type { DiscordEmbed, DiscordEmbedField } from '../../../discord/types.js';
import { inlineCode } from '../../../discord/markup.js';
import type { ScrapeTarget } from '../../../prometheus/client.js';
import { COLORS, EMOJI, highestSeverity, severityOf } from '../../../severity/severity.js';
import { type BotClients, describeError } from '../../clients.js';
import { appendFittingFields } from '../embed-fit.js';
import type { BotReply } from '../../interactions/reply.js';
import { bySeverity, isNotifying } from '../firing.js';
import { type NodeSummary, nodeSummaryField, worstUsage } from './node-summary.js';
import { CPU_WINDOW, OVERVIEW_QUERIES, type Outcome, settle, valueByInstance, vector } from './queries.js';

/** The /status dashboard: targets, nodes, alerts, and pods or Proxmox guests when those exist. */

export interface JobHealth {
  job: string;
  up: number;
  total: number;
  /** Instances whose last scrape failed. */
  down: string[];
}

export interface PodCounts {
  byPhase: Record<string, number>;
  crashLooping: number;
}

export interface ProxmoxCounts {
  nodesUp: number;
  nodesDown: number;
  guestsRunning: number;
  guestsStopped: number;
  /** Names of stopped guests, for the few that fit. */
  stopped: string[];
}

export interface StatusOverview {
  targets: Outcome<JobHealth[]>;
  nodes: Outcome<NodeSummary[]>;
  /** undefined when kube-state-metrics is not scraped. */
  pods: Outcome<PodCounts | undefined>;
  /** undefined when prometheus-pve-exporter is not scraped. */
  proxmox: Outcome<ProxmoxCounts | undefined>;
  alerts: Outcome<AlertmanagerAlert[]>;
}

export async function gatherOverview(clients: BotClients): Promise<StatusOverview> {
  const { prometheus, alertmanager } = clients;
  const [targets, nodes, pods, proxmox, alerts] = await Promise.all([
    settle(prometheus.targets().then(jobHealth)),
    settle(gatherNodes(clients)),
    settle(gatherPods(clients)),
    settle(gatherProxmox(clients)),
    settle(alertmanager.getAlerts()),
  ]);
  return { targets, nodes, pods, proxmox, alerts };
}

export function jobHealth(targets: readonly ScrapeTarget[]): JobHealth[] {
  const jobs = new Map<string, JobHealth>();
  for (const target of targets) {
    const job = jobs.get(target.job) ?? { job: target.job, up: 0, total: 0, down: [] };
    job.total += 1;
    if (target.health === 'up') job.up += 1;
    else job.down.push(target.instance);
    jobs.set(target.job, job);
  }
  return [...jobs.values()].sort((a, b) => b.down.length - a.down.length || a.job.localeCompare(b.job));
}

async function gatherNodes({ prometheus }: BotClients): Promise<NodeSummary[]> {
  const [nodes, cpu, memory, filesystems] = await Promise.all([
    vector(prometheus, OVERVIEW_QUERIES.nodes),
    vector(prometheus, OVERVIEW_QUERIES.cpu),
    vector(prometheus, OVERVIEW_QUERIES.memory),
    vector(prometheus, OVERVIEW_QUERIES.fullestFilesystem),
  ]);
  const cpuByInstance = valueByInstance(cpu);
  const memoryByInstance = valueByInstance(memory);
  const summaries = new Map<string, NodeSummary>();
  for (const { metric } of nodes) {
    const instance = metric['instance'];
    if (instance === undefined || summaries.has(instance)) continue;
    summaries.set(instance, {
      instance,
      nodename: metric['nodename'],
      cpuPercent: cpuByInstance.get(instance),
      memoryPercent: memoryByInstance.get(instance),
    });
  }
  for (const sample of filesystems) {
    const summary = summaries.get(sample.metric['instance'] ?? '');
    if (summary && summary.fullestFilesystem === undefined) {
      summary.fullestFilesystem = { mountpoint: sample.metric['mountpoint'] ?? '?', percent: sample.value };
    }
  }
  return [...summaries.values()];
}

async function gatherPods({ prometheus }: BotClients): Promise<PodCounts | undefined> {
  const [phases, crashLooping] = await Promise.all([
    vector(prometheus, OVERVIEW_QUERIES.podPhases),
    vector(prometheus, OVERVIEW_QUERIES.crashLooping),
  ]);
  if (phases.length === 0) return undefined;
  const byPhase: Record<string, number> = {};
  for (const sample of phases) byPhase[sample.metric['phase'] ?? 'Unknown'] = sample.value;
  return { byPhase, crashLooping: crashLooping[0]?.value ?? 0 };
}

async function gatherProxmox({ prometheus }: BotClients): Promise<ProxmoxCounts | undefined> {
  const [up, guests] = await Promise.all([vector(prometheus, OVERVIEW_QUERIES.proxmoxUp), vector(prometheus, OVERVIEW_QUERIES.proxmoxGuests)]);
  if (up.length === 0) return undefined;
  const names = new Map(guests.map((guest) => [guest.metric['id'] ?? '', guest.metric['name'] ?? '']));
  const counts: ProxmoxCounts = { nodesUp: 0, nodesDown: 0, guestsRunning: 0, guestsStopped: 0, stopped: [] };
  for (const sample of up) {
    const id = sample.metric['id'] ?? '';
    const running = sample.value === 1;
    if (id.startsWith('node/')) {
      if (running) counts.nodesUp += 1;
      else counts.nodesDown += 1;
    } else if (id.startsWith('qemu/') || id.startsWith('lxc/')) {
      if (running) counts.guestsRunning += 1;
      else {
        counts.guestsStopped += 1;
        counts.stopped.push(names.get(id) || id);
      }
    }
  }
  return counts;
}

// --- rendering ---------------------------------------------------------------------------------

const MAX_NODE_FIELDS = 15;
const MAX_LISTED_ALERTS = 5;
// A missing source is as much a reason to look as a warning.
const STATE_COLORS = { ok: COLORS.resolved, warning: COLORS.warning, critical: COLORS.critical, incomplete: COLORS.warning } as const;
const TITLES = {
  ok: '🟢 Status: all good',
  warning: `${EMOJI.warning} Status: alerts firing`,
  critical: `${EMOJI.critical} Status: needs attention`,
  incomplete: '⚠️ Status: incomplete',
} as const;

export function renderOverview(overview: StatusOverview, now: Date): BotReply {
  const problems = [
    firstError('Prometheus', [overview.targets, overview.nodes, overview.pods, overview.proxmox]),
    firstError('Alertmanager', [overview.alerts]),
  ].filter((problem): problem is string => problem !== undefined);

  const summary: string[] = [];
  const fields: DiscordEmbedField[] = [];
  let targetsDown = 0;
  if (overview.targets.ok) {
    const jobs = overview.targets.value;
    const up = jobs.reduce((sum, job) => sum + job.up, 0);
    const total = jobs.reduce((sum, job) => sum + job.total, 0);
    targetsDown = total - up;
    summary.push(`**${up}/${total}** targets up`);
    fields.push({ name: 'Targets', value: targetsValue(jobs), inline: true });
  }
  let firing: AlertmanagerAlert[] = [];
  if (overview.alerts.ok) {
    firing = overview.alerts.value.filter(isNotifying).sort(bySeverity);
    const muted = overview.alerts.value.filter((alert) => alert.status.state === 'suppressed').length;
    summary.push(`**${firing.length}** alert${firing.length === 1 ? '' : 's'} firing`);
    fields.push({ name: 'Alerts', value: alertsValue(firing, muted), inline: true });
  }
  if (overview.pods.ok && overview.pods.value) fields.push({ name: 'Kubernetes pods', value: podsValue(overview.pods.value), inline: true });
  if (overview.proxmox.ok && overview.proxmox.value) fields.push({ name: 'Proxmox', value: proxmoxValue(overview.proxmox.value), inline: true });
  let nodes: NodeSummary[] = [];
  if (overview.nodes.ok) {
    nodes = [...overview.nodes.value].sort((a, b) => worstUsage(b) - worstUsage(a) || a.instance.localeCompare(b.instance));
    summary.unshift(`**${nodes.length}** node${nodes.length === 1 ? '' : 's'}`);
    if (nodes.length === 0) problems.push('No node_exporter metrics in Prometheus: no node to show.');
  }
  const description = [summary.join(' · '), ...problems.map((problem) => `⚠️ ${problem}`)].filter(Boolean).join('\n');
  const state = overallState(overview, targetsDown, firing);
  const embed: DiscordEmbed = {
    title: TITLES[state],
    description: truncate(description || 'Nothing to report.', DISCORD_LIMITS.description),
    color: STATE_COLORS[state],
    fields,
    timestamp: now.toISOString(),
  };
  const shown = appendFittingFields(embed, nodes.map(nodeSummaryField), MAX_NODE_FIELDS);
  const hidden = nodes.length - shown;
  const footer = `CPU: ${CPU_WINDOW} average · /status node:<instance> shows one node`;
  embed.footer = { text: hidden > 0 ? `${hidden} more nodes not shown (busiest first) · ${footer}` : footer };
  return { embeds: [embed] };
}

type OverallState = keyof typeof STATE_COLORS;

/** Incomplete when a source is missing, else as bad as the worst down target or firing alert. */
function overallState(overview: StatusOverview, targetsDown: number, firing: readonly AlertmanagerAlert[]): OverallState {
  if (!overview.targets.ok || !overview.nodes.ok || !overview.alerts.ok) return 'incomplete';
  if (targetsDown > 0 || highestSeverity(firing) === 'critical') return 'critical';
  return firing.length === 0 ? 'ok' : 'warning';
}

/** "Prometheus is unavailable: <why>" once, however many of its queries failed. */
function firstError(service: string, outcomes: readonly Outcome<unknown>[]): string | undefined {
  for (const outcome of outcomes) {
    if (!outcome.ok) return `${service} is unavailable, so its part is missing: ${describeError(outcome.error)}`;
  }
  return undefined;
}

function targetsValue(jobs: readonly JobHealth[]): string {
  if (jobs.length === 0) return 'no scrape targets';
  const lines = jobs.map((job) => {
    const down = job.down.length > 0 ? ` · down: ${job.down.join(', ')}` : '';
    return `${job.down.length > 0 ? '❌' : '✅'} ${job.job} ${job.up}/${job.total}${down}`;
  });
  return truncate(lines.join('\n'), DISCORD_LIMITS.fieldValue);
}

function alertsValue(firing: readonly AlertmanagerAlert[], muted: number): string {
  const lines = firing.slice(0, MAX_LISTED_ALERTS).map((alert) => {
    const { alertname = 'unnamed alert', instance } = alert.labels;
    return `${EMOJI[severityOf(alert.labels)]} **${alertname}**${instance ? ` ${inlineCode(instance)}` : ''}`;
  });
  if (firing.length === 0) lines.push('✅ none firing');
  if (firing.length > MAX_LISTED_ALERTS) lines.push(`… and ${firing.length - MAX_LISTED_ALERTS} more (/alerts)`);
  if (muted > 0) lines.push(`🔕 ${muted} silenced or inhibited`);
  return truncate(lines.join('\n'), DISCORD_LIMITS.fieldValue);
}

function podsValue(pods: PodCounts): string {
  const count = (phase: string): number => pods.byPhase[phase] ?? 0;
  const failing = count('Failed') + count('Unknown');
  const lines = [`✅ ${count('Running')} running`];
  if (count('Pending') > 0) lines.push(`⏳ ${count('Pending')} pending`);
  if (failing > 0) lines.push(`❌ ${failing} failed`);
  if (pods.crashLooping > 0) lines.push(`🔁 ${pods.crashLooping} crash-looping`);
  if (count('Succeeded') > 0) lines.push(`☑️ ${count('Succeeded')} completed`);
  return lines.join('\n');
}

function proxmoxValue(counts: ProxmoxCounts): string {
  const lines = [`🖥️ ${counts.nodesUp} node${counts.nodesUp === 1 ? '' : 's'} up${counts.nodesDown > 0 ? `, ❌ ${counts.nodesDown} down` : ''}`];
  lines.push(`✅ ${counts.guestsRunning} guest${counts.guestsRunning === 1 ? '' : 's'} running`);
  if (counts.guestsStopped > 0) lines.push(`⏹️ ${counts.guestsStopped} stopped: ${counts.stopped.join(', ')}`);
  return truncate(lines.join('\n'), DISCORD_LIMITS.fieldValue);
}
