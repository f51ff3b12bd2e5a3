import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../bench/config.js';
import { rateLimitSpanMs } from '../bench/floor.js';
import type { BenchReport } from '../bench/report.js';
import { runBench } from '../bench/run.js';

/**
 * `npm run bench` at its tiny size (1 s of ingest per phase, 20 alerts in 4 groups, 3 pictures),
 * so the benchmark keeps working as the code changes. Only that it completes and what it reports
 * are checked, never how fast anything was.
 */
describe('the benchmark at BENCH_SCALE=tiny', () => {
  it('runs ingest, storm, footprint and pictures and writes a JSON report with every figure, no alert lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'amcord-bench-smoke-'));
    try {
      const output: string[] = [];
      const { path } = await runBench(presetConfig('tiny'), { resultsDir: dir, print: (text) => output.push(text) });
      expect(existsSync(join(dir, 'latest.json'))).toBe(true);
      const report = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;

      const isNumber = (value: unknown): boolean => typeof value === 'number' && !Number.isNaN(value);
      expect(report).toMatchObject({ schemaVersion: 1, scale: 'tiny' });
      expect(report.machine.node).toBe(process.version);
      expect(isNumber(report.machine.nproc)).toBe(true);

      expect(report.ingest.phases.map((phase) => phase.name)).toEqual(['full-speed', 'fixed-rate']);
      for (const phase of report.ingest.phases) {
        expect(phase.requests).toBeGreaterThan(0);
        expect(phase.errors).toBe(0);
        for (const figure of [phase.requestsPerSecond, phase.latencyMs.p50, phase.latencyMs.p99, phase.amcordCpuPercent, phase.amcordRssMaxMb]) {
          expect(isNumber(figure)).toBe(true);
        }
      }

      // The ceiling (a bare node:http server) on the same bodies, and larger webhooks, each beside it.
      expect(report.ingest.ceiling.requests).toBeGreaterThan(0);
      expect(report.ingest.ceiling.errors).toBe(0);
      expect(isNumber(report.ingest.percentOfCeiling)).toBe(true);
      expect(report.ingest.sweep.map((point) => point.alertsPerRequest)).toEqual([100, 1_000]);
      for (const point of report.ingest.sweep) {
        expect(point.requestBytes).toBeGreaterThan(report.ingest.requestBytes);
        for (const phase of [point.amcord, point.ceiling]) {
          expect(phase.requests).toBeGreaterThan(0);
          expect(phase.errors).toBe(0);
        }
        expect(isNumber(point.amcord.amcordRssMaxMb)).toBe(true);
        expect(isNumber(point.percentOfCeiling)).toBe(true);
      }

      const { storm } = report;
      expect(isNumber(storm.amcord.allNamedMs)).toBe(true);
      expect(report.stormSweep.map((each) => [each.alerts, each.groups])).toEqual([
        [8, 4],
        [60, 12],
      ]);
      for (const each of report.stormSweep) {
        expect(each.amcord.visibility.lost).toBe(0);
        expect(each.amcord.outboxPending).toBe(0);
        expect(isNumber(each.amcord.allNamedMs)).toBe(true);
      }
      // 12 groups outlast the tiny run's digest threshold: one digest more than one message per group, and its edit
      // to say the storm is over; the groups posted before the backlog grew are named in their own messages only.
      const stormy = report.stormSweep[1];
      expect(stormy?.amcord.messages).toBe(13);
      expect(stormy?.amcord.edits).toBeGreaterThanOrEqual(1);
      expect(stormy?.amcord.visibility.groupsWithSeveralMessages).toBeGreaterThan(0);
      expect(storm).toMatchObject({ alerts: 20, groups: 4 });
      expect(isNumber(storm.amcord.allReceivedMs)).toBe(true);
      expect(storm.amcord.visibility).toMatchObject({ total: 20, shown: 20, lost: 0 });
      expect(isNumber(storm.amcord.allVisibleMs)).toBe(true);
      expect(storm.amcord.messages).toBeGreaterThanOrEqual(4);
      expect(storm.amcord.outboxPending).toBe(0);
      expect(storm.amcord.floor.messages).toBe(4);
      expect(isNumber(storm.amcord.floor.floorMs)).toBe(true);
      for (const side of [storm.amcord, storm.native]) {
        expect(side.visibility.total).toBe(20);
        for (const figure of [side.messages, side.rateLimited, side.rejected, side.visibility.shown, side.visibility.lost]) {
          expect(isNumber(figure)).toBe(true);
        }
      }

      // The same ingest and storm with the state in PostgreSQL, beside SQLite's.
      const { postgres } = report;
      expect(postgres.server).toMatch(/^\d+/);
      expect(postgres.ingest.phases.map((phase) => phase.name)).toEqual(['full-speed', 'fixed-rate']);
      for (const phase of postgres.ingest.phases) {
        expect(phase.requests).toBeGreaterThan(0);
        expect(phase.errors).toBe(0);
      }
      expect(postgres.ingest.webhooksAccepted).toBeGreaterThan(0);
      expect(postgres.storm.amcord.visibility).toMatchObject({ total: 20, shown: 20, lost: 0 });
      expect(output.join('\n')).toContain('State in PostgreSQL');

      // Pictures: drawn on the drawing thread and in the main thread, and delivered beside the same message without one.
      for (const run of [report.charts.worker, report.charts.thread]) {
        for (const figure of [run.alert.p99Ms, run.group.p99Ms, run.addedMb, run.rssMb.afterFirst - run.rssMb.before]) expect(isNumber(figure)).toBe(true);
      }
      const { graphLatency } = report;
      expect(graphLatency.rounds).toHaveLength(3);
      expect(graphLatency.rounds.filter((round) => round.pictureAttached)).toHaveLength(3);
      expect(graphLatency.graphOutcomes.drawn).toBe(3);
      const { withGraphs, withoutGraphs } = graphLatency.rssMb;
      for (const figure of [graphLatency.cold.delayMs, graphLatency.warm.delayP50Ms, graphLatency.warm.delayMaxMs, withGraphs.before, withGraphs.after, withoutGraphs.after]) {
        expect(isNumber(figure)).toBe(true);
      }
      expect(report.targets.map((target) => target.name)).toContain('pictures: a message with one later than without');
      expect(output.join('\n')).toContain('Pictures and delivery');

      expect(report.footprint.readyMs).toBeGreaterThan(0);
      expect(report.footprint.idleRssMb).toBeGreaterThan(0);
      expect(report.footprint.peakRssMb).toBeGreaterThanOrEqual(report.footprint.idleRssMb);

      expect(report.targets.map((target) => target.name)).toContain('storm: alerts lost');
      expect(report.targets.find((target) => target.name === 'storm: alerts lost')?.met).toBe(true);
      expect(output.join('\n')).toContain('Targets');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('computes the rate-limit floor the way Discord windows work', () => {
    const webhook = { limit: 5, windowMs: 2_000 };
    const channel = { limit: 30, windowMs: 60_000 };
    expect(rateLimitSpanMs(1, webhook, channel)).toBe(0);
    expect(rateLimitSpanMs(5, webhook, channel)).toBe(0);
    expect(rateLimitSpanMs(6, webhook, channel)).toBe(2_000);
    expect(rateLimitSpanMs(30, webhook, channel)).toBe(10_000);
    // The 31st message waits for the channel window, then five more go in each webhook window.
    expect(rateLimitSpanMs(40, webhook, channel)).toBe(62_000);
    expect(rateLimitSpanMs(40, webhook, false)).toBe(14_000);
  });
});
