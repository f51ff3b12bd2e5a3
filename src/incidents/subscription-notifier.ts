import { parseMatchers, type Matcher } from '../alertmanager/matchers.js';
import type { Logger } from '../log/logger.js';
import { Repeating } from '../util/repeating.js';
import type { Clock, Sleep } from '../util/sleep.js';
import type { IncidentRepository } from './ports.js';
import { groupMatches, type Subscription, type SubscriptionRepository } from './subscriptions.js';

export interface SubscriptionNotifierOptions {
  incidents: IncidentRepository;
  subscriptions: SubscriptionRepository;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  /** Between looks at the incidents. */
  intervalMs: number;
  /** How many looks between two prunings of the notices of ended incidents. */
  pruneEvery?: number;
  /** A DM was queued in the outbox for this member. */
  onQueued?: (userId: string) => void;
}

/**
 * Tells subscribers of new firing groups: looks at the incidents every `intervalMs` and, for each
 * one that started after a member subscribed and matches their matchers, queues a DM. Storage
 * claims each (member, incident) with its DM in one commit, so a restart, a second leader or a
 * member with two matching subscriptions never gets one twice. Runs on the leader only.
 */
export class SubscriptionNotifier {
  private readonly repeating: Repeating;
  /** Incidents already looked at with these subscriptions; only spares storage reads. */
  private readonly seen = new Set<string>();
  private looks = 0;

  constructor(private readonly options: SubscriptionNotifierOptions) {
    const { intervalMs, sleep, logger } = options;
    this.repeating = new Repeating(() => this.tick(), {
      intervalMs,
      sleep,
      onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'subscription check failed; the next one tries again'),
    });
  }

  start(): void {
    this.repeating.start();
  }

  stop(): Promise<void> {
    return this.repeating.stop();
  }

  /** One look at every incident; public for tests, which drive it with their own clock. */
  async tick(): Promise<void> {
    const { incidents, subscriptions, clock, logger } = this.options;
    this.looks += 1;
    if (this.looks % (this.options.pruneEvery ?? 60) === 0) await subscriptions.prune();
    const all = await subscriptions.list();
    if (all.length === 0) return;
    const version = all.map((subscription) => subscription.id).join(',');
    const parsed = all.flatMap((subscription) => withMatchers(subscription, logger));
    for (const summary of await incidents.list()) {
      if (this.repeating.signal.aborted) return;
      const key = `${summary.ref} ${summary.firingSince} ${version}`;
      if (this.seen.has(key)) continue;
      const wanting = parsed.filter(({ subscription }) => subscription.createdAt <= summary.firingSince);
      const incident = wanting.length > 0 ? await incidents.get(summary.ref) : undefined;
      const users = new Set(incident ? wanting.filter(({ matchers }) => groupMatches(matchers, incident.notification)).map(({ subscription }) => subscription.userId) : []);
      for (const userId of users) {
        if (!incident) break;
        const queued = await subscriptions.notify({ userId, ref: incident.ref, firingSince: incident.firingSince, notification: incident.notification }, clock.now());
        if (!queued) continue;
        logger.info({ userId, route: incident.route, groupKey: incident.groupKey }, 'DM queued for a subscriber: a new firing group matches');
        this.options.onQueued?.(userId);
      }
      this.seen.add(key);
    }
    if (this.seen.size > 10_000) this.seen.clear();
  }
}

function withMatchers(subscription: Subscription, logger: Logger): Array<{ subscription: Subscription; matchers: Matcher[] }> {
  try {
    return [{ subscription, matchers: parseMatchers(subscription.matchers) }];
  } catch (error) {
    // Stored matchers were checked when made; one that no longer parses is skipped, not fatal.
    logger.warn({ userId: subscription.userId, err: error instanceof Error ? error.message : String(error) }, 'a subscription has matchers that do not parse; skipped');
    return [];
  }
}
