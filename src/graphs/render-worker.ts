import { parentPort } from 'node:worker_threads';
import { chartPng, type ChartSpec } from './chart.js';
import { dashboardPng, type DashboardSpec } from './dashboard-chart.js';

/**
 * The chart stack on a worker thread (see render-pool.ts): each job is a chart or a dashboard
 * spec, each answer its PNG (moved, not copied) or the error's message.
 */

export type RenderJob = { id: number; kind: 'chart'; spec: ChartSpec } | { id: number; kind: 'dashboard'; spec: DashboardSpec };
export type RenderAnswer = { id: number; png: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (job: RenderJob) => {
  const drawn = job.kind === 'chart' ? chartPng(job.spec) : dashboardPng(job.spec);
  drawn.then(
    (png) => {
      // resvg's buffer is its own; a copy can be handed over without copying it again.
      const owned = new Uint8Array(png);
      parentPort?.postMessage({ id: job.id, png: owned } satisfies RenderAnswer, [owned.buffer]);
    },
    (error: unknown) => parentPort?.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) } satisfies RenderAnswer),
  );
});
