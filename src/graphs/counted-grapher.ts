import { GraphUnavailableError } from './alert-graph.js';
import type { Grapher } from './grapher.js';
import type { GraphFailure, GraphOutcome, GraphUse } from './outcomes.js';
import { PromqlSyntaxError } from './promql.js';

/** What a failed picture counts as: the grapher's own reason, a syntax error, or a drawing fault. */
export function outcomeOf(error: unknown): GraphFailure {
  if (error instanceof GraphUnavailableError) return error.reason;
  if (error instanceof PromqlSyntaxError) return 'unparsable';
  return 'render_error';
}

/**
 * The grapher with every /graph and dashboard picture (/status and the status board) counted.
 * Alert pictures are counted by the graph stage, which also decides what a message says without one.
 */
export function countingPictures(grapher: Grapher, count: (use: GraphUse, outcome: GraphOutcome) => void): Grapher {
  const counted =
    <A, R>(use: GraphUse, draw: (request: A) => Promise<R>) =>
    async (request: A): Promise<R> => {
      try {
        const picture = await draw(request);
        count(use, 'drawn');
        return picture;
      } catch (error) {
        count(use, outcomeOf(error));
        throw error;
      }
    };
  return {
    forAlerts: (request) => grapher.forAlerts(request),
    sampleForAlerts: (request, reason) => grapher.sampleForAlerts(request, reason),
    forQuery: counted('graph', (request: Parameters<Grapher['forQuery']>[0]) => grapher.forQuery(request)),
    forDashboard: counted('status', (request: Parameters<Grapher['forDashboard']>[0]) => grapher.forDashboard(request)),
  };
}
