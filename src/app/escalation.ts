import type { AlertmanagerClient } from '../alertmanager/api.js';
import type { Matcher } from '../alertmanager/matchers.js';
import type { SilenceTargets } from '../delivery/silence-targets.js';
import { isResolvedAt } from '../engine/alert.js';
import type { Dispatcher } from '../engine/dispatcher.js';
import { Escalator } from '../incidents/escalator.js';
import type { IncidentRepository, IncidentSummary } from '../incidents/ports.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Route } from '../routing/routes.js';
import { sleep, type Clock } from '../util/sleep.js';
import type { CleanupStack } from './cleanup-stack.js';

/** How often the leader looks for escalation steps that are due. */
const ESCALATION_INTERVAL_MS = 1_000;

export interface EscalationDeps {
  routes: readonly Route[];
  incidents: IncidentRepository;
  dispatchers: ReadonlyMap<string, Dispatcher>;
  silenceTargets: SilenceTargets;
  alertmanager: Pick<AlertmanagerClient, 'getAlerts'>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** A ping was queued for this destination: deliver it now. */
  wake: (destination: string) => void;
}

/**
 * Starts escalation on the leader when some route has `escalation` (stopped when the stack
 * unwinds). A group counts as silenced when its silence button was used, or when Alertmanager
 * shows every alert of the group silenced; if Alertmanager cannot say, the ping goes out.
 */
export function startEscalation(deps: EscalationDeps, cleanup: CleanupStack): void {
  const { routes, dispatchers, clock, metrics } = deps;
  const stepsByRoute = new Map(routes.map((route) => [route.name, route.escalation]));
  const escalating = routes.filter((route) => route.escalation.length > 0);
  if (escalating.length === 0) return;
  for (const route of escalating) metrics.escalationPings.inc({ route: route.name }, 0);
  const logger = deps.logger.child({ module: 'escalation' });

  const isFiring = (incident: IncidentSummary): boolean | undefined => {
    const dispatcher = dispatchers.get(incident.route);
    if (!dispatcher) return undefined;
    const group = dispatcher.snapshot().find((candidate) => candidate.groupKey === incident.groupKey);
    const now = clock.now();
    return group !== undefined && [...group.alerts.values()].some((alert) => !isResolvedAt(alert, now));
  };

  const isSilenced = async (incident: IncidentSummary): Promise<boolean> => {
    if (await deps.silenceTargets.active(incident.ref, clock.now())) return true;
    const filter: Matcher[] = Object.entries(incident.groupLabels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
    try {
      const alerts = await deps.alertmanager.getAlerts({ filter });
      return alerts.length > 0 && alerts.every((alert) => alert.status.silencedBy.length > 0);
    } catch (error) {
      logger.warn({ err: error instanceof Error ? error.message : String(error), groupKey: incident.groupKey }, 'Alertmanager could not say whether the group is silenced; escalating');
      return false;
    }
  };

  const escalator = new Escalator({
    incidents: deps.incidents,
    stepsOf: (route) => stepsByRoute.get(route) ?? [],
    isFiring,
    isSilenced,
    clock,
    sleep,
    logger,
    intervalMs: ESCALATION_INTERVAL_MS,
    onPing: (incident) => {
      metrics.escalationPings.inc({ route: incident.route });
      deps.wake(incident.destination);
    },
  });
  escalator.start();
  cleanup.defer('escalation', () => escalator.stop());
}
