import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withSilenceControls } from '../bot/index.js';
import { loadConfig } from '../config/load.js';
import { MessageGoneError, type Destination } from '../delivery/destination.js';
import { Retention } from '../delivery/retention.js';
import { SilenceTargets } from '../delivery/silence-targets.js';
import { DiscordDeliveryError } from '../discord/webhook-client.js';
import type { DiscordMessage } from '../discord/types.js';
import { createLogger } from '../log/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { resolveRenderSettings } from '../render/settings.js';
import { resolveRoutes } from '../routing/routes.js';
import { sleep } from '../util/sleep.js';
import { CleanupStack } from './cleanup-stack.js';
import { startDelivery } from './delivery.js';
import { startIngest } from './ingest.js';
import { openState } from './open-state.js';

const HOUR = 60 * 60 * 1000;
const T0 = Date.UTC(2026, 10, 1);

/** A bot channel that keeps nothing but counts, and refuses every message whose title says so. */
class CountingChannel implements Destination {
  readonly name = 'default';
  readonly carriesButtons = true;
  posted = 0;
  private next = 1;

  post(message: DiscordMessage): Promise<string> {
    if (message.embeds?.[0]?.title?.includes('Refused')) return Promise.reject(new DiscordDeliveryError('400 Invalid Form Body', 'rejected', 400, 50035));
    this.posted += 1;
    return Promise.resolve(String(this.next++));
  }

  edit(messageId: string): Promise<void> {
    return Number(messageId) > 0 ? Promise.resolve() : Promise.reject(new MessageGoneError(messageId));
  }
}

/**
 * Thirty days of a busy channel, simulated with a fake clock: a new group every hour that fires
 * for two hours, every message with silence buttons, one message a day refused by Discord. No
 * table may keep growing: each one's row count levels off within its retention.
 */
describe('retention over thirty days', () => {
  let dataDir: string;
  let cleanup: CleanupStack;

  beforeEach(() => {
    vi.useFakeTimers({ now: T0, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    dataDir = mkdtempSync(join(tmpdir(), 'amcord-retention-'));
  });

  afterEach(async () => {
    await cleanup.unwind();
    vi.useRealTimers();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every table bounded', async () => {
    const loaded = loadConfig({ env: { AMCORD_DATA_DIR: dataDir, AMCORD_GROUPING_REPEAT_INTERVAL: '4h' } });
    const { config } = loaded;
    const logger = createLogger({ level: 'silent', format: 'json' });
    const clock = { now: () => Date.now() };
    cleanup = new CleanupStack(logger);
    const routes = resolveRoutes(config);
    const state = await openState(config, cleanup);
    const silenceTargets = new SilenceTargets(state.silenceTargets, clock);
    const channel = new CountingChannel();
    const delivery = startDelivery(
      {
        config,
        outbox: state.outbox,
        destinations: new Map([[channel.name, channel]]),
        settings: resolveRenderSettings(loaded, routes),
        routes,
        controls: (message, notification) => withSilenceControls(message, notification, silenceTargets, clock.now()),
        clock,
        sleep,
        logger,
        metrics: new Metrics({ outboxDepth: () => state.outbox.depth(), activeGroups: () => 0, isLeader: () => true }, ['default']),
        shutdown: new AbortController(),
      },
      cleanup,
    );
    const ingest = await startIngest(
      {
        routes,
        store: state.engine,
        clock,
        logger,
        watchdog: undefined,
        onHandedOff: (notification) => delivery.wake(notification.receiver),
        // Time is faked here; a batch waits for one turn of the event loop instead.
        gatherBatch: () => new Promise((resolve) => setImmediate(resolve)),
      },
      cleanup,
    );
    const retention = new Retention({ outbox: state.outbox, silenceTargets, clock, logger });
    retention.start();
    cleanup.defer('retention', () => retention.stop());

    const reader = new Database(join(dataDir, 'amcord.sqlite'), { readonly: true });
    cleanup.defer('reader', () => void reader.close());
    const tables = ['groups', 'alerts', 'notification_log', 'outbox', 'group_messages', 'silence_targets', 'kv'];
    const counts = (): Record<string, number> =>
      Object.fromEntries(tables.map((table) => [table, (reader.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n]));

    const alert = (hour: number, resolved: boolean) => ({
      status: resolved ? ('resolved' as const) : ('firing' as const),
      labels: { alertname: hour % 24 === 0 ? `Refused${hour}` : `Hourly${hour}`, instance: `host-${hour}:9100`, severity: 'warning' },
      annotations: { summary: `hour ${hour}` },
      startsAt: new Date(T0 + hour * HOUR).toISOString(),
      endsAt: resolved ? new Date(T0 + (hour + 2) * HOUR).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: String(hour),
    });
    const daily: Array<Record<string, number>> = [];
    for (let hour = 0; hour < 30 * 24; hour += 1) {
      const alerts = [alert(hour, false), ...(hour >= 2 ? [alert(hour - 2, true)] : [])];
      await ingest.accept({
        version: '4',
        groupKey: `hour-${hour}`,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'amcord',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://alertmanager.test:9093',
        alerts,
      });
      await vi.advanceTimersByTimeAsync(HOUR);
      if (hour % 24 === 23) daily.push(counts());
    }

    // Every group was posted once, apart from the one refused each day.
    expect(channel.posted).toBe(30 * 24 - 30);
    const lastWeek = daily.slice(-7);
    const weekBefore = daily.slice(-14, -7);
    for (const table of tables) {
      const highest = Math.max(...lastWeek.map((day) => day[table] ?? 0));
      // Level: no higher in the last week than in the week before, and within what 8 days of traffic leave.
      expect({ table, highest }).toEqual({ table, highest: Math.min(highest, Math.max(...weekBefore.map((day) => day[table] ?? 0))) });
      expect({ table, bounded: highest <= 8 * 24 + 10 }).toEqual({ table, bounded: true });
    }
    expect(Math.max(...daily.map((day) => day.group_messages ?? 0))).toBeGreaterThan(24);
  }, 120_000);
});
