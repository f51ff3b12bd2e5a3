import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../src/graphs/chart.js';
import type * as Chart from '../../src/graphs/chart.js';
import type * as RenderPool from '../../src/graphs/render-pool.js';
import { decodePng, variety } from './png.js';

/**
 * The drawing thread, as the built amcord runs it (from TypeScript sources there is no compiled
 * worker, and pictures are drawn in the calling thread): it draws, survives a failed picture,
 * ends when idle and starts again for the next picture.
 */
const built = (await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'graphs', 'render-pool.js')).href)) as typeof RenderPool;
const chart = (await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'graphs', 'chart.js')).href)) as typeof Chart;

const now = Date.UTC(2026, 4, 1, 12);
const spec: ChartSpec = {
  title: 'DiskAlmostFull on nas:9100',
  unit: 'percent',
  startMs: now - 3_600_000,
  endMs: now,
  threshold: { value: 90, comparison: '>' },
  series: [{ name: 'nas:9100', color: '#e74c3c', points: Array.from({ length: 240 }, (_, step) => [now - 3_600_000 + step * 15_000, 80 + step / 12] as const) }],
};

describe('the drawing thread', () => {
  it('draws on a worker, gives a failure back as an error, and starts again after ending when idle', async () => {
    const renderer = built.createRenderer({ idleMs: 50 });
    expect(renderer.onWorker).toBe(true);
    const png = await renderer.chart(spec);
    const picture = decodePng(png);
    expect({ width: picture.width, height: picture.height }).toEqual(chart.CHART_SIZE);
    expect(variety(picture, chart.BACKGROUND).foreground).toBeGreaterThan(10_000);
    // The same picture as drawn in this thread.
    expect(png).toEqual(new Uint8Array(await chart.chartPng(spec)));

    await expect(renderer.chart({ ...spec, series: null } as unknown as ChartSpec)).rejects.toThrow(Error);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(decodePng(await renderer.chart(spec)).width).toBe(chart.CHART_SIZE.width);
  });
});
