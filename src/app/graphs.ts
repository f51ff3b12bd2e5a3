import { graphsEnabled, type Config } from '../config/schema.js';
import { createGraphStage, type GraphStage } from '../delivery/graph-stage.js';
import { countingPictures } from '../graphs/counted-grapher.js';
import { createGrapher, type Grapher } from '../graphs/grapher.js';
import type { Logger } from '../log/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Clock } from '../util/sleep.js';

/** The grapher the configuration asks for, or undefined when graphs are off. */
export function grapherFor(config: Config, clock: Clock, metrics: Metrics): Grapher | undefined {
  if (!graphsEnabled(config)) return undefined;
  return countingPictures(anyGrapherFor(config, clock), (use, outcome) => metrics.graphs.inc({ use, outcome }));
}

/** A grapher even when graphs are off: the preview page draws from sample series then. */
export function anyGrapherFor(config: Config, clock: Clock): Grapher {
  return createGrapher({
    prometheusUrl: config.prometheus.url,
    prometheusByOrigin: config.graphs.prometheus_by_origin,
    timeoutMs: config.graphs.query_timeout,
    rangeMs: config.graphs.range,
    maxSeries: config.graphs.max_series,
    clock,
  });
}

/** Pictures with firing messages, counted in /metrics; undefined when graphs are off. */
export function graphStageFor(grapher: Grapher | undefined, logger: Logger, metrics: Metrics): GraphStage | undefined {
  if (!grapher) return undefined;
  return createGraphStage({ grapher, logger: logger.child({ module: 'graphs' }), onOutcome: (outcome) => metrics.graphs.inc({ use: 'alert', outcome }) });
}
