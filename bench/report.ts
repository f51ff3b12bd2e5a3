/** The benchmark's verdicts against its targets, and the table printed at the end of a run. */
import type { BenchConfig } from './config.js';
import type { IngestResult } from './ingest.js';
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
  render: RenderResult;
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
  const { amcord, native } = storm;
  const visibleRatio = amcord.ratioVisible;
  const deliveredRatio = amcord.ratioAccounted;
  targets.push({
    name: 'storm: every alert visible within 1.25× the floor',
    target: `≤ ${ms(amcord.floor.floorMs * 1.25)}`,
    measured: visibleRatio === null ? `never (${num(amcord.visibility.total - amcord.visibility.shown)} alerts not shown)` : `${ms(amcord.allVisibleMs)} = ${visibleRatio.toFixed(2)}×`,
    met: visibleRatio !== null && visibleRatio <= 1.25,
    note:
      visibleRatio === null
        ? `every group was delivered after ${ms(amcord.allAccountedMs)} (${deliveredRatio === null ? 'n/a' : `${deliveredRatio.toFixed(2)}×`} the floor), but ${num(amcord.visibility.countedNotShown)} alerts are only counted in "…and N more" lines`
        : visibleRatio <= 1.25
          ? ''
          : `missed by ${pct(visibleRatio, 1.25)}`,
  });
  const nativeMessages = native.messages + native.groupsWithoutMessage;
  targets.push({
    name: 'storm: messages no more than Alertmanager native',
    target: `≤ ${num(nativeMessages)} (native: ${num(native.messages)} delivered + ${num(native.groupsWithoutMessage)} groups refused)`,
    measured: `${num(amcord.messages)} new + ${num(amcord.edits)} edits`,
    met: amcord.messages + amcord.edits <= nativeMessages,
    note: '',
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
  targets.push({
    name: 'idle RSS',
    target: '< 80 MB',
    measured: `${num(storm.footprint.idleRssMb, 1)} MB`,
    met: storm.footprint.idleRssMb < 80,
    note: storm.footprint.idleRssMb < 80 ? '' : `missed by ${pct(storm.footprint.idleRssMb, 80)}`,
  });
  targets.push({
    name: 'whole benchmark',
    target: '< 5 min',
    measured: `${num(wallSeconds)} s of scenarios`,
    met: wallSeconds < 300,
    note: '',
  });
  return targets;
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
      ['every alert visible', ms(amcord.allVisibleMs), ms(native.allVisibleMs)],
      ['every alert shown or counted', ms(amcord.allAccountedMs), ms(native.allAccountedMs)],
      ['floor (group_wait + rate limits)', `${ms(amcord.floor.floorMs)} for ${amcord.floor.messages} msgs`, `${ms(native.floor.floorMs)} for ${native.floor.messages} msgs`],
      ['measured / floor (visible)', ratio(amcord.ratioVisible), ratio(native.ratioVisible)],
      ['measured / floor (shown or counted)', ratio(amcord.ratioAccounted), ratio(native.ratioAccounted)],
      ['messages posted', num(amcord.messages), num(native.messages)],
      ['edits', num(amcord.edits), num(native.edits)],
      ['requests to Discord', num(amcord.requests), num(native.requests)],
      ['429s received', scopes(amcord), scopes(native)],
      ['400s (refused messages)', num(amcord.rejected), num(native.rejected)],
      ['groups without a message', num(amcord.groupsWithoutMessage), num(native.groupsWithoutMessage)],
      ['groups with more than one message', num(amcord.visibility.groupsWithSeveralMessages), num(native.visibility.groupsWithSeveralMessages)],
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
