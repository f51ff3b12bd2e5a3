import { GraphUnavailableError } from '../../../graphs/alert-graph.js';
import type { DashboardTile, Grapher } from '../../../graphs/grapher.js';
import { COLORS, highestSeverity } from '../../../severity/severity.js';
import type { BotClients } from '../../clients.js';
import type { ReplyFile } from '../../interactions/reply.js';
import { isNotifying } from '../firing.js';
import type { StatusOverview } from './overview.js';
import { DASHBOARD_QUERIES, settle, vector } from './queries.js';

/**
 * The /status picture: nodes up, pods running and failing, alerts firing, then CPU, memory and
 * the fullest filesystem of each node over the last hour. The figures come from the overview
 * the text embed shows, so picture and text never disagree.
 */

const RANGE_MS = 3_600_000;
const hex = (color: number): string => `#${color.toString(16).padStart(6, '0')}`;
const GOOD = hex(COLORS.resolved);
const BAD = hex(COLORS.critical);
const UNKNOWN = '#80848e';

export type StatusPicture = { ok: true; file: ReplyFile } | { ok: false; note: string };

export async function statusPicture(overview: StatusOverview, clients: BotClients, grapher: Grapher): Promise<StatusPicture> {
  const nodesUp = await settle(vector(clients.prometheus, DASHBOARD_QUERIES.nodesUp));
  const names = new Map<string, string>();
  if (overview.nodes.ok) for (const node of overview.nodes.value) if (node.nodename) names.set(node.instance, node.nodename);
  try {
    const picture = await grapher.forDashboard({
      title: 'Status',
      tiles: [nodesTile(nodesUp.ok ? nodesUp.value.map((sample) => sample.value) : undefined), podsTile(overview), alertsTile(overview), targetsTile(overview)],
      panels: [
        { title: 'CPU', query: DASHBOARD_QUERIES.cpu, unit: 'percent', max: 100 },
        { title: 'Memory', query: DASHBOARD_QUERIES.memory, unit: 'percent', max: 100 },
        { title: 'Fullest filesystem', query: DASHBOARD_QUERIES.fullestFilesystem, unit: 'percent', max: 100 },
      ],
      rangeMs: RANGE_MS,
      seriesLabel: 'instance',
      names,
    });
    return { ok: true, file: { name: picture.fileName, contentType: 'image/png', data: picture.png, description: picture.description } };
  } catch (error) {
    if (error instanceof GraphUnavailableError) return { ok: false, note: `no picture: ${error.shortText}` };
    return { ok: false, note: 'no picture: it could not be drawn' };
  }
}

function nodesTile(upValues: readonly number[] | undefined): DashboardTile {
  if (upValues === undefined) return { label: 'Nodes up', value: '?', color: UNKNOWN, detail: 'Prometheus unavailable' };
  const up = upValues.filter((value) => value === 1).length;
  const down = upValues.length - up;
  return { label: 'Nodes up', value: `${up}/${upValues.length}`, color: down > 0 ? BAD : upValues.length === 0 ? UNKNOWN : GOOD, ...(down > 0 ? { detail: `${down} down` } : {}) };
}

function podsTile(overview: StatusOverview): DashboardTile {
  if (!overview.pods.ok) return { label: 'Pods running', value: '?', color: UNKNOWN, detail: 'Prometheus unavailable' };
  const pods = overview.pods.value;
  if (!pods) return { label: 'Pods running', value: '–', color: UNKNOWN, detail: 'no kube-state-metrics' };
  const count = (phase: string): number => pods.byPhase[phase] ?? 0;
  const failing = count('Failed') + count('Unknown') + pods.crashLooping;
  return { label: 'Pods running', value: String(count('Running')), color: failing > 0 ? BAD : GOOD, detail: `${failing} failing` };
}

function alertsTile(overview: StatusOverview): DashboardTile {
  if (!overview.alerts.ok) return { label: 'Alerts firing', value: '?', color: UNKNOWN, detail: 'Alertmanager unavailable' };
  const firing = overview.alerts.value.filter(isNotifying);
  const muted = overview.alerts.value.filter((alert) => alert.status.state === 'suppressed').length;
  const color = firing.length === 0 ? GOOD : hex(COLORS[highestSeverity(firing)]);
  return { label: 'Alerts firing', value: String(firing.length), color, ...(muted > 0 ? { detail: `${muted} silenced` } : {}) };
}

function targetsTile(overview: StatusOverview): DashboardTile {
  if (!overview.targets.ok) return { label: 'Targets up', value: '?', color: UNKNOWN, detail: 'Prometheus unavailable' };
  const up = overview.targets.value.reduce((sum, job) => sum + job.up, 0);
  const total = overview.targets.value.reduce((sum, job) => sum + job.total, 0);
  return { label: 'Targets up', value: `${up}/${total}`, color: up < total ? BAD : GOOD, ...(up < total ? { detail: `${total - up} down` } : {}) };
}
