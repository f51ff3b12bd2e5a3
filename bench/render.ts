/**
 * Rendering one alert group through `renderPayload`, in this process: the time a flush of a group
 * that large holds the event loop. Each size is rendered a few times and the median and the worst
 * are reported, with how many alerts the message shows.
 */
import { webhookPayloadSchema } from '../src/alertmanager/webhook.js';
import { renderPayload } from '../src/render/render.js';
import { stormAlerts, webhookPayload } from './alerts.js';
import type { RenderConfig } from './config.js';

export interface RenderCase {
  template: string;
  alerts: number;
  medianMs: number;
  maxMs: number;
  /** Alerts shown as lines; the rest are counted in "…and N more". */
  shown: number;
}

export interface RenderResult {
  repeats: number;
  cases: RenderCase[];
}

const TEMPLATES = ['default', 'compact'];

export function runRender(config: RenderConfig): RenderResult {
  const cases: RenderCase[] = [];
  for (const size of config.sizes) {
    const { alerts } = stormAlerts(size, 1);
    const payload = webhookPayloadSchema.parse(webhookPayload(alerts, { receiver: 'amcord', startsAt: new Date() }));
    for (const template of TEMPLATES) {
      renderPayload(payload, { template });
      const times: number[] = [];
      let shown = 0;
      for (let run = 0; run < config.repeats; run += 1) {
        const started = performance.now();
        const rendered = renderPayload(payload, { template });
        times.push(performance.now() - started);
        shown = rendered.accounting.reduce((sum, account) => sum + account.shown, 0);
      }
      times.sort((a, b) => a - b);
      cases.push({ template, alerts: size, medianMs: times[Math.floor(times.length / 2)] ?? NaN, maxMs: times.at(-1) ?? NaN, shown });
    }
  }
  return { repeats: config.repeats, cases };
}
