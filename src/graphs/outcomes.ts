/** What became of a picture, as amcord_graphs_total counts it: drawn, or why not. */
export const GRAPH_OUTCOMES = ['drawn', 'no_expression', 'unparsable', 'prometheus_timeout', 'prometheus_error', 'empty', 'render_error'] as const;

export type GraphOutcome = (typeof GRAPH_OUTCOMES)[number];

/** Which kind of picture was asked for: with a firing message, for /graph, or a dashboard (/status and the status board). */
export const GRAPH_USES = ['alert', 'graph', 'status'] as const;

export type GraphUse = (typeof GRAPH_USES)[number];

/** Why there is no picture. */
export type GraphFailure = Exclude<GraphOutcome, 'drawn'>;
