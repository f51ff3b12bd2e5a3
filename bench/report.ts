/** The benchmark's verdicts against its targets, and the table printed at the end of a run. */
import type { ChartsResult } from './charts.js';
import type { BenchConfig } from './config.js';
import { PICTURE_DELAY_TARGET_MS, type GraphLatencyResult } from './graph-latency.js';
import type { IngestResult } from './ingest.js';
import type { PostgresBench } from './postgres.js';
import type { RenderResult } from './render.js';
import type { StormResult } from './storm.js';

export interface Machine {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export interface Target {
  name: string;
  target: string;
  measured: string;
  met: boolean;
  /** How far off a missed target is, in words. */
  note: string;
}

export interface BenchReport {
  schemaVersion: 1;
  scale: BenchConfig['scale'];
  startedAt: string;
  finishedAt: string;
  /** Seconds the scenarios took (the build before them is not counted). */
  wallSeconds: number;
  command: string;
  machine: Machine;
  /** The commit measured; `modified` when tracked files differed from it. */
  revision: { commit: string; modified: boolean } | null;
  config: BenchConfig;
  ingest: IngestResult;
  storm: StormResult;
  /** The same storm at other sizes (config.storm.sweepAlerts). */
  stormSweep: StormResult[];
  /** Ingest and the storm again with the state in PostgreSQL. */
  postgres: PostgresBench;
  render: RenderResult;
  /** Chart rendering on the drawing thread and in the main thread, each in a process of its own. */
  charts: ChartsResult;
  /** Delivery with a picture beside delivery without. */
  graphLatency: GraphLatencyResult;
  footprint: {
    readyMs: number;
    rssAfterStartMb: number;
    idleRssMb: number;
    peakRssMb: number;
  };
  targets: Target[];
}

const ms = (value: number | null): string => (value === null ? 'never' : `${(value / 1000).toFixed(1)} s`);
const num = (value: number, digits = 0): string => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pct = (part: number, whole: number): string => `${Math.round((Math.abs(part - whole) / whole) * 100)}%`;

/**
 * A figure that must stay below `limit.value` (at most it, with `atMost`); a miss says by how much.
 * `measured` replaces the figure's own text when more is worth saying.
 */
function underLimit(name: string, value: number, limit: { value: number; unit: string; digits?: number; atMost?: boolean }, measured?: string): Target {
  const met = limit.atMost ? value <= limit.value : value < limit.value;
  return {
    name,
    target: `${limit.atMost ? '<=' : '<'} ${num(limit.value)} ${limit.unit}`,
    measured: measured ?? `${num(value, limit.digits)} ${limit.unit}`,
    met,
    note: met ? '' : `missed by ${pct(value, limit.value)}`,
  };
}

export function evaluateTargets(ingest: IngestResult, storm: StormResult, wallSeconds: number, config: BenchConfig): Target[] {
  const targets: Target[] = [];
  const full = ingest.phases.find((phase) => phase.name === 'full-speed');
  const fixed = ingest.phases.find((phase) => phase.name === 'fixed-rate');
  if (full) {
    const met = full.requestsPerSecond >= 5_000;
    targets.push({
      name: 'ingest throughput',
      target: '≥ 5,000 req/s',
      measured: `${num(full.requestsPerSecond)} req/s`,
      met,
      note: met ? '' : `missed by ${pct(full.requestsPerSecond, 5_000)}; amcord used ${num(full.amcordCpuPercent)}% of a core, the load generator ${num(full.loadGeneratorCpuPercent)}%`,
    });
  }
  if (full) {
    const share = ingest.percentOfCeiling;
    targets.push({
      name: 'ingest share of the bare node:http ceiling',
      target: '≥ 60%',
      measured: `${num(share)}% of ${num(ingest.ceiling.requestsPerSecond)} req/s`,
      met: share >= 60,
      note: share >= 60 ? '' : `missed by ${num(60 - share)} points`,
    });
  }
  if (fixed) {
    const met = fixed.latencyMs.p99 < 20 && fixed.errors === 0;
    targets.push({
      name: `p99 latency at ${num(config.ingest.fixedRate)} req/s`,
      target: '< 20 ms',
      measured: `${num(fixed.latencyMs.p99, 1)} ms`,
      met,
      note: met ? '' : fixed.errors > 0 ? `${fixed.errors} errors` : `missed by ${pct(fixed.latencyMs.p99, 20)}`,
    });
  }
  const { amcord } = storm;
  const floor = amcord.floor.floorMs;
  const namedRatio = amcord.ratioNamed;
  targets.push({
    name: 'storm: every group named within 0.25× the floor',
    target: `≤ ${ms(floor * 0.25)}`,
    measured: namedRatio === null ? 'never' : `${ms(amcord.allNamedMs)} = ${namedRatio.toFixed(2)}×`,
    met: namedRatio !== null && namedRatio <= 0.25,
    note: namedRatio === null ? `${amcord.groupsWithoutMessage} groups never named` : namedRatio <= 0.25 ? '' : `missed by ${pct(namedRatio, 0.25)}`,
  });
  const visibleRatio = amcord.ratioVisible;
  const deliveredRatio = amcord.ratioAccounted;
  targets.push({
    name: 'storm: every alert visible within 1.05× the floor',
    target: `≤ ${ms(floor * 1.05)}`,
    measured: visibleRatio === null ? `never (${num(amcord.visibility.total - amcord.visibility.shown)} alerts not shown)` : `${ms(amcord.allVisibleMs)} = ${visibleRatio.toFixed(2)}×`,
    met: visibleRatio !== null && visibleRatio <= 1.05,
    note:
      visibleRatio === null
        ? `every group was delivered after ${ms(amcord.allAccountedMs)} (${deliveredRatio === null ? 'n/a' : `${deliveredRatio.toFixed(2)}×`} the floor), but ${num(amcord.visibility.countedNotShown)} alerts are only counted in "…and N more" lines`
        : visibleRatio <= 1.05
          ? ''
          : `missed by ${pct(visibleRatio, 1.05)}`,
  });
  const perGroup = amcord.floor.messages;
  targets.push({
    name: 'storm: messages at most 10% over one per group',
    target: `≤ ${num(Math.floor(perGroup * 1.1))} (${num(perGroup)} groups)`,
    measured: `${num(amcord.messages)} new + ${num(amcord.edits)} edits`,
    met: amcord.messages <= perGroup * 1.1,
    note: amcord.messages <= perGroup * 1.1 ? '' : `${num(amcord.messages - perGroup)} extra messages`,
  });
  targets.push({
    name: 'storm: alerts lost',
    target: '0',
    measured: num(amcord.visibility.lost),
    met: amcord.visibility.lost === 0,
    note: amcord.visibility.lost === 0 ? '' : `${amcord.visibility.lost} alerts neither shown nor counted`,
  });
  const worstBucket = Math.max(0, ...Object.values(amcord.rateLimitedByScope));
  targets.push({
    name: 'storm: 429s per bucket',
    target: '≤ 1',
    measured: Object.keys(amcord.rateLimitedByScope).length === 0 ? '0' : Object.entries(amcord.rateLimitedByScope).map(([scope, count]) => `${scope} ${count}`).join(', '),
    met: worstBucket <= 1,
    note: '',
  });
  targets.push(underLimit('idle RSS', storm.footprint.idleRssMb, { value: 80, unit: 'MB', digits: 1 }));
  targets.push(underLimit('start to /readyz', storm.footprint.readyMs, { value: 400, unit: 'ms' }));
  targets.push({
    name: 'whole benchmark',
    target: '< 10 min',
    measured: `${num(wallSeconds)} s of scenarios`,
    met: wallSeconds < 600,
    note: '',
  });
  return targets;
}

/** The targets of the pictures: drawing time and memory (bench/charts.ts) and the delay a picture adds. */
export function pictureTargets(charts: ChartsResult, latency: GraphLatencyResult): Target[] {
  const { worker } = charts;
  const worstDelay = Math.max(latency.cold.delayMs, latency.warm.delayMaxMs);
  return [
    underLimit('charts: a group of 10 series, p99', worker.group.p99Ms, { value: 250, unit: 'ms' }),
    underLimit(`charts: memory added by ${2 * worker.renders + 2} pictures`, worker.addedMb, { value: 40, unit: 'MB', digits: 1 }),
    underLimit(
      'pictures: a message with one later than without',
      worstDelay,
      { value: PICTURE_DELAY_TARGET_MS, unit: 'ms', atMost: true },
      `${num(worstDelay)} ms at most (the first picture ${num(latency.cold.delayMs)} ms)`,
    ),
  ];
}

/** Columns left of `rightFrom` are left-aligned, the others right-aligned. */
function table(rows: string[][], rightFrom = 1): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? '')].length))) ?? [];
  const pad = (cell: string, column: number): string => {
    const fill = ' '.repeat(Math.max(0, (widths[column] ?? 0) - [...cell].length));
    return column < rightFrom ? cell + fill : fill + cell;
  };
  return rows.map((row) => row.map(pad).join('  ').trimEnd()).join('\n');
}

/** The figures as aligned plain-text tables. */
export function formatReport(report: BenchReport): string {
  const { ingest, storm, footprint } = report;
  const lines: string[] = [];
  const revision = report.revision ? ` · commit ${report.revision.commit.slice(0, 12)}${report.revision.modified ? ' + local changes' : ''}` : '';
  lines.push(`amcord benchmark · scale ${report.scale} · ${report.startedAt}${revision}`);
  lines.push(`${report.machine.nproc} × ${report.machine.cpuModel}, ${report.machine.memoryGiB.toFixed(1)} GiB, Node ${report.machine.node}`);
  lines.push('"other load": CPU used by unrelated processes on the machine meanwhile, in percent of all cores; figures taken under other load are understated.');
  lines.push('');
  lines.push(
    `Ingest: POST /alerts, ${ingest.alertsPerRequest} alerts per request (${num(ingest.requestBytes)} bytes), ${ingest.distinctGroups} distinct groups, ${ingest.phases[0]?.connections ?? 0} connections`,
  );
  lines.push(
    table([
      ['phase', 'seconds', 'req/s', 'alerts/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'amcord CPU', 'load gen CPU', 'other load', 'amcord RSS max'],
      ...ingest.phases.map((phase) => [
        phase.targetRate === null ? 'full speed' : `fixed ${num(phase.targetRate)} req/s`,
        num(phase.durationSeconds, 1),
        num(phase.requestsPerSecond),
        num(phase.alertsPerSecond),
        num(phase.latencyMs.p50, 2),
        num(phase.latencyMs.p90, 2),
        num(phase.latencyMs.p99, 2),
        num(phase.latencyMs.max, 1),
        num(phase.errors),
        `${num(phase.amcordCpuPercent)}%`,
        `${num(phase.loadGeneratorCpuPercent)}%`,
        `${num(phase.otherProcessesPercent)}%`,
        `${num(phase.amcordRssMaxMb, 1)} MB`,
      ]),
    ]),
  );
  const ceiling = ingest.ceiling;
  lines.push(
    `  ceiling: a bare node:http server reading the same bodies, JSON.parse, 200: ${num(ceiling.requestsPerSecond)} req/s (p50 ${num(ceiling.latencyMs.p50, 2)} ms, p99 ${num(ceiling.latencyMs.p99, 2)} ms, ${num(ceiling.amcordCpuPercent)}% of a core, other load ${num(ceiling.otherProcessesPercent)}%); amcord at full speed: ${num(ingest.percentOfCeiling)}% of it`,
  );
  lines.push('');
  lines.push('Ingest by webhook size: full speed, each size on a fresh amcord, beside the bare server on the same bodies');
  const sizes = [
    { alertsPerRequest: ingest.alertsPerRequest, requestBytes: ingest.requestBytes, amcord: ingest.phases[0], ceiling: ingest.ceiling, percentOfCeiling: ingest.percentOfCeiling },
    ...ingest.sweep,
  ];
  lines.push(
    table([
      ['alerts/webhook', 'bytes', 'req/s', 'alerts/s', 'p50 ms', 'p99 ms', 'amcord CPU', 'amcord RSS max', 'ceiling req/s', 'of ceiling', 'other load'],
      ...sizes.map((size) => [
        num(size.alertsPerRequest),
        num(size.requestBytes),
        num(size.amcord?.requestsPerSecond ?? NaN),
        num(size.amcord?.alertsPerSecond ?? NaN),
        num(size.amcord?.latencyMs.p50 ?? NaN, 2),
        num(size.amcord?.latencyMs.p99 ?? NaN, 2),
        `${num(size.amcord?.amcordCpuPercent ?? NaN)}%`,
        `${num(size.amcord?.amcordRssMaxMb ?? NaN, 1)} MB`,
        num(size.ceiling.requestsPerSecond),
        `${num(size.percentOfCeiling)}%`,
        `${num(size.amcord?.otherProcessesPercent ?? NaN)}%`,
      ]),
    ]),
  );
  lines.push('');
  const { amcord, native } = storm;
  const webhook = storm.webhookRateLimit;
  const channel = storm.channelRateLimit;
  lines.push(
    `Storm: ${num(storm.alerts)} alerts in ${storm.groups} groups into Alertmanager 0.25; fake Discord limits ${webhook.limit} requests / ${webhook.windowMs / 1000} s per webhook, ${channel.limit} messages / ${channel.windowMs / 1000} s per channel`,
  );
  lines.push(
    `  amcord: Alertmanager group_wait 0s → amcord group_wait ${storm.timers.amcordGroupWait}, group_interval ${storm.timers.amcordGroupInterval}; native: group_by [alertname], group_wait ${storm.timers.nativeGroupWait}, group_interval ${storm.timers.nativeGroupInterval}`,
  );
  const scopes = (side: typeof native): string =>
    side.rateLimited === 0 ? '0' : `${side.rateLimited} (${Object.entries(side.rateLimitedByScope).map(([scope, count]) => `${scope} ${count}`).join(', ')})`;
  const ratio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(2)}×`);
  lines.push(
    table([
      ['', 'amcord', 'Alertmanager discord_configs'],
      ['every alert received by amcord', ms(amcord.allReceivedMs), '—'],
      ['first message', ms(amcord.firstMessageMs), ms(native.firstMessageMs)],
      ['every group named', ms(amcord.allNamedMs), ms(native.allNamedMs)],
      ['every alert visible', ms(amcord.allVisibleMs), ms(native.allVisibleMs)],
      ['every alert shown or counted', ms(amcord.allAccountedMs), ms(native.allAccountedMs)],
      ['floor (group_wait + rate limits)', `${ms(amcord.floor.floorMs)} for ${amcord.floor.messages} msgs`, `${ms(native.floor.floorMs)} for ${native.floor.messages} msgs`],
      ['measured / floor (named)', ratio(amcord.ratioNamed), ratio(native.ratioNamed)],
      ['measured / floor (visible)', ratio(amcord.ratioVisible), ratio(native.ratioVisible)],
      ['measured / floor (shown or counted)', ratio(amcord.ratioAccounted), ratio(native.ratioAccounted)],
      ['messages posted', num(amcord.messages), num(native.messages)],
      ['edits', num(amcord.edits), num(native.edits)],
      ['requests to Discord', num(amcord.requests), num(native.requests)],
      ['429s received', scopes(amcord), scopes(native)],
      ['400s (refused messages)', num(amcord.rejected), num(native.rejected)],
      ['groups without a message', num(amcord.groupsWithoutMessage), num(native.groupsWithoutMessage)],
      ['groups named in more than one message (a digest counts)', num(amcord.visibility.groupsWithSeveralMessages), num(native.visibility.groupsWithSeveralMessages)],
      ['alerts shown', `${num(amcord.visibility.shown)} / ${num(amcord.visibility.total)}`, `${num(native.visibility.shown)} / ${num(native.visibility.total)}`],
      ['alerts only counted ("…and N more")', num(amcord.visibility.countedNotShown), num(native.visibility.countedNotShown)],
      ['alerts never shown nor counted', num(amcord.visibility.lost), num(native.visibility.lost)],
      ['observation ended', amcord.ended, native.ended],
    ]),
  );
  const cpu = storm.cpu;
  lines.push(
    `  CPU during the storm: amcord ${num(cpu.processes.amcord ?? NaN)}%, Alertmanager ${num(cpu.processes.alertmanager ?? NaN)}%, benchmark process ${num(cpu.processes.bench ?? NaN)}% of a core; other load ${num(cpu.othersPercent)}% of the machine`,
  );
  lines.push('');
  lines.push('Storm by size: the same timers and limits; times from posting to Alertmanager, amcord side');
  lines.push(
    table([
      ['alerts', 'groups', 'received', 'all named', 'all visible', 'all shown or counted', 'floor', 'named / floor', 'visible / floor', 'messages', 'edits', '429s', 'shown', 'lost', 'peak RSS', 'ended'],
      ...[storm, ...report.stormSweep]
        .sort((a, b) => a.alerts - b.alerts)
        .map((each) => [
          num(each.alerts),
          num(each.groups),
          ms(each.amcord.allReceivedMs),
          ms(each.amcord.allNamedMs),
          ms(each.amcord.allVisibleMs),
          ms(each.amcord.allAccountedMs),
          ms(each.amcord.floor.floorMs),
          ratio(each.amcord.ratioNamed),
          ratio(each.amcord.ratioVisible),
          num(each.amcord.messages),
          num(each.amcord.edits),
          scopes(each.amcord),
          `${num(each.amcord.visibility.shown)} / ${num(each.amcord.visibility.total)}`,
          num(each.amcord.visibility.lost),
          `${num(each.footprint.peakRssMb, 1)} MB`,
          each.amcord.ended,
        ]),
    ]),
  );
  lines.push('');
  lines.push(...postgresLines(report));
  lines.push('');
  lines.push(`Render: one group through renderPayload in this process, ${report.render.repeats} runs each`);
  lines.push(
    table([
      ['template', 'alerts', 'median ms', 'max ms', 'alerts shown'],
      ...report.render.cases.map((each) => [each.template, num(each.alerts), num(each.medianMs, 1), num(each.maxMs, 1), num(each.shown)]),
    ]),
  );
  lines.push('');
  lines.push('Footprint (amcord process of the storm)');
  lines.push(
    table([
      ['start to /readyz 200', `${num(footprint.readyMs)} ms`],
      ['RSS 1 s after /readyz', `${num(footprint.rssAfterStartMb, 1)} MB`],
      [`idle RSS (${num(report.config.footprint.idleSettleMs / 1000)} s after /readyz)`, `${num(footprint.idleRssMb, 1)} MB`],
      ['peak RSS (VmHWM) during the storm', `${num(footprint.peakRssMb, 1)} MB`],
      [
        'V8 heap used / total, idle → end of storm',
        `${num(storm.footprint.heapIdle.usedMb, 1)} / ${num(storm.footprint.heapIdle.totalMb, 1)} MB → ${num(storm.footprint.heapEnd.usedMb, 1)} / ${num(storm.footprint.heapEnd.totalMb, 1)} MB`,
      ],
      ['peak RSS (VmHWM) during ingest', `${num(ingest.amcordPeakRssMb, 1)} MB`],
    ]),
  );
  lines.push('');
  lines.push('Targets');
  lines.push(
    table([
      ['target', 'goal', 'measured', 'verdict'],
      ...report.targets.map((target) => [target.name, target.target, target.measured, target.met ? 'met' : `MISSED${target.note ? `: ${target.note}` : ''}`]),
    ], 4),
  );
  return lines.join('\n');
}

/** PostgreSQL beside SQLite, from the same run: ingest and the storm, and their ratios. */
function postgresLines(report: BenchReport): string[] {
  const { postgres, ingest, storm } = report;
  const phase = (result: IngestResult, name: 'full-speed' | 'fixed-rate') => result.phases.find((each) => each.name === name);
  const sqliteFull = phase(ingest, 'full-speed');
  const postgresFull = phase(postgres.ingest, 'full-speed');
  const row = (label: string, sqlite: string, onPostgres: string): string[] => [label, sqlite, onPostgres];
  const ratio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(2)}×`);
  return [
    `State in PostgreSQL ${postgres.server} (a throwaway cluster on this machine, one replica) beside SQLite, same scenarios`,
    table([
      ['', 'SQLite', 'PostgreSQL'],
      row('ingest at full speed', `${num(sqliteFull?.requestsPerSecond ?? NaN)} req/s`, `${num(postgresFull?.requestsPerSecond ?? NaN)} req/s = ${num(((postgresFull?.requestsPerSecond ?? NaN) / (sqliteFull?.requestsPerSecond ?? NaN)) * 100)}% of SQLite`),
      row('p99 at the fixed rate', `${num(phase(ingest, 'fixed-rate')?.latencyMs.p99 ?? NaN, 1)} ms`, `${num(phase(postgres.ingest, 'fixed-rate')?.latencyMs.p99 ?? NaN, 1)} ms`),
      row('storm: every group named', ms(storm.amcord.allNamedMs), ms(postgres.storm.amcord.allNamedMs)),
      row('storm: every alert visible / floor', ratio(storm.amcord.ratioVisible), ratio(postgres.storm.amcord.ratioVisible)),
      row('storm: messages, edits', `${num(storm.amcord.messages)}, ${num(storm.amcord.edits)}`, `${num(postgres.storm.amcord.messages)}, ${num(postgres.storm.amcord.edits)}`),
      row('storm: lost', num(storm.amcord.visibility.lost), num(postgres.storm.amcord.visibility.lost)),
    ]),
  ];
}
