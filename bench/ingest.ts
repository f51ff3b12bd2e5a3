/**
 * Ingest: autocannon against amcord's POST /alerts with Alertmanager webhooks of ten alerts, at
 * full speed and at a fixed rate. amcord runs as its own process and delivers to a fake Discord,
 * so the whole path runs (no Discord call is on the request path).
 */
import autocannon from 'autocannon';
import { ingestBodies } from './alerts.js';
import { meterCpu, startAmcordProcess, watchRss, type AmcordProcess } from './amcord-process.js';
import { startCeilingServer, type LoadTarget } from './ceiling.js';
import type { IngestConfig } from './config.js';
import { startFakeDiscord } from '../test/support/fake-discord.js';

const TOKEN = 'bench-bearer-token';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface IngestPhase {
  name: 'full-speed' | 'fixed-rate';
  /** Requests per second asked for; null at full speed. */
  targetRate: number | null;
  connections: number;
  durationSeconds: number;
  requests: number;
  /** 2xx responses per second of the phase. */
  requestsPerSecond: number;
  alertsPerSecond: number;
  /** Milliseconds, over every response of the phase. */
  latencyMs: LatencySummary;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
  non2xx: number;
  timeouts: number;
  /** Percent of one core. */
  amcordCpuPercent: number;
  /** The benchmark process: autocannon and the fake Discord. Percent of one core. */
  loadGeneratorCpuPercent: number;
  /** Percent of the whole machine used by unrelated processes during the phase. */
  otherProcessesPercent: number;
  amcordRssEndMb: number;
  amcordRssMaxMb: number;
}

/** One size of webhook: amcord at full speed on a fresh process, and the bare server on the same bodies. */
export interface IngestSweepPoint {
  alertsPerRequest: number;
  requestBytes: number;
  amcord: IngestPhase;
  ceiling: IngestPhase;
  /** amcord's req/s in percent of the ceiling's. */
  percentOfCeiling: number;
}

export interface IngestResult {
  alertsPerRequest: number;
  requestBytes: number;
  distinctGroups: number;
  amcordReadyMs: number;
  /** Shortly after /readyz answered. */
  amcordRssAfterStartMb: number;
  phases: IngestPhase[];
  /** VmHWM of the amcord process at the end of the scenario. */
  amcordPeakRssMb: number;
  webhooksAccepted: number | undefined;
  /** The bare node:http server at full speed on the same bodies and connections (ceiling.ts). */
  ceiling: IngestPhase;
  /** amcord's full-speed req/s in percent of the ceiling's. */
  percentOfCeiling: number;
  /** Full speed with larger webhooks, each size on a fresh amcord. */
  sweep: IngestSweepPoint[];
}

/** Exact percentiles over all samples (nearest rank). */
export function summarise(samples: number[]): LatencySummary {
  if (samples.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN, mean: sum / sorted.length };
}

async function runPhase(
  amcord: LoadTarget,
  requests: autocannon.Request[],
  options: { name: IngestPhase['name']; seconds: number; connections: number; rate: number | null; alertsPerRequest: number },
): Promise<IngestPhase> {
  const latencies: number[] = [];
  const cpu = meterCpu({ amcord: amcord.pid, bench: process.pid });
  const rss = watchRss(() => amcord.proc());
  const instance = autocannon({
    url: amcord.url,
    connections: options.connections,
    duration: options.seconds,
    requests,
    ...(options.rate === null ? {} : { overallRate: options.rate }),
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const result = await instance;
  const shares = cpu.stop();
  const after = amcord.proc();
  const { maxRssMb } = rss.stop();
  const ok = result['2xx'];
  return {
    name: options.name,
    targetRate: options.rate,
    connections: options.connections,
    durationSeconds: result.duration,
    requests: ok,
    requestsPerSecond: ok / result.duration,
    alertsPerSecond: (ok * options.alertsPerRequest) / result.duration,
    latencyMs: summarise(latencies),
    errors: result.errors + result.timeouts + result.non2xx,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    amcordCpuPercent: shares.processes.amcord ?? NaN,
    loadGeneratorCpuPercent: shares.processes.bench ?? NaN,
    otherProcessesPercent: shares.othersPercent,
    amcordRssEndMb: after.rssMb,
    amcordRssMaxMb: maxRssMb,
  };
}

const requestsOf = (bodies: string[]): autocannon.Request[] =>
  bodies.map((body) => ({
    method: 'POST',
    path: '/alerts',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body,
  }));

const averageBytes = (bodies: string[]): number => Math.round(bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0) / bodies.length);

/** The bare server at full speed on these requests, after a warm-up of its own. */
async function ceilingPhase(requests: autocannon.Request[], options: { seconds: number; warmupSeconds: number; connections: number; alertsPerRequest: number }): Promise<IngestPhase> {
  const server = await startCeilingServer();
  try {
    const phase = { name: 'full-speed' as const, connections: options.connections, alertsPerRequest: options.alertsPerRequest, rate: null };
    if (options.warmupSeconds > 0) await runPhase(server, requests, { ...phase, seconds: options.warmupSeconds });
    return await runPhase(server, requests, { ...phase, seconds: options.seconds });
  } finally {
    await server.stop();
  }
}

const AMCORD_ENV = (webhookUrl: string): Record<string, string> => ({ AMCORD_DISCORD_WEBHOOK_URL: webhookUrl, AMCORD_SERVER_AUTH_BEARER_TOKEN: TOKEN });

/** `env`: more settings for amcord, such as where its state is kept (PostgreSQL). */
export async function runIngest(config: IngestConfig, options: { idleSettleMs: number; env?: Record<string, string> }): Promise<IngestResult> {
  const discord = await startFakeDiscord();
  const webhook = discord.createWebhook({ name: 'amcord ingest' });
  let amcord: AmcordProcess | undefined;
  try {
    const bodies = ingestBodies(config.distinctGroups, config.alertsPerRequest, new Date());
    const requests = requestsOf(bodies);
    const phase = { connections: config.connections, alertsPerRequest: config.alertsPerRequest };
    const ceiling = await ceilingPhase(requests, { ...phase, seconds: config.fullSpeedSeconds, warmupSeconds: config.warmupSeconds });
    amcord = await startAmcordProcess({ ...AMCORD_ENV(webhook.url), ...options.env });
    await new Promise((resolve) => setTimeout(resolve, options.idleSettleMs));
    const idle = amcord.proc();
    if (config.warmupSeconds > 0) await runPhase(amcord, requests, { ...phase, name: 'full-speed', seconds: config.warmupSeconds, rate: null });
    const phases = [
      await runPhase(amcord, requests, { ...phase, name: 'full-speed', seconds: config.fullSpeedSeconds, rate: null }),
      await runPhase(amcord, requests, { ...phase, name: 'fixed-rate', seconds: config.fixedRateSeconds, rate: config.fixedRate }),
    ];
    const accepted = await amcord.metric('amcord_webhooks_received_total', { outcome: 'accepted' });
    const result = {
      alertsPerRequest: config.alertsPerRequest,
      requestBytes: averageBytes(bodies),
      distinctGroups: config.distinctGroups,
      amcordReadyMs: amcord.readyMs,
      amcordRssAfterStartMb: idle.rssMb,
      phases,
      amcordPeakRssMb: amcord.proc().peakRssMb,
      webhooksAccepted: accepted,
      ceiling,
      percentOfCeiling: ((phases[0]?.requestsPerSecond ?? NaN) / ceiling.requestsPerSecond) * 100,
    };
    await amcord.stop();
    amcord = undefined;
    const sweep: IngestSweepPoint[] = [];
    for (const size of config.sweep.alertsPerRequest) {
      const sized = ingestBodies(config.sweep.distinctGroups, size, new Date());
      const sizedRequests = requestsOf(sized);
      const point = { connections: config.connections, alertsPerRequest: size, seconds: config.sweep.seconds };
      const sizedCeiling = await ceilingPhase(sizedRequests, { ...point, warmupSeconds: config.sweep.warmupSeconds });
      amcord = await startAmcordProcess({ ...AMCORD_ENV(webhook.url), ...options.env });
      if (config.sweep.warmupSeconds > 0) await runPhase(amcord, sizedRequests, { ...point, name: 'full-speed', seconds: config.sweep.warmupSeconds, rate: null });
      const measured = await runPhase(amcord, sizedRequests, { ...point, name: 'full-speed', rate: null });
      await amcord.stop();
      amcord = undefined;
      sweep.push({
        alertsPerRequest: size,
        requestBytes: averageBytes(sized),
        amcord: measured,
        ceiling: sizedCeiling,
        percentOfCeiling: (measured.requestsPerSecond / sizedCeiling.requestsPerSecond) * 100,
      });
    }
    return { ...result, sweep };
  } finally {
    await amcord?.stop();
    await discord.close();
  }
}
