import { matches, type Matcher } from '../alertmanager/matchers.js';
import { unnamedRouteName, type Config } from '../config/schema.js';
import type { GroupingOptions } from '../engine/dispatcher.js';

export interface MentionPolicy {
  roles: string[];
  users: string[];
  severities: string[];
  onResolved: boolean;
}

/** A re-ping `afterMs` from a group's first message, while nobody has acknowledged it. */
export interface EscalationStep {
  afterMs: number;
  roles: string[];
  users: string[];
}

/** A route with everything it inherits filled in. */
export interface Route {
  name: string;
  matchers: Matcher[];
  destination: string;
  continue: boolean;
  template: string | undefined;
  mentions: MentionPolicy | undefined;
  grouping: GroupingOptions;
  /** Empty: no escalation. */
  escalation: EscalationStep[];
}

/** The route that takes what no configured route matches, to the `default` destination. */
export const DEFAULT_ROUTE = 'default';

function baseGrouping(config: Config): GroupingOptions {
  const { grouping } = config;
  return {
    groupBy: grouping.group_by,
    groupWaitMs: grouping.group_wait,
    groupIntervalMs: grouping.group_interval,
    repeatIntervalMs: grouping.repeat_interval,
    sendResolved: grouping.send_resolved,
    resolveTimeoutMs: grouping.resolve_timeout,
  };
}

/** The configured routes, in order, then the default route; each with its timers resolved. */
export function resolveRoutes(config: Config): Route[] {
  const base = baseGrouping(config);
  const configured = config.routes.map(
    (entry, index): Route => ({
      name: entry.name ?? unnamedRouteName(index),
      matchers: entry.matchers,
      destination: entry.destination,
      continue: entry.continue,
      template: entry.template,
      mentions: entry.mentions && {
        roles: entry.mentions.roles,
        users: entry.mentions.users,
        severities: entry.mentions.severities,
        onResolved: entry.mentions.on_resolved,
      },
      escalation: entry.escalation.map((step) => ({ afterMs: step.after, roles: step.roles, users: step.users })),
      grouping: {
        ...base,
        ...(entry.group_by === undefined ? {} : { groupBy: entry.group_by }),
        ...(entry.group_wait === undefined ? {} : { groupWaitMs: entry.group_wait }),
        ...(entry.group_interval === undefined ? {} : { groupIntervalMs: entry.group_interval }),
        ...(entry.repeat_interval === undefined ? {} : { repeatIntervalMs: entry.repeat_interval }),
        ...(entry.send_resolved === undefined ? {} : { sendResolved: entry.send_resolved }),
      },
    }),
  );
  const fallback: Route = {
    name: DEFAULT_ROUTE,
    matchers: [],
    destination: 'default',
    continue: false,
    template: undefined,
    mentions: undefined,
    grouping: base,
    escalation: [],
  };
  return [...configured, fallback];
}

/**
 * The routes an alert takes, as Alertmanager's routing tree decides for one level of children:
 * the first route whose matchers all match, and the ones after it while each matched one says
 * `continue`; the default route only when no configured route matched.
 */
export function routesFor(labels: Readonly<Record<string, string>>, routes: readonly Route[]): Route[] {
  const chosen: Route[] = [];
  for (const route of routes) {
    if (route.name === DEFAULT_ROUTE) break;
    if (!matches(route.matchers, labels)) continue;
    chosen.push(route);
    if (!route.continue) return chosen;
  }
  if (chosen.length > 0) return chosen;
  const fallback = routes.find((route) => route.name === DEFAULT_ROUTE);
  return fallback ? [fallback] : [];
}
