import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ChartSpec } from './chart.js';
import type { DashboardSpec } from './dashboard-chart.js';
import type { RenderAnswer, RenderJob } from './render-worker.js';

/**
 * Where pictures are drawn: on one worker thread that is started for the first picture and ended
 * after a quiet while. Measured (bench/charts.ts): drawing in amcord's own thread blocked its event
 * loop 30–80 ms a picture, and 400 pictures left the process some 160 MB larger, V8's heap keeping
 * the room ECharts needed and resvg's native memory; a worker's heap is bounded by its limits, and
 * ending the worker gives most of it back. From TypeScript sources (the tests) there is no compiled
 * worker to start, and pictures are drawn in this thread.
 */

export interface Renderer {
  /** Whether pictures are drawn on the drawing thread (false from TypeScript sources). */
  readonly onWorker: boolean;
  chart(spec: ChartSpec): Promise<Uint8Array>;
  dashboard(spec: DashboardSpec): Promise<Uint8Array>;
}

/** A worker idle this long is ended; the next picture starts another (about 0.3 s). */
const IDLE_MS = 60_000;
/**
 * The drawing thread's heap: ECharts and a picture being drawn live in some 20 MB. A young
 * generation of 2 MB rather than 8 is collected more often, which also runs the finalizers that
 * free resvg's native images sooner (V8 does not see that memory to hurry): over 400 pictures the
 * process grew 76 MB instead of 98, and drawing was no slower (bench/charts.ts, medians of three).
 */
const LIMITS = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 2 } as const;

const WORKER_FILE = new URL('./render-worker.js', import.meta.url);

type Pending = { resolve: (png: Uint8Array) => void; reject: (error: Error) => void };

export function createRenderer(options: { idleMs?: number } = {}): Renderer {
  if (!existsSync(fileURLToPath(WORKER_FILE))) return inThisThread();
  const idleMs = options.idleMs ?? IDLE_MS;
  let worker: Worker | undefined;
  let idle: NodeJS.Timeout | undefined;
  let nextId = 0;
  const pending = new Map<number, Pending>();

  const failAll = (error: Error): void => {
    for (const job of pending.values()) job.reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(WORKER_FILE, { resourceLimits: LIMITS });
    started.on('message', (answer: RenderAnswer) => {
      const job = pending.get(answer.id);
      pending.delete(answer.id);
      if ('png' in answer) job?.resolve(answer.png);
      else job?.reject(new Error(answer.error));
      if (pending.size === 0) {
        // Idle, it must not keep amcord from exiting; a picture under way does (`render --png`).
        started.unref();
        idle = setTimeout(() => void stop(), idleMs).unref();
      }
    });
    started.on('error', (error) => failAll(error));
    started.on('exit', (code) => {
      if (worker === started) worker = undefined;
      failAll(new Error(`the drawing thread ended (exit code ${code})`));
    });
    return started;
  };
  const stop = async (): Promise<void> => {
    const ending = worker;
    worker = undefined;
    await ending?.terminate();
  };
  const draw = (job: Omit<RenderJob, 'id'>): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      clearTimeout(idle);
      worker ??= start();
      worker.ref();
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id });
    });
  return { onWorker: true, chart: (spec) => draw({ kind: 'chart', spec }), dashboard: (spec) => draw({ kind: 'dashboard', spec }) };
}

function inThisThread(): Renderer {
  return {
    onWorker: false,
    chart: async (spec) => (await import('./chart.js')).chartPng(spec),
    dashboard: async (spec) => (await import('./dashboard-chart.js')).dashboardPng(spec),
  };
}
