import type { WebhookPayload } from '../alertmanager/webhook.js';
import { InboxDrain, type WebhookInbox } from '../cluster/inbox.js';
import type { LoadedConfig } from '../config/load.js';
import { createDestinations } from '../delivery/destinations.js';
import type { GraphStage } from '../delivery/graph-stage.js';
import type { Grapher } from '../graphs/grapher.js';
import { Retention } from '../delivery/retention.js';
import { Incidents } from '../incidents/incidents.js';
import { AlertmanagerClient } from '../alertmanager/api.js';
import type { SilenceTargets } from '../delivery/silence-targets.js';
import { DiscordWebhookClient } from '../discord/webhook-client.js';
import type { Dispatcher } from '../engine/dispatcher.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { RenderSettings } from '../render/settings.js';
import type { Route } from '../routing/routes.js';
import { sleep, type Clock } from '../util/sleep.js';
import { startBotIfEnabled } from './bot.js';
import type { CleanupStack } from './cleanup-stack.js';
import { startDelivery } from './delivery.js';
import { startEscalation } from './escalation.js';
import { startIngest } from './ingest.js';
import { startSubscriptions } from './subscriptions.js';
import type { State } from './state.js';
import { startStatusBoardIfConfigured } from './status-board.js';
import { startWatchdog } from './watchdog.js';

/** How often the leader looks for webhooks other replicas queued. */
const INBOX_POLL_MS = 250;
const INBOX_RETRY = { initialMs: 500, maxMs: 10_000 } as const;

export interface LeaderDeps {
  loaded: LoadedConfig;
  state: State;
  settings: RenderSettings;
  routes: readonly Route[];
  silenceTargets: SilenceTargets;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  previewOutput: ((text: string) => void) | undefined;
  /** False once this replica may no longer be sure it leads: nothing more is sent. */
  mayDeliver: () => boolean;
  /** With several replicas: the webhooks they took, applied here. */
  inbox: WebhookInbox | undefined;
  /** Pictures of the alerts' expressions; undefined when graphs are off. */
  graphs: GraphStage | undefined;
  /** Draws the bot's /graph and /status pictures; undefined when graphs are off. */
  grapher: Grapher | undefined;
}

/** What the leader runs, started: the engine's groups and timers, deliveries, the watchdog, the bot. */
export interface LeaderParts {
  dispatchers: ReadonlyMap<string, Dispatcher>;
  activeGroups: () => number;
  /** The pipeline's start: routes, then groups; resolves once everything is committed. */
  accept: (payload: WebhookPayload) => Promise<void>;
  /** A webhook was queued in the inbox. */
  wake: () => void;
  /** Cuts deliveries in flight at once (the lease is gone) instead of after the stop's grace. */
  abortDeliveries: () => void;
}

/**
 * Starts every part only one replica may run at a time, each registering its release on
 * `cleanup`: the bot, the destinations and their outbox workers, retention, the dead man's
 * switch, the routes' dispatchers, escalation, and (with replicas) the inbox drain.
 */
export async function startLeaderParts(deps: LeaderDeps, cleanup: CleanupStack): Promise<LeaderParts> {
  const { loaded, state, settings, routes, silenceTargets, clock, logger, metrics } = deps;
  const { config } = loaded;
  const incidents = new Incidents(state.incidents, clock);
  // The bot starts first; an acknowledgement made before delivery runs waits in the outbox.
  let wakeDelivery = (_destination: string): void => undefined;
  const bot = await startBotIfEnabled(
    {
      loaded,
      logger,
      silenceTargets,
      metrics,
      clock,
      incidents,
      subscriptions: state.subscriptions,
      wake: (destination) => wakeDelivery(destination),
      grapher: deps.grapher,
    },
    cleanup,
  );
  startStatusBoardIfConfigured({ config, bot, store: state.statusBoards, clock, logger, mayAct: deps.mayDeliver }, cleanup);

  const shutdown = new AbortController();
  const destinations = createDestinations(config, {
    client: new DiscordWebhookClient({
      logger: logger.child({ module: 'discord' }),
      requestTimeoutMs: config.discord.request_timeout,
      signal: shutdown.signal,
      mayRequest: deps.mayDeliver,
      observe: (observation) => {
        metrics.discordRequests.observe({ method: observation.method, status: String(observation.status) }, observation.seconds);
        if (observation.rateLimitScope) metrics.rateLimited.inc({ scope: observation.rateLimitScope });
      },
    }),
    botChannel: bot?.channelDestination,
    threadControl: bot?.threadControl,
    previewOutput: deps.previewOutput ?? ((text: string) => void process.stdout.write(text)),
  });

  const delivery = startDelivery(
    {
      config,
      outbox: state.outbox,
      destinations,
      settings,
      routes,
      controls: bot?.controls,
      graphs: deps.graphs,
      incidents,
      clock,
      sleep,
      logger,
      metrics,
      shutdown,
      mayDeliver: deps.mayDeliver,
    },
    cleanup,
  );
  wakeDelivery = (destination) => delivery.wake(destination);
  if (bot) {
    const { outbox, subscriptions } = state;
    await startSubscriptions(
      { config, outbox, incidents: state.incidents, subscriptions, bot, settings, controls: bot.controls, clock, logger, metrics, mayDeliver: deps.mayDeliver },
      cleanup,
    );
  }
  const retention = new Retention({ outbox: state.outbox, silenceTargets, incidents: state.incidents, clock, logger: logger.child({ module: 'retention' }) });
  retention.start();
  cleanup.defer('retention', () => retention.stop());
  const watchdog = await startWatchdog({ config, state: state.watchdog, clock, logger, delivery }, cleanup);
  const ingest = await startIngest(
    { routes, store: state.engine, clock, logger, watchdog, onHandedOff: (notification) => delivery.wake(notification.receiver) },
    cleanup,
  );

  startEscalation(
    {
      routes,
      incidents: state.incidents,
      dispatchers: ingest.dispatchers,
      silenceTargets,
      alertmanager: new AlertmanagerClient({ baseUrl: config.alertmanager.url, timeoutMs: config.alertmanager.request_timeout }),
      clock,
      logger,
      metrics,
      wake: (destination) => delivery.wake(destination),
    },
    cleanup,
  );

  let wake = (): void => undefined;
  if (deps.inbox) {
    const drain = new InboxDrain({
      inbox: deps.inbox,
      apply: ingest.accept,
      sleep,
      logger: logger.child({ module: 'inbox' }),
      pollIntervalMs: INBOX_POLL_MS,
      retry: INBOX_RETRY,
    });
    drain.start();
    cleanup.defer('inbox', () => drain.stop());
    wake = () => drain.wake();
  }

  return {
    dispatchers: ingest.dispatchers,
    activeGroups: ingest.activeGroups,
    accept: ingest.accept,
    wake,
    abortDeliveries: () => shutdown.abort(new Error('this replica no longer leads')),
  };
}
