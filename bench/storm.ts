/**
 * Storm: many alerts at once into a real Alertmanager, which hands them to amcord (routing as in
 * examples/alertmanager.yml, timers shortened) and, in the same run, to its own native
 * discord_configs integration grouped by alertname. Both deliver to one fake Discord that
 * enforces Discord's observed limits, each through its own webhook in its own channel.
 */
import { spawnSync } from 'node:child_process';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { stormAlerts, webhookPayload } from './alerts.js';
import { meterCpu, repoRoot, startAmcordProcess, watchRss, type AmcordProcess, type CpuShares } from './amcord-process.js';
import { durationMs, type StormConfig } from './config.js';
import { stormFloor, type StormFloor } from './floor.js';
import { VisibilityTracker, type Visibility } from './visibility.js';
import { startFakeDiscord, type FakeDiscord, type FakeWebhook, type StoredMessage } from '../test/support/fake-discord.js';
import { postAlerts, startAlertmanager, type RunningProcess, type TestAlert } from '../test/support/processes.js';

const TOKEN = 'bench-bearer-token';

export interface SideResult {
  /** From posting the alerts to Alertmanager to the first message in the channel; null if none came. */
  firstMessageMs: number | null;
  /** Until every group's alert name was in some current message (its own, or a digest); null if never. */
  allNamedMs: number | null;
  /** Until every alert was shown in some current message; null if that never happened. */
  allVisibleMs: number | null;
  /** Until every alert was shown or counted in an "…and N more" line; null if never. */
  allAccountedMs: number | null;
  /** New messages created (successful POSTs). */
  messages: number;
  /** Successful edits of earlier messages. */
  edits: number;
  requests: number;
  rateLimited: number;
  rateLimitedByScope: Record<string, number>;
  /** 400s: messages Discord refused (too large or otherwise invalid). */
  rejected: number;
  /** Alert groups without any message in the channel when observation ended. */
  groupsWithoutMessage: number;
  visibility: Visibility;
  /** The rate-limit floor for the messages this side needs, and measured time over it. */
  floor: StormFloor;
  ratioNamed: number | null;
  ratioVisible: number | null;
  ratioAccounted: number | null;
  /** Why observation of this side ended. */
  ended: 'all-visible' | 'all-accounted' | 'stuck' | 'timeout';
}

export interface StormResult {
  alerts: number;
  groups: number;
  webhookRateLimit: StormConfig['webhookRateLimit'];
  channelRateLimit: StormConfig['channelRateLimit'];
  timers: Pick<StormConfig, 'amcordGroupWait' | 'amcordGroupInterval' | 'nativeGroupWait' | 'nativeGroupInterval' | 'forwardGroupInterval'>;
  /** From posting the alerts until observation ended. */
  observedMs: number;
  amcord: SideResult & {
    /** Until amcord had accepted every alert from Alertmanager (its amcord_alerts_received_total); null if it never did. */
    allReceivedMs: number | null;
    webhooksAccepted: number | undefined;
    outboxPending: number | undefined;
    outboxDead: number | undefined;
    /** What `amcord render` of one flushed group predicts: messages per group and alerts per group behind "…and N more". */
    layout: { messagesPerGroup: number; hiddenPerGroup: number; alertsPerGroup: number }[];
  };
  native: SideResult;
  footprint: {
    readyMs: number;
    /** One second after /readyz answered. */
    rssAfterStartMb: number;
    /** After footprint.idleSettleMs of idleness. */
    idleRssMb: number;
    /** VmHWM of amcord at the end of the storm. */
    peakRssMb: number;
    /** The highest VmRSS seen by sampling every 250 ms during the storm. */
    maxSampledRssMb: number;
    /** V8 heap (prom-client's nodejs_heap_size_*_bytes), MB: at idle and when the storm ended. */
    heapIdle: { totalMb: number; usedMb: number };
    heapEnd: { totalMb: number; usedMb: number };
  };
  /** CPU during the storm: amcord, Alertmanager and the benchmark process, and unrelated load on the machine. */
  cpu: CpuShares;
}

interface Answer {
  webhookId: string | undefined;
  method: string;
  status: number;
  scope: string | undefined;
  atMs: number;
}

/** Records every answer of the fake with its X-RateLimit-Scope, which the fake's own request log does not keep. */
function recordAnswers(server: Server, clock: () => number): Answer[] {
  const answers: Answer[] = [];
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const webhookId = /\/webhooks\/(\d+)\//.exec(request.url ?? '')?.[1];
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
    const patched = (statusCode: number, ...rest: unknown[]): ServerResponse => {
      const headers = rest.find((arg): arg is Record<string, unknown> => typeof arg === 'object' && arg !== null && !Array.isArray(arg));
      const scope = headers && Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-ratelimit-scope')?.[1];
      answers.push({
        webhookId,
        method: request.method ?? '',
        status: statusCode,
        scope: typeof scope === 'string' ? scope : undefined,
        atMs: clock(),
      });
      return writeHead(statusCode, ...rest);
    };
    response.writeHead = patched;
  });
  return answers;
}

function alertmanagerConfig(amcordUrl: string, nativeWebhook: FakeWebhook, config: StormConfig): Record<string, unknown> {
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: 'amcord',
      // examples/alertmanager.yml: every alert to amcord at once; amcord groups.
      group_by: ['...'],
      group_wait: '0s',
      group_interval: config.forwardGroupInterval,
      repeat_interval: '1h',
      routes: [
        { receiver: 'amcord', continue: true },
        {
          receiver: 'discord-native',
          group_by: ['alertname'],
          group_wait: config.nativeGroupWait,
          group_interval: config.nativeGroupInterval,
          repeat_interval: '1h',
        },
      ],
    },
    receivers: [
      {
        name: 'amcord',
        webhook_configs: [
          {
            url: `${amcordUrl}/alerts`,
            send_resolved: true,
            max_alerts: 0,
            http_config: { authorization: { type: 'Bearer', credentials: TOKEN } },
          },
        ],
      },
      // Alertmanager's own Discord integration with its default title and message.
      { name: 'discord-native', discord_configs: [{ webhook_url: nativeWebhook.url, send_resolved: true }] },
    ],
  };
}

/** `amcord render` of one flushed group: how many messages it takes and how many alerts it hides. */
function renderedLayout(alerts: readonly TestAlert[], externalUrl: string): { messagesPerGroup: number; hiddenPerGroup: number } {
  const payload = webhookPayload(alerts, { receiver: 'discord', startsAt: new Date() });
  payload.externalURL = externalUrl;
  const result = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), 'render'], {
    input: JSON.stringify(payload),
    encoding: 'utf8',
    env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AMCORD_'))),
  });
  if (result.status !== 0) throw new Error(`amcord render failed: ${result.stderr}`);
  const messages = JSON.parse(result.stdout) as unknown[];
  const hidden = [...result.stdout.matchAll(/…and (\d+) more/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  return { messagesPerGroup: messages.length, hiddenPerGroup: hidden };
}

class SideTracker {
  firstMessageMs: number | null = null;
  allNamedMs: number | null = null;
  allVisibleMs: number | null = null;
  allAccountedMs: number | null = null;
  lastProgressMs = 0;
  private lastSignature = '';
  view: Visibility;

  constructor(
    private readonly tracker: VisibilityTracker,
    total: number,
    private readonly groups: number,
  ) {
    this.view = { total, shown: 0, countedNotShown: 0, lost: total, groupsWithMessage: 0, groupsWithSeveralMessages: 0 };
  }

  update(messages: readonly StoredMessage[], elapsedMs: number): void {
    this.view = this.tracker.evaluate(messages);
    if (messages.length > 0) this.firstMessageMs ??= elapsedMs;
    if (this.view.groupsWithMessage === this.groups) this.allNamedMs ??= elapsedMs;
    if (this.view.shown === this.view.total) this.allVisibleMs ??= elapsedMs;
    if (this.view.lost === 0) this.allAccountedMs ??= elapsedMs;
    const edits = messages.reduce((sum, message) => sum + message.edits, 0);
    const signature = `${messages.length}:${edits}:${this.view.shown}:${this.view.countedNotShown}`;
    if (signature !== this.lastSignature) {
      this.lastSignature = signature;
      this.lastProgressMs = elapsedMs;
    }
  }
}

function sideCounts(answers: readonly Answer[], webhookId: string, groups: number, view: Visibility) {
  const mine = answers.filter((answer) => answer.webhookId === webhookId);
  const rateLimitedByScope: Record<string, number> = {};
  for (const answer of mine.filter((entry) => entry.status === 429)) {
    const scope = answer.scope ?? 'unknown';
    rateLimitedByScope[scope] = (rateLimitedByScope[scope] ?? 0) + 1;
  }
  const ok = (answer: Answer): boolean => answer.status >= 200 && answer.status < 300;
  return {
    messages: mine.filter((answer) => answer.method === 'POST' && ok(answer)).length,
    edits: mine.filter((answer) => answer.method === 'PATCH' && ok(answer)).length,
    requests: mine.length,
    rateLimited: mine.filter((answer) => answer.status === 429).length,
    rateLimitedByScope,
    rejected: mine.filter((answer) => answer.status === 400).length,
    groupsWithoutMessage: groups - view.groupsWithMessage,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `env`: more settings for amcord, such as where its state is kept (PostgreSQL). */
export async function runStorm(config: StormConfig, options: { idleSettleMs: number; env?: Record<string, string> }): Promise<StormResult> {
  const amcordGroupWaitMs = durationMs(config.amcordGroupWait);
  const nativeGroupWaitMs = durationMs(config.nativeGroupWait);
  const { alerts, groups } = stormAlerts(config.alerts, config.groups);
  let discord: FakeDiscord | undefined;
  let amcord: AmcordProcess | undefined;
  let alertmanager: RunningProcess | undefined;
  try {
    discord = await startFakeDiscord({ rateLimit: config.webhookRateLimit, channelRateLimit: config.channelRateLimit });
    // Separate channels, so the two integrations do not share the channel limit.
    const amcordHook = discord.createWebhook({ name: 'amcord' });
    const nativeHook = discord.createWebhook({ name: 'alertmanager native' });
    let t0 = performance.now();
    const answers = recordAnswers(discord.server, () => performance.now() - t0);

    amcord = await startAmcordProcess({
      AMCORD_DISCORD_WEBHOOK_URL: amcordHook.url,
      AMCORD_SERVER_AUTH_BEARER_TOKEN: TOKEN,
      AMCORD_GROUPING_GROUP_WAIT: config.amcordGroupWait,
      AMCORD_GROUPING_GROUP_INTERVAL: config.amcordGroupInterval,
      AMCORD_GROUPING_REPEAT_INTERVAL: '1h',
      AMCORD_DISCORD_STORM_DIGEST_AFTER: config.amcordStormDigestAfter,
      ...options.env,
    });
    const afterStartMs = Math.min(1_000, options.idleSettleMs);
    await sleep(afterStartMs);
    const afterStart = amcord.proc();
    await sleep(options.idleSettleMs - afterStartMs);
    const idle = amcord.proc();
    const heap = async (): Promise<{ totalMb: number; usedMb: number }> => ({
      totalMb: ((await amcord?.metric('nodejs_heap_size_total_bytes')) ?? NaN) / 1e6,
      usedMb: ((await amcord?.metric('nodejs_heap_size_used_bytes')) ?? NaN) / 1e6,
    });
    const heapIdle = await heap();
    alertmanager = await startAlertmanager({ config: alertmanagerConfig(amcord.url, nativeHook, config) });

    // What amcord's layout makes of one group, per distinct group size.
    const layout = [...new Set(groups.map((group) => group.instances.length))].map((size) => {
      const index = groups.findIndex((group) => group.instances.length === size);
      const sample = alerts.filter((alert) => alert.labels.alertname === groups[index]?.alertname);
      return { alertsPerGroup: size, ...renderedLayout(sample, alertmanager?.url ?? '') };
    });
    const amcordMessagesNeeded = groups.reduce(
      (sum, group) => sum + (layout.find((entry) => entry.alertsPerGroup === group.instances.length)?.messagesPerGroup ?? 1),
      0,
    );

    const amcordTracker = new SideTracker(new VisibilityTracker(groups), config.alerts, groups.length);
    const nativeTracker = new SideTracker(new VisibilityTracker(groups), config.alerts, groups.length);
    const stuckMs =
      Math.max(config.stuckAfterIntervals * durationMs(config.nativeGroupInterval), config.channelRateLimit.windowMs) +
      durationMs(config.nativeGroupInterval);
    const rss = watchRss(() => (amcord as AmcordProcess).proc());
    const cpu = meterCpu({ amcord: amcord.pid, alertmanager: alertmanager.pid, bench: process.pid });
    let allReceivedMs: number | null = null;

    t0 = performance.now();
    await postAlerts(alertmanager.url, alerts);
    let amcordEnded: SideResult['ended'] | undefined;
    let nativeEnded: SideResult['ended'] | undefined;
    let elapsed = 0;
    while (amcordEnded === undefined || nativeEnded === undefined) {
      await sleep(config.pollMs);
      elapsed = performance.now() - t0;
      if (allReceivedMs === null && ((await amcord.metric('amcord_alerts_received_total', { status: 'firing' })) ?? 0) >= config.alerts) allReceivedMs = performance.now() - t0;
      amcordTracker.update(discord.messages({ webhookId: amcordHook.id }), elapsed);
      nativeTracker.update(discord.messages({ webhookId: nativeHook.id }), elapsed);
      const timedOut = elapsed >= config.timeoutSeconds * 1000;
      const stuck = (side: SideTracker, groupWaitMs: number): boolean => elapsed - Math.max(side.lastProgressMs, groupWaitMs) >= stuckMs;
      if (amcordEnded === undefined) {
        if (amcordTracker.allVisibleMs !== null) amcordEnded = 'all-visible';
        // Every group is delivered; alerts hidden behind "…and N more" stay hidden.
        else if (amcordTracker.allAccountedMs !== null) amcordEnded = 'all-accounted';
        else if (stuck(amcordTracker, amcordGroupWaitMs)) amcordEnded = 'stuck';
        else if (timedOut) amcordEnded = 'timeout';
      }
      if (nativeEnded === undefined) {
        if (nativeTracker.allVisibleMs !== null) nativeEnded = 'all-visible';
        else if (stuck(nativeTracker, nativeGroupWaitMs)) nativeEnded = 'stuck';
        else if (timedOut) nativeEnded = 'timeout';
      }
    }
    const { maxRssMb } = rss.stop();
    const cpuShares = cpu.stop();
    const peak = amcord.proc().peakRssMb;
    const heapEnd = await heap();

    // A last look, so the figures include whatever arrived after the final poll.
    amcordTracker.update(discord.messages({ webhookId: amcordHook.id }), elapsed);
    nativeTracker.update(discord.messages({ webhookId: nativeHook.id }), elapsed);
    const amcordFloor = stormFloor(amcordMessagesNeeded, amcordGroupWaitMs, config.webhookRateLimit, config.channelRateLimit);
    const nativeFloor = stormFloor(groups.length, nativeGroupWaitMs, config.webhookRateLimit, config.channelRateLimit);
    const ratio = (ms: number | null, floor: StormFloor): number | null => (ms === null ? null : ms / floor.floorMs);
    const side = (tracker: SideTracker, hook: FakeWebhook, floor: StormFloor, ended: SideResult['ended']): SideResult => ({
      firstMessageMs: tracker.firstMessageMs,
      allNamedMs: tracker.allNamedMs,
      allVisibleMs: tracker.allVisibleMs,
      allAccountedMs: tracker.allAccountedMs,
      ...sideCounts(answers, hook.id, groups.length, tracker.view),
      visibility: tracker.view,
      floor,
      ratioNamed: ratio(tracker.allNamedMs, floor),
      ratioVisible: ratio(tracker.allVisibleMs, floor),
      ratioAccounted: ratio(tracker.allAccountedMs, floor),
      ended,
    });

    return {
      alerts: config.alerts,
      groups: config.groups,
      webhookRateLimit: config.webhookRateLimit,
      channelRateLimit: config.channelRateLimit,
      timers: {
        amcordGroupWait: config.amcordGroupWait,
        amcordGroupInterval: config.amcordGroupInterval,
        nativeGroupWait: config.nativeGroupWait,
        nativeGroupInterval: config.nativeGroupInterval,
        forwardGroupInterval: config.forwardGroupInterval,
      },
      observedMs: elapsed,
      amcord: {
        ...side(amcordTracker, amcordHook, amcordFloor, amcordEnded),
        allReceivedMs,
        webhooksAccepted: await amcord.metric('amcord_webhooks_received_total', { outcome: 'accepted' }),
        outboxPending: (await amcord.metric('amcord_outbox_depth', { state: 'pending' })) ?? 0,
        outboxDead: (await amcord.metric('amcord_outbox_depth', { state: 'dead' })) ?? 0,
        layout,
      },
      native: side(nativeTracker, nativeHook, nativeFloor, nativeEnded),
      footprint: { readyMs: amcord.readyMs, rssAfterStartMb: afterStart.rssMb, idleRssMb: idle.rssMb, peakRssMb: peak, maxSampledRssMb: maxRssMb, heapIdle, heapEnd },
      cpu: cpuShares,
    };
  } finally {
    await alertmanager?.stop();
    await amcord?.stop();
    await discord?.close();
  }
}
