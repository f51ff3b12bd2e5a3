/**
 * Ingest: autocannon against amcord's POST /alerts with Alertmanager webhooks of ten alerts, at
 * full speed and at a fixed rate. amcord runs as its own process and delivers to a fake Discord,
 * so the whole path runs (no Discord call is on the request path).
 */
import autocannon from 'autocannon';
import { ingestBodies } from './alerts.js';
import { meterCpu, startAmcordProcess, watchRss, type AmcordProcess } from './amcord-process.js';
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
  amcord: AmcordProcess,
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

export async function runIngest(config: IngestConfig, options: { idleSettleMs: number }): Promise<IngestResult> {
  const discord = await startFakeDiscord();
  const webhook = discord.createWebhook({ name: 'amcord ingest' });
  let amcord: AmcordProcess | undefined;
  try {
    amcord = await startAmcordProcess({
      AMCORD_DISCORD_WEBHOOK_URL: webhook.url,
      AMCORD_SERVER_AUTH_BEARER_TOKEN: TOKEN,
    });
    await new Promise((resolve) => setTimeout(resolve, options.idleSettleMs));
    const idle = amcord.proc();
    const bodies = ingestBodies(config.distinctGroups, config.alertsPerRequest, new Date());
    const requests: autocannon.Request[] = bodies.map((body) => ({
      method: 'POST',
      path: '/alerts',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body,
    }));
    const phase = { connections: config.connections, alertsPerRequest: config.alertsPerRequest };
    if (config.warmupSeconds > 0) await runPhase(amcord, requests, { ...phase, name: 'full-speed', seconds: config.warmupSeconds, rate: null });
    const phases = [
      await runPhase(amcord, requests, { ...phase, name: 'full-speed', seconds: config.fullSpeedSeconds, rate: null }),
      await runPhase(amcord, requests, { ...phase, name: 'fixed-rate', seconds: config.fixedRateSeconds, rate: config.fixedRate }),
    ];
    const accepted = await amcord.metric('amcord_webhooks_received_total', { outcome: 'accepted' });
    return {
      alertsPerRequest: config.alertsPerRequest,
      requestBytes: Math.round(bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0) / bodies.length),
      distinctGroups: config.distinctGroups,
      amcordReadyMs: amcord.readyMs,
      amcordRssAfterStartMb: idle.rssMb,
      phases,
      amcordPeakRssMb: amcord.proc().peakRssMb,
      webhooksAccepted: accepted,
    };
  } finally {
    await amcord?.stop();
    await discord.close();
  }
}
