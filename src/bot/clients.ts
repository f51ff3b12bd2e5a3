import type { AlertmanagerClient } from '../alertmanager/api.js';
import type { Grapher } from '../graphs/grapher.js';
import type { PrometheusClient } from '../prometheus/client.js';

/** The parts of the API clients the bot uses; tests pass small fakes. */
export type BotAlertmanager = Pick<AlertmanagerClient, 'getAlerts' | 'getSilences' | 'createSilence' | 'expireSilence'>;
export type BotPrometheus = Pick<PrometheusClient, 'query' | 'targets'>;

export interface BotClients {
  alertmanager: BotAlertmanager;
  prometheus: BotPrometheus;
  /** Where people open Alertmanager's UI: `alertmanager.external_url`, else its API URL. */
  alertmanagerUiUrl: string;
  /** Draws /graph and the /status picture; undefined when graphs are off. */
  grapher?: Grapher | undefined;
}

/** The message of an error, for showing to a person. Our API clients' messages name the service and URL. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
