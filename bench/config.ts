/**
 * Benchmark sizes. `BENCH_SCALE=full` (the default) is what BENCHMARKS.md reports; `tiny` runs
 * every scenario in a few seconds (the smoke test). Single figures can be overridden with the
 * BENCH_* variables listed in BENCHMARKS.md.
 */
import type { RateLimitConfig } from '../test/support/fake-discord.js';

export type Scale = 'full' | 'tiny';

export interface IngestConfig {
  /** Full-speed seconds before measuring, not reported. */
  warmupSeconds: number;
  fullSpeedSeconds: number;
  fixedRateSeconds: number;
  /** Requests per second of the fixed-rate phase. */
  fixedRate: number;
  connections: number;
  alertsPerRequest: number;
  /** Distinct payloads (one alert group each) cycled through by the load generator. */
  distinctGroups: number;
  /** Full speed with larger webhooks, each size on a fresh amcord and against the bare server. */
  sweep: { alertsPerRequest: number[]; seconds: number; warmupSeconds: number; distinctGroups: number };
}

export interface StormConfig {
  alerts: number;
  groups: number;
  /** amcord's grouping timers (Alertmanager forwards at once, as examples/alertmanager.yml says). */
  amcordGroupWait: string;
  amcordGroupInterval: string;
  /** Alertmanager's own timers for its native discord_configs route (grouped by alertname). */
  nativeGroupWait: string;
  nativeGroupInterval: string;
  /** Alertmanager's group_interval on the route to amcord (examples/alertmanager.yml: 10s). */
  forwardGroupInterval: string;
  /** Discord's observed limits, enforced by the fake. */
  webhookRateLimit: RateLimitConfig;
  channelRateLimit: RateLimitConfig;
  /** Hard stop for the storm, from the moment the alerts are posted. */
  timeoutSeconds: number;
  /** A side that shows nothing new for this many of its group_intervals is considered stuck. */
  stuckAfterIntervals: number;
  pollMs: number;
  /** amcord's discord.storm_digest_after. */
  amcordStormDigestAfter: string;
  /** Further storms (same timers), for how the figures grow; no footprint is taken of them. */
  sweep: Array<{ alerts: number; groups: number }>;
}

export interface FootprintConfig {
  /**
   * How long amcord is left alone after /readyz answers before its idle RSS is read. V8 keeps
   * the garbage of start-up until its memory reducer runs, some 10–20 s after start.
   */
  idleSettleMs: number;
}

export interface RenderConfig {
  /** Alerts in the one group rendered. */
  sizes: number[];
  repeats: number;
}

export interface GraphLatencyConfig {
  /** Alerts posted to each amcord, one group each; the first starts the drawing thread. */
  rounds: number;
  /** Pause between rounds, so each message is drawn and sent on its own. */
  gapMs: number;
  /** Scrapes Prometheus must hold before the first round, so the first picture has a line. */
  samplesFirst: number;
  /** A message not in the channel this long after its webhook fails the run. */
  timeoutMs: number;
}

export interface BenchConfig {
  scale: Scale;
  ingest: IngestConfig;
  storm: StormConfig;
  footprint: FootprintConfig;
  render: RenderConfig;
  graphLatency: GraphLatencyConfig;
}

const DISCORD_WEBHOOK_LIMIT: RateLimitConfig = { limit: 5, windowMs: 2_000 };
const DISCORD_CHANNEL_LIMIT: RateLimitConfig = { limit: 30, windowMs: 60_000 };

const PRESETS: Record<Scale, BenchConfig> = {
  full: {
    scale: 'full',
    ingest: {
      warmupSeconds: 3,
      fullSpeedSeconds: 20,
      fixedRateSeconds: 20,
      fixedRate: 500,
      connections: 10,
      alertsPerRequest: 10,
      distinctGroups: 100,
      sweep: { alertsPerRequest: [100, 1_000], seconds: 10, warmupSeconds: 2, distinctGroups: 20 },
    },
    storm: {
      alerts: 1_000,
      groups: 40,
      amcordGroupWait: '2s',
      amcordGroupInterval: '10s',
      nativeGroupWait: '2s',
      nativeGroupInterval: '10s',
      forwardGroupInterval: '10s',
      webhookRateLimit: DISCORD_WEBHOOK_LIMIT,
      channelRateLimit: DISCORD_CHANNEL_LIMIT,
      timeoutSeconds: 170,
      stuckAfterIntervals: 3,
      pollMs: 100,
      amcordStormDigestAfter: '10s',
      sweep: [
        { alerts: 200, groups: 40 },
        { alerts: 5_000, groups: 40 },
      ],
    },
    footprint: { idleSettleMs: 25_000 },
    render: { sizes: [1_000, 3_000, 10_000], repeats: 9 },
    graphLatency: { rounds: 21, gapMs: 300, samplesFirst: 10, timeoutMs: 10_000 },
  },
  tiny: {
    scale: 'tiny',
    ingest: {
      warmupSeconds: 0,
      fullSpeedSeconds: 1,
      fixedRateSeconds: 1,
      fixedRate: 100,
      connections: 4,
      alertsPerRequest: 10,
      distinctGroups: 5,
      sweep: { alertsPerRequest: [100, 1_000], seconds: 1, warmupSeconds: 0, distinctGroups: 2 },
    },
    storm: {
      alerts: 20,
      groups: 4,
      amcordGroupWait: '1s',
      amcordGroupInterval: '2s',
      nativeGroupWait: '1s',
      nativeGroupInterval: '2s',
      forwardGroupInterval: '2s',
      webhookRateLimit: DISCORD_WEBHOOK_LIMIT,
      channelRateLimit: DISCORD_CHANNEL_LIMIT,
      timeoutSeconds: 40,
      stuckAfterIntervals: 3,
      pollMs: 100,
      // 12 groups take 4 s to post at 5 per 2 s, over this threshold: the tiny run sees a digest.
      amcordStormDigestAfter: '1s',
      sweep: [
        { alerts: 8, groups: 4 },
        { alerts: 60, groups: 12 },
      ],
    },
    footprint: { idleSettleMs: 500 },
    render: { sizes: [100, 1_000], repeats: 3 },
    graphLatency: { rounds: 3, gapMs: 100, samplesFirst: 2, timeoutMs: 10_000 },
  },
};

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, not ${JSON.stringify(text)}`);
  return value;
}

/** The preset named by BENCH_SCALE, with any BENCH_* overrides applied. */
export function benchConfigFromEnv(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const scale = env.BENCH_SCALE ?? 'full';
  if (scale !== 'full' && scale !== 'tiny') throw new Error(`BENCH_SCALE must be "full" or "tiny", not ${JSON.stringify(scale)}`);
  const preset = structuredClone(PRESETS[scale]);
  const { ingest, storm } = preset;
  ingest.fullSpeedSeconds = positive(env, 'BENCH_INGEST_SECONDS', ingest.fullSpeedSeconds);
  ingest.fixedRateSeconds = positive(env, 'BENCH_INGEST_SECONDS', ingest.fixedRateSeconds);
  ingest.fixedRate = positive(env, 'BENCH_INGEST_RATE', ingest.fixedRate);
  ingest.connections = Math.round(positive(env, 'BENCH_INGEST_CONNECTIONS', ingest.connections));
  storm.alerts = Math.round(positive(env, 'BENCH_STORM_ALERTS', storm.alerts));
  storm.groups = Math.round(positive(env, 'BENCH_STORM_GROUPS', storm.groups));
  storm.timeoutSeconds = positive(env, 'BENCH_STORM_TIMEOUT_SECONDS', storm.timeoutSeconds);
  if (storm.groups > storm.alerts) throw new Error('BENCH_STORM_GROUPS cannot exceed BENCH_STORM_ALERTS');
  return preset;
}

export function presetConfig(scale: Scale): BenchConfig {
  return structuredClone(PRESETS[scale]);
}

/** Alertmanager-style duration ("2s", "10s", "1m") to milliseconds; only the forms used here. */
export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`unsupported duration ${JSON.stringify(text)}`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
