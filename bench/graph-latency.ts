/**
 * What a picture costs a notification: the same firing alert posted to two amcords, one drawing
 * the alert's graph from a real Prometheus that scrapes a real node_exporter, one with graphs off,
 * both delivering to one fake Discord. Each round is a new group; the time is from posting the
 * webhook to the message being in the channel. The first round starts amcord's drawing thread and
 * loads the chart stack, so it is reported apart from the others.
 */
import { GRAPH_OUTCOMES } from '../src/graphs/outcomes.js';
import { webhookPayload } from './alerts.js';
import { startAmcordProcess, type AmcordProcess } from './amcord-process.js';
import type { GraphLatencyConfig } from './config.js';
import { percentile } from './percentile.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook, type StoredMessage } from '../test/support/fake-discord.js';
import { startNodeExporter, startPrometheus, waitUntil, type RunningProcess } from '../test/support/processes.js';

const TOKEN = 'bench-bearer-token';
/** Messages are looked for this often; it bounds how late a delivery can be seen. */
const POLL_MS = 5;
/** The alert's rule, as a node_exporter dashboard has it; the picture draws it against its threshold. */
const EXPRESSION = '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 1';

export interface GraphLatencyRound {
  /** From posting the webhook to the message in the channel, ms. */
  withPictureMs: number;
  withoutPictureMs: number;
  /** withPictureMs - withoutPictureMs. */
  delayMs: number;
  /** Whether the message of the amcord with graphs carried a PNG. */
  pictureAttached: boolean;
}

export interface GraphLatencyResult {
  rounds: GraphLatencyRound[];
  /** The first round: drawing thread started and chart stack loaded for it. */
  cold: GraphLatencyRound;
  /** The other rounds: median and largest delay a picture added, and the medians of each side. */
  warm: { delayP50Ms: number; delayMaxMs: number; withPictureP50Ms: number; withoutPictureP50Ms: number };
  /** amcord_graphs_total of the amcord with graphs, by outcome. */
  graphOutcomes: Record<string, number>;
  /**
   * Each amcord's RSS before the first round and after the last, MB: what the chart stack adds to
   * a running amcord, beside the same work without it.
   */
  rssMb: { withGraphs: { before: number; after: number }; withoutGraphs: { before: number; after: number } };
}

/** Delay allowed for a picture. */
export const PICTURE_DELAY_TARGET_MS = 500;

function alertWebhook(round: number, instance: string, prometheusUrl: string): string {
  const alert = {
    labels: { alertname: `MemoryPressure${round}`, instance, job: 'node', severity: 'warning' },
    annotations: { summary: `Memory in use on ${instance}` },
    generatorURL: `${prometheusUrl}/graph?g0.expr=${encodeURIComponent(EXPRESSION)}&g0.tab=1`,
  };
  return JSON.stringify(webhookPayload([alert], { receiver: 'amcord', startsAt: new Date(Date.now() - 60_000) }));
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts the webhook and resolves with the message it became and how long that took. */
async function deliver(amcord: AmcordProcess, discord: FakeDiscord, webhook: FakeWebhook, body: string, timeoutMs: number): Promise<{ ms: number; message: StoredMessage }> {
  const before = discord.messages({ webhookId: webhook.id }).length;
  const postedAt = Date.now();
  const response = await fetch(`${amcord.url}/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body,
    signal: AbortSignal.timeout(5_000),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`amcord answered the webhook ${response.status}:\n${amcord.logTail()}`);
  for (;;) {
    const message = discord.messages({ webhookId: webhook.id })[before];
    if (message) return { ms: message.createdAt - postedAt, message };
    if (Date.now() - postedAt > timeoutMs) throw new Error(`no message within ${timeoutMs} ms:\n${amcord.logTail()}`);
    await pause(POLL_MS);
  }
}

export async function runGraphLatency(config: GraphLatencyConfig): Promise<GraphLatencyResult> {
  const started: Array<{ stop(): Promise<void> } | { close(): Promise<void> }> = [];
  try {
    const nodeExporter: RunningProcess = await startNodeExporter();
    started.push(nodeExporter);
    const instance = `127.0.0.1:${nodeExporter.port}`;
    const prometheus = await startPrometheus({
      config: { global: { scrape_interval: '1s' }, scrape_configs: [{ job_name: 'node', static_configs: [{ targets: [instance] }] }] },
    });
    started.push(prometheus);
    // No rate limit comes into it: one message per round on each webhook, well apart.
    const discord = await startFakeDiscord({ rateLimit: { limit: 50, windowMs: 1_000 } });
    started.push(discord);
    const withHook = discord.createWebhook();
    const withoutHook = discord.createWebhook();
    const common = { AMCORD_SERVER_AUTH_BEARER_TOKEN: TOKEN, AMCORD_PROMETHEUS_URL: prometheus.url, AMCORD_GROUPING_GROUP_WAIT: '0s' };
    const withGraphs = await startAmcordProcess({ ...common, AMCORD_DISCORD_WEBHOOK_URL: withHook.url, AMCORD_GRAPHS_ENABLED: 'true' });
    started.push(withGraphs);
    const withoutGraphs = await startAmcordProcess({ ...common, AMCORD_DISCORD_WEBHOOK_URL: withoutHook.url, AMCORD_GRAPHS_ENABLED: 'false' });
    started.push(withoutGraphs);
    await waitUntil(
      async () => {
        const query = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(`count_over_time(node_memory_MemTotal_bytes[1m])`)}`;
        const answer = (await (await fetch(query)).json()) as { data?: { result?: Array<{ value: [number, string] }> } };
        return Number(answer.data?.result?.[0]?.value[1] ?? 0) >= config.samplesFirst;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: `${config.samplesFirst} scrapes of node_exporter` },
    );

    const rssBefore = { withGraphs: withGraphs.proc().rssMb, withoutGraphs: withoutGraphs.proc().rssMb };
    const rounds: GraphLatencyRound[] = [];
    for (let round = 0; round < config.rounds; round += 1) {
      const body = alertWebhook(round, instance, prometheus.url);
      // Alternate which goes first, so drift in the machine's load falls on both sides alike.
      const sides = [
        { amcord: withGraphs, hook: withHook },
        { amcord: withoutGraphs, hook: withoutHook },
      ];
      if (round % 2 === 1) sides.reverse();
      const results = new Map<FakeWebhook, { ms: number; message: StoredMessage }>();
      for (const side of sides) results.set(side.hook, await deliver(side.amcord, discord, side.hook, body, config.timeoutMs));
      const withPicture = results.get(withHook);
      const withoutPicture = results.get(withoutHook);
      if (!withPicture || !withoutPicture) throw new Error('a side delivered nothing');
      rounds.push({
        withPictureMs: withPicture.ms,
        withoutPictureMs: withoutPicture.ms,
        delayMs: withPicture.ms - withoutPicture.ms,
        pictureAttached: withPicture.message.attachments.some((file) => file.contentType === 'image/png'),
      });
      await pause(config.gapMs);
    }
    const rssMb = {
      withGraphs: { before: rssBefore.withGraphs, after: withGraphs.proc().rssMb },
      withoutGraphs: { before: rssBefore.withoutGraphs, after: withoutGraphs.proc().rssMb },
    };
    const graphOutcomes: Record<string, number> = {};
    for (const outcome of GRAPH_OUTCOMES) {
      const count = await withGraphs.metric('amcord_graphs_total', { outcome });
      if (count !== undefined) graphOutcomes[outcome] = count;
    }
    const [cold, ...warmRounds] = rounds;
    if (!cold) throw new Error('no rounds were run');
    const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
    const delays = sorted(warmRounds.map((each) => each.delayMs));
    return {
      rounds,
      cold,
      warm: {
        delayP50Ms: percentile(delays, 0.5),
        delayMaxMs: delays.at(-1) ?? Number.NaN,
        withPictureP50Ms: percentile(sorted(warmRounds.map((each) => each.withPictureMs)), 0.5),
        withoutPictureP50Ms: percentile(sorted(warmRounds.map((each) => each.withoutPictureMs)), 0.5),
      },
      graphOutcomes,
      rssMb,
    };
  } finally {
    for (const each of started.reverse()) await ('stop' in each ? each.stop() : each.close());
  }
}

export function formatGraphLatency(result: GraphLatencyResult): string {
  const growth = ({ before, after }: { before: number; after: number }): string => `${before.toFixed(1)} → ${after.toFixed(1)} MB`;
  const fixed = (value: number): string => value.toFixed(0);
  const attached = result.rounds.filter((round) => round.pictureAttached).length;
  const outcomes = Object.entries(result.graphOutcomes)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ');
  return [
    `Pictures and delivery: webhook to message in the channel, with a picture and without, ${result.rounds.length} rounds`,
    `  first picture (drawing thread started): ${fixed(result.cold.withPictureMs)} ms with, ${fixed(result.cold.withoutPictureMs)} ms without, ${fixed(result.cold.delayMs)} ms later`,
    `  the others: median ${fixed(result.warm.withPictureP50Ms)} ms with, ${fixed(result.warm.withoutPictureP50Ms)} ms without; a picture made a message ${fixed(result.warm.delayP50Ms)} ms later (median), at most ${fixed(result.warm.delayMaxMs)} ms (target at most ${PICTURE_DELAY_TARGET_MS} ms)`,
    `  messages with a PNG: ${attached} of ${result.rounds.length}; amcord_graphs_total: ${outcomes || 'none'}`,
    `  amcord's RSS over the rounds: ${growth(result.rssMb.withGraphs)} with pictures, ${growth(result.rssMb.withoutGraphs)} without`,
  ].join('\n');
}
