import type { WebhookPayload } from '../alertmanager/webhook.js';
import { graphsEnabled } from '../config/schema.js';
import { alertGraphRequest, GraphUnavailableError, type AlertGraphRequest, type GraphAlert } from './alert-graph.js';
import type { Grapher, GraphPicture } from './grapher.js';

/** A picture, and when it is drawn from sample series, why. */
export interface ShownPicture {
  picture: GraphPicture;
  /** Set when the series are made up: what kept Prometheus' own from the picture. */
  sampled?: string;
}

/**
 * What the preview page and `amcord render` show: the real picture when Prometheus answers, else
 * the same chart from sample series, saying why. `graphsOff` says why Prometheus is not asked at
 * all (see graphsOffReason). Undefined when there is nothing to draw (no expression, or one that
 * cannot be read).
 */
export async function pictureOrSample(grapher: Grapher, request: AlertGraphRequest, graphsOff: string | undefined): Promise<ShownPicture | undefined> {
  let reason = graphsOff ?? '';
  if (graphsOff === undefined) {
    try {
      return { picture: await grapher.forAlerts(request) };
    } catch (error) {
      if (!(error instanceof GraphUnavailableError) || error.reason === 'no_expression' || error.reason === 'unparsable' || error.reason === 'render_error') return undefined;
      reason = error.shortText.replace(/^no graph: /, '');
    }
  }
  try {
    return { picture: await grapher.sampleForAlerts(request, reason), sampled: reason };
  } catch (error) {
    if (error instanceof GraphUnavailableError) return undefined;
    throw error;
  }
}

/** Why messages carry no picture under this configuration, or undefined when they do. */
export function graphsOffReason(config: { graphs: { enabled?: boolean | undefined }; prometheus: { configured: boolean } }): string | undefined {
  if (graphsEnabled(config)) return undefined;
  return config.prometheus.configured ? 'graphs are turned off (graphs.enabled)' : 'no Prometheus is configured';
}

/** The picture a webhook payload's message would carry: its firing alerts, else its resolved ones. */
export function payloadGraphRequest(payload: WebhookPayload): AlertGraphRequest | undefined {
  const toGraph = (alert: WebhookPayload['alerts'][number]): GraphAlert => ({ labels: alert.labels, startsAt: Date.parse(alert.startsAt), generatorURL: alert.generatorURL });
  const firing = payload.alerts.filter((alert) => alert.status === 'firing').map(toGraph);
  const resolved = payload.alerts.filter((alert) => alert.status === 'resolved').map(toGraph);
  return alertGraphRequest(firing, resolved);
}
