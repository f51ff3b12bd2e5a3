/** What became of a picture, as amcord_graphs_total counts it: drawn, or why not. */
export const GRAPH_OUTCOMES = ['drawn', 'no_expression', 'unparsable', 'prometheus_timeout', 'prometheus_error', 'empty', 'render_error'] as const;

export type GraphOutcome = (typeof GRAPH_OUTCOMES)[number];

/** Why there is no picture. */
export type GraphFailure = Exclude<GraphOutcome, 'drawn'>;
