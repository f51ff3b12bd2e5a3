import type { Logger } from '../log/logger.js';
import type { EscalationStep } from '../routing/routes.js';
import { Repeating } from '../util/repeating.js';
import type { Clock, Sleep } from '../util/sleep.js';
import { dueStep, escalationPing } from './escalation.js';
import type { IncidentRepository, IncidentSummary } from './ports.js';

export interface EscalatorOptions {
  incidents: IncidentRepository;
  /** A route's escalation steps; empty: it does not escalate. */
  stepsOf: (route: string) => readonly EscalationStep[];
  /**
   * Whether the engine still holds the group with an alert firing; undefined when the route is
   * not the engine's (the dead man's switch). A group that resolved without a resolved
   * notification (send_resolved: false) ends its incident here.
   */
  isFiring: (incident: IncidentSummary) => boolean | undefined;
  /** Whether the group's alerts are silenced right now: a silenced group does not escalate. */
  isSilenced: (incident: IncidentSummary) => Promise<boolean>;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  /** Between looks at the incidents; steps are due minutes apart, so a second is plenty. */
  intervalMs: number;
  /** A step's ping was queued in the outbox. */
  onPing?: (incident: IncidentSummary, step: number) => void;
}

/**
 * Escalation until someone acknowledges: looks at the firing groups every `intervalMs` and, for
 * a group of a route with `escalation` that nobody acknowledged and nobody silenced, queues the
 * step that is due. The schedule is in storage (when the group started, how many steps went
 * out), not in timers, so a restart picks up where it was; storage claims each step with its
 * ping in one commit, so none is sent twice. Runs on the leader only.
 */
export class Escalator {
  private readonly repeating: Repeating;

  constructor(private readonly options: EscalatorOptions) {
    const { intervalMs, sleep, logger } = options;
    this.repeating = new Repeating(() => this.tick(), {
      intervalMs,
      sleep,
      onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'escalation check failed; the next one tries again'),
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
    const { incidents, stepsOf, clock } = this.options;
    for (const incident of await incidents.list()) {
      if (this.repeating.signal.aborted) return;
      const steps = stepsOf(incident.route);
      const firing = this.options.isFiring(incident);
      if (firing === false) {
        await incidents.clear(incident.ref);
        continue;
      }
      const now = clock.now();
      const step = dueStep(incident, steps, now);
      if (step === undefined || firing === undefined) continue;
      if (await this.options.isSilenced(incident)) continue;
      const queued = await incidents.escalate(incident.ref, step, escalationPing(incident, step, steps, now), now);
      if (!queued) continue;
      this.options.logger.info(
        { route: incident.route, groupKey: incident.groupKey, step: step + 1, of: steps.length, unacknowledgedForMs: now - incident.firingSince },
        'escalation step queued: still firing and unacknowledged',
      );
      this.options.onPing?.(incident, step);
    }
  }
}
