/**
 * The fault suite's rig: the fake Discord, a real Alertmanager routing every alert to amcord as
 * examples/alertmanager.yml recommends (group_by ['...'], group_wait 0s), and amcord itself as a
 * real process (`node dist/cli.js serve`) on a fixed loopback port and data directory, so that it
 * can be killed with -9 and started again where Alertmanager keeps sending.
 *
 * Every case ends in the same check, `rig.check()`:
 *   1. every alert that Alertmanager (or amcord, for a webhook the test posted itself) answered
 *      200 for is shown in Discord, in its latest state (firing or resolved), in the messages as
 *      they finally are (the fake applies edits);
 *   2. no message is a duplicate (see `findDuplicates` for exactly what counts), unless the case
 *      names the allowance that explains it and the logs or the state on disk show it applies;
 *   3. the amcord process is alive;
 *   4. /healthz answered within HEALTHZ_BOUND_MS every time it was asked, all along the case.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { spawnAmcord, type LogLine, type SpawnedAmcord } from '../e2e/support-cli.js';
import { readState, type StoredState } from '../e2e/support-state.js';
import { startFakeDiscord, type Embed, type FakeDiscord, type FakeDiscordOptions, type FakeWebhook, type StoredMessage } from '../support/fake-discord.js';
import { freePort, postAlerts, startAlertmanager, waitUntil, type RunningProcess } from '../support/processes.js';

const LOOPBACK = '127.0.0.1';

/** /healthz must answer within this while a fault is on: a liveness probe that times out restarts amcord. */
export const HEALTHZ_BOUND_MS = 500;
const HEALTHZ_EVERY_MS = 100;
/** amcord's repeat_interval here: no repeat is due during a case, so every repeated post is a duplicate. */
const REPEAT_INTERVAL_MS = 3_600_000;

// ---------------------------------------------------------------------------------------------
// amcord as a process
// ---------------------------------------------------------------------------------------------

/** A log line's `err`, as text: amcord logs some errors as their message, others as an object. */
export function errorText(line: LogLine): string {
  const { err } = line;
  if (err === undefined) return '';
  return typeof err === 'string' ? err : JSON.stringify(err);
}

// ---------------------------------------------------------------------------------------------
// /healthz, all along
// ---------------------------------------------------------------------------------------------

interface HealthSample {
  at: number;
  ms: number;
  /** The status, or the error when there was no answer. */
  outcome: number | string;
}

/** Asks /healthz every 100 ms while amcord is meant to be up; paused while the test has it down. */
class HealthProbe {
  readonly samples: HealthSample[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly url: string) {}

  resume(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async pause(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Samples slower than the bound or not answered 200. */
  problems(): HealthSample[] {
    return this.samples.filter((sample) => sample.outcome !== 200 || sample.ms > HEALTHZ_BOUND_MS);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = performance.now();
      let outcome: number | string;
      try {
        const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(5_000) });
        await response.arrayBuffer();
        outcome = response.status;
      } catch (error) {
        outcome = error instanceof Error ? error.message : String(error);
      }
      this.samples.push({ at: Date.now(), ms: Math.round(performance.now() - started), outcome });
      await delay(HEALTHZ_EVERY_MS);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Alerts the test sends, and what Discord shows of them
// ---------------------------------------------------------------------------------------------

export interface FaultAlert {
  /** Unique across the rig, only [a-z0-9] and ending in "z", so no id is part of another. */
  id: string;
  /** Its alertname, which is amcord's group here (group_by: [alertname]). */
  group: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

interface Expectation {
  alert: FaultAlert;
  /** What Discord must finally show: set only once Alertmanager or amcord answered 200. */
  state: 'firing' | 'resolved' | undefined;
}

interface ShownState {
  firing: Set<string>;
  resolved: Set<string>;
}

/** Which of the given alert ids each embed shows; resolved embeds are the green ones, titled ✅. */
function shownIn(embeds: readonly Embed[], ids: readonly string[]): ShownState {
  const shown: ShownState = { firing: new Set(), resolved: new Set() };
  for (const embed of embeds) {
    const text = JSON.stringify(embed);
    const into = embed.title?.startsWith('✅') ? shown.resolved : shown.firing;
    for (const id of ids) if (text.includes(id)) into.add(id);
  }
  return shown;
}

function describeShown(shown: ShownState): string {
  return `firing: ${[...shown.firing].sort().join(', ')}; resolved: ${[...shown.resolved].sort().join(', ')}`;
}

function createdEmbeds(message: StoredMessage): Embed[] {
  return message.versions[0]?.embeds ?? [];
}

/**
 * How Discord last showed an alert: the newest version (creation or edit) of any message that
 * mentions it. Not just the messages as they are now: a living message that is edited drops the
 * alerts that resolved at an earlier flush (they left the group), as Alertmanager's grouping does.
 */
function lastShown(messages: readonly StoredMessage[], id: string): 'firing' | 'resolved' | undefined {
  const versions = messages
    .flatMap((message, order) => message.versions.map((version) => ({ at: version.at, order, shown: shownIn(version.embeds, [id]) })))
    .filter((version) => version.shown.firing.size + version.shown.resolved.size > 0)
    .sort((a, b) => a.at - b.at || a.order - b.order);
  const last = versions.at(-1);
  if (!last) return undefined;
  return last.shown.resolved.has(id) ? 'resolved' : 'firing';
}

export interface Duplicate {
  group: string;
  /** What both messages showed when created: `firing: a, b; resolved: c`. */
  shown: string;
  first: StoredMessage;
  copy: StoredMessage;
}

/**
 * A duplicate is a second *new* message for the same group, in the same webhook or channel, that
 * showed exactly what an earlier new message of the group showed when it was created (the same
 * alerts, each firing or resolved alike), less than repeat_interval after it: the same
 * notification posted twice. Not duplicates: edits (the same message changing), a repeat after
 * repeat_interval, and a new message that shows something new (an alert newly firing, or a
 * resolution posted anew because the earlier message could not be edited).
 */
export function findDuplicates(messages: readonly StoredMessage[], groupOf: ReadonlyMap<string, string>): Duplicate[] {
  const ids = [...groupOf.keys()];
  const lastByKey = new Map<string, StoredMessage>();
  const duplicates: Duplicate[] = [];
  for (const message of messages) {
    const created = shownIn(createdEmbeds(message), ids);
    const group = [...created.firing, ...created.resolved].map((id) => groupOf.get(id))[0];
    if (group === undefined) continue;
    const shown = describeShown(created);
    const key = `${message.webhookId}/${message.channelId} ${group} ${shown}`;
    const earlier = lastByKey.get(key);
    if (earlier && message.createdAt - earlier.createdAt < REPEAT_INTERVAL_MS) duplicates.push({ group, shown, first: earlier, copy: message });
    lastByKey.set(key, message);
  }
  return duplicates;
}

// ---------------------------------------------------------------------------------------------
// Allowances: the documented exceptions, each granted only on evidence
// ---------------------------------------------------------------------------------------------

/** What an allowance looks at: the rig's history. */
export interface History {
  /** Every amcord process of the rig, the current one last. */
  processes: readonly SpawnedAmcord[];
  /** What was on disk and in Discord each time the test ended an amcord process. */
  exits: readonly ExitRecord[];
}

export interface ExitRecord {
  how: 'SIGKILL' | 'SIGTERM';
  /** Messages the ended process created, oldest first. */
  created: readonly StoredMessage[];
  /** The state database just after it ended. */
  state: StoredState;
}

export interface Allowance {
  name: string;
  /** How many duplicates of this group the evidence explains. */
  copiesExplained(group: string, history: History, groupOf: ReadonlyMap<string, string>): number;
}

/**
 * A webhook post that got no answer within discord.request_timeout may have reached Discord, and
 * is posted again later: at least once, never lost (Execute Webhook has no nonce to deduplicate
 * by). Each such post amcord logged for the group explains one copy.
 */
export const TIMED_OUT_POST: Allowance = {
  name: 'a webhook post that timed out is posted again (at least once)',
  copiesExplained: (group, history) =>
    history.processes
      .flatMap((amcord) => amcord.logs)
      .filter(
        (line) =>
          line.msg === 'delivery failed; will retry' &&
          String(line.groupKey).includes(`alertname="${group}"`) &&
          errorText(line).includes('timed out; Discord may still show the message'),
      ).length,
};

/**
 * amcord ended after Discord created a message and before its delivery reached the disk (killed
 * in between, or stopped while a full disk kept it from recording): the outbox entry is still
 * there after the restart and a webhook's post is sent again (at least once). Each exit whose
 * process created the group's newest message and left it unrecorded on disk explains one copy.
 */
export const UNRECORDED_AT_EXIT: Allowance = {
  name: 'amcord ended between Discord creating a message and recording it',
  copiesExplained: (group, history, groupOf) =>
    history.exits.filter((exit) => {
      const ids = [...groupOf.keys()];
      const ofGroup = exit.created.filter((message) => {
        const shown = shownIn(createdEmbeds(message), ids);
        return [...shown.firing, ...shown.resolved].some((id) => groupOf.get(id) === group);
      });
      const last = ofGroup.at(-1);
      return last !== undefined && ![...exit.state.groupMessages.values()].includes(last.id);
    }).length,
};

export interface Verdict {
  /** Duplicates found, each with the allowance that explained it. */
  explained: Array<{ duplicate: Duplicate; allowance: string }>;
  healthSamples: number;
}

// ---------------------------------------------------------------------------------------------
// The rig
// ---------------------------------------------------------------------------------------------

type ConfigSections = Record<string, Record<string, unknown>>;

export interface RigOptions {
  /** Names temporary directories. */
  name: string;
  /** Merged into amcord's configuration, section by section (discord, grouping, bot, …). */
  config?: ConfigSections | ((started: { discord: FakeDiscord; alertmanager: RunningProcess | undefined }) => ConfigSections);
  discord?: FakeDiscordOptions;
  /** An existing directory for data_dir (a small tmpfs, say); a temporary one otherwise. */
  dataDir?: string;
  /** Start a real Alertmanager in front of amcord (default true). */
  alertmanager?: boolean;
}

export interface Rig {
  discord: FakeDiscord;
  webhook: FakeWebhook;
  alertmanager: RunningProcess | undefined;
  /** amcord's fixed address: the same across restarts, as Alertmanager has it configured. */
  url: string;
  dataDir: string;
  /** The amcord process running now (or the last one, if the test stopped it). */
  readonly amcord: SpawnedAmcord;
  /** Every log line of every amcord process, as text: for "no secret in the logs". */
  logText(): string;
  /** New alerts of one group; nothing is sent yet. */
  alerts(group: string, count: number): FaultAlert[];
  /** Sends the alerts to Alertmanager as Prometheus would; once it answers 200 they must be shown firing. */
  fire(alerts: readonly FaultAlert[]): Promise<void>;
  /** Sends them again with endsAt now; once Alertmanager answers 200 they must be shown resolved. */
  resolve(alerts: readonly FaultAlert[]): Promise<void>;
  /** Posts a webhook for these firing alerts straight to amcord; a 200 means they must be shown. */
  postToAmcord(alerts: readonly FaultAlert[]): Promise<{ status: number; ms: number; body: string }>;
  /** Starts amcord (again) on the same port and data directory. */
  start(): Promise<SpawnedAmcord>;
  /** SIGKILL, and a record of what Discord and the disk held then (for UNRECORDED_AT_EXIT). */
  kill(): Promise<void>;
  /** SIGTERM, awaited, recorded like kill(); resolves with how long the stop took. */
  stop(): Promise<number>;
  /** A value from amcord's /metrics (NaN when absent). */
  metric(series: string): Promise<number>;
  /** Waits until everything accepted is shown and the outbox is empty, then asserts the invariants. */
  check(options?: { allow?: readonly Allowance[]; timeoutMs?: number }): Promise<Verdict>;
  close(): Promise<void>;
}

function merge(base: Record<string, unknown>, extra: ConfigSections = {}): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [section, values] of Object.entries(extra)) {
    const current = merged[section];
    merged[section] = typeof current === 'object' && current !== null ? { ...(current as Record<string, unknown>), ...values } : values;
  }
  return merged;
}

export async function startRig(options: RigOptions): Promise<Rig> {
  const workDir = mkdtempSync(join(tmpdir(), `amcord-faults-${options.name}-`));
  const dataDir = options.dataDir ?? join(workDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const discord = await startFakeDiscord({ channelRateLimit: false, ...options.discord });
  const webhook = discord.createWebhook();
  const port = await freePort();
  const url = `http://${LOOPBACK}:${port}`;
  const alertmanager =
    options.alertmanager === false
      ? undefined
      : await startAlertmanager({
          config: {
            route: { receiver: 'amcord', group_by: ['...'], group_wait: '0s', group_interval: '1s', repeat_interval: '1h' },
            receivers: [{ name: 'amcord', webhook_configs: [{ url: `${url}/alerts`, send_resolved: true, max_alerts: 0 }] }],
          },
        });
  const configPath = join(workDir, 'amcord.yml');
  const extra = typeof options.config === 'function' ? options.config({ discord, alertmanager }) : options.config;
  writeFileSync(
    configPath,
    toYaml(
      merge(
        {
          data_dir: dataDir,
          server: { host: LOOPBACK, port },
          log: { level: 'info', format: 'json' },
          discord: { webhook_url: webhook.url, request_timeout: '1s', delivery_timeout: '3s' },
          grouping: { group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
        },
        extra,
      ),
    ),
  );

  const processes: SpawnedAmcord[] = [];
  const exits: ExitRecord[] = [];
  const expectations = new Map<string, Expectation>();
  const health = new HealthProbe(url);
  let createdBefore = new Set<string>();
  let next = 0;

  const groupOf = (): Map<string, string> => new Map([...expectations.values()].map(({ alert }) => [alert.id, alert.group]));
  const current = (): SpawnedAmcord => {
    const last = processes.at(-1);
    if (!last) throw new Error('amcord was not started');
    return last;
  };
  /** No request is still being handled by the fake (hung ones never will be): no message is about to appear. */
  const discordIdle = (): boolean => discord.requests.every((request) => request.status !== undefined || request.hung === true);

  const toAlertmanager = (alerts: readonly FaultAlert[], endsAt?: Date) =>
    alerts.map((alert) => ({ labels: alert.labels, annotations: alert.annotations, ...(endsAt ? { endsAt } : {}) }));
  const accept = (alerts: readonly FaultAlert[], state: 'firing' | 'resolved'): void => {
    for (const alert of alerts) expectations.set(alert.id, { alert, state });
  };

  /** Ends the current process and records what Discord and the disk held at that moment. */
  const end = async (how: ExitRecord['how']): Promise<number> => {
    const amcord = current();
    await health.pause();
    const started = performance.now();
    if (amcord.isAlive()) process.kill(amcord.pid, how);
    const timer = setTimeout(() => amcord.isAlive() && process.kill(amcord.pid, 'SIGKILL'), 15_000);
    await amcord.exited;
    clearTimeout(timer);
    const tookMs = performance.now() - started;
    await waitUntil(discordIdle, { timeoutMs: 5_000, intervalMs: 20, description: 'Discord to finish the requests it was handling' });
    exits.push({ how, created: discord.messages().filter((message) => !createdBefore.has(message.id)), state: readState(dataDir) });
    return tookMs;
  };

  const rig: Rig = {
    discord,
    webhook,
    alertmanager,
    url,
    dataDir,
    get amcord() {
      return current();
    },
    logText: () => processes.map((amcord) => amcord.logs.map((line) => JSON.stringify(line)).join('\n') + amcord.otherOutput()).join('\n'),

    alerts(group, count) {
      return Array.from({ length: count }, () => {
        next += 1;
        const id = `${group.toLowerCase().replace(/[^a-z0-9]/g, '')}x${next}z`;
        const alert: FaultAlert = {
          id,
          group,
          labels: { alertname: group, instance: id, severity: 'warning' },
          annotations: { summary: `${id} needs attention` },
        };
        expectations.set(id, { alert, state: undefined });
        return alert;
      });
    },

    async fire(alerts) {
      if (!alertmanager) throw new Error('this rig has no Alertmanager');
      await postAlerts(alertmanager.url, toAlertmanager(alerts));
      accept(alerts, 'firing');
    },

    async resolve(alerts) {
      if (!alertmanager) throw new Error('this rig has no Alertmanager');
      await postAlerts(alertmanager.url, toAlertmanager(alerts, new Date()));
      accept(alerts, 'resolved');
    },

    async postToAmcord(alerts) {
      const [first] = alerts;
      const payload = {
        receiver: 'amcord',
        status: 'firing',
        alerts: alerts.map((alert) => ({
          status: 'firing',
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt: new Date().toISOString(),
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: '',
          fingerprint: alert.id.padStart(16, '0').slice(-16),
        })),
        groupLabels: { instance: first?.id ?? '' },
        commonLabels: {},
        commonAnnotations: {},
        externalURL: alertmanager?.url ?? 'http://alertmanager.test:9093',
        version: '4',
        groupKey: `{}:{instance="${first?.id ?? ''}"}`,
        truncatedAlerts: 0,
      };
      const started = performance.now();
      const response = await fetch(`${url}/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      });
      const body = await response.text();
      const ms = Math.round(performance.now() - started);
      if (response.status === 200) accept(alerts, 'firing');
      return { status: response.status, ms, body };
    },

    async start() {
      createdBefore = new Set(discord.messages().map((message) => message.id));
      const amcord = await spawnAmcord({ configPath });
      processes.push(amcord);
      health.resume();
      return amcord;
    },

    async kill() {
      await end('SIGKILL');
    },

    stop: () => end('SIGTERM'),

    async metric(series) {
      const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
      const escaped = series.replace(/[{}"]/g, '\\$&');
      return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    },

    async check(checkOptions = {}) {
      const wanted = [...expectations.values()].filter((expectation) => expectation.state !== undefined);
      const ids = [...groupOf().keys()];
      const missing = (): string[] => {
        const messages = discord.messages();
        return wanted.flatMap(({ alert, state }) => {
          const last = lastShown(messages, alert.id);
          if (last === undefined) return [`${alert.id} (${alert.group}) was never shown`];
          if (last !== state) return [`${alert.id} (${alert.group}) was last shown ${last}, not ${state ?? ''}`];
          const nowFiring = messages.some((message) => shownIn(message.embeds, [alert.id]).firing.has(alert.id));
          return state === 'firing' && !nowFiring ? [`${alert.id} (${alert.group}) fires but no message shows it now`] : [];
        });
      };
      try {
        await waitUntil(
          async () =>
            missing().length === 0 &&
            (await rig.metric('amcord_outbox_depth{destination="default",state="pending"}')) === 0 &&
            discordIdle(),
          { timeoutMs: checkOptions.timeoutMs ?? 30_000, intervalMs: 100, description: 'every accepted alert in Discord and an empty outbox' },
        );
      } catch (error) {
        const errors = processes.flatMap((amcord) => amcord.logs.filter((line) => line.level >= 40).map((line) => `${line.msg} ${errorText(line)}`));
        throw new Error(
          `${(error as Error).message}\nmissing: ${missing().join('; ') || 'nothing'}\n` +
            `messages (created → now):\n  ${discord
              .messages()
              .map((message) => `${message.id} ${describeShown(shownIn(createdEmbeds(message), ids))} → ${describeShown(shownIn(message.embeds, ids))}`)
              .join('\n  ')}\n` +
            `amcord warnings: ${errors.slice(-15).join('\n  ')}`,
          { cause: error },
        );
      }

      const problems: string[] = [];
      if (!current().isAlive()) problems.push(`amcord is not running: ${JSON.stringify(await current().exited)}\n${current().otherOutput()}`);
      if ((await rig.metric('amcord_outbox_depth{destination="default",state="dead"}')) > 0) problems.push('a message was set aside as dead');
      const slow = health.problems();
      if (slow.length > 0) problems.push(`/healthz was slow or failed ${slow.length} of ${health.samples.length} times: ${JSON.stringify(slow.slice(0, 5))}`);

      const history: History = { processes, exits };
      const explained: Verdict['explained'] = [];
      const byGroup = new Map<string, Duplicate[]>();
      for (const duplicate of findDuplicates(discord.messages(), groupOf())) byGroup.set(duplicate.group, [...(byGroup.get(duplicate.group) ?? []), duplicate]);
      for (const [group, duplicates] of byGroup) {
        let left = [...duplicates];
        for (const allowance of checkOptions.allow ?? []) {
          const covered = left.slice(0, allowance.copiesExplained(group, history, groupOf()));
          explained.push(...covered.map((duplicate) => ({ duplicate, allowance: allowance.name })));
          left = left.slice(covered.length);
        }
        for (const duplicate of left) problems.push(`duplicate in ${group}: message ${duplicate.copy.id} repeats ${duplicate.first.id} (${duplicate.shown})`);
      }
      if (problems.length > 0) throw new Error(`fault invariants broken (${ids.length} alerts):\n- ${problems.join('\n- ')}`);
      return { explained, healthSamples: health.samples.length };
    },

    async close() {
      await health.pause();
      for (const amcord of processes) if (amcord.isAlive()) process.kill(amcord.pid, 'SIGKILL');
      await Promise.all(processes.map((amcord) => amcord.exited));
      await alertmanager?.stop();
      await discord.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  return rig;
}

export interface HangingServer {
  url: string;
  close(): Promise<void>;
}

/** A loopback TCP server that accepts connections and never answers, like a service stuck on a slow disk. */
export async function startHangingServer(): Promise<HangingServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return {
    url: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
