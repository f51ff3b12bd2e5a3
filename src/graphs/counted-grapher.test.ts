import { describe, expect, it } from 'vitest';
import { GraphUnavailableError } from './alert-graph.js';
import { countingPictures } from './counted-grapher.js';
import type { DashboardRequest, Grapher, GraphPicture } from './grapher.js';
import type { GraphOutcome, GraphUse } from './outcomes.js';
import { PromqlSyntaxError } from './promql.js';

const DASHBOARD: DashboardRequest = { title: 'Home', tiles: [], panels: [], rangeMs: 60_000, seriesLabel: 'instance' };
const PICTURE: GraphPicture = { fileName: 'graph.png', png: new Uint8Array([1]), description: 'a line' };

/** A grapher whose /graph and dashboard answers the test chooses. */
function grapherAnswering(query: () => Promise<GraphPicture>, dashboard: () => Promise<GraphPicture>): Grapher {
  return {
    forAlerts: () => Promise.resolve(PICTURE),
    sampleForAlerts: () => Promise.resolve(PICTURE),
    forQuery: async () => ({ ...(await query()), series: 1, cut: 0 }),
    forDashboard: dashboard,
  };
}

describe('countingPictures', () => {
  it('counts /graph and dashboard pictures by use and outcome, and passes answers and errors on unchanged', async () => {
    const counted: Array<[GraphUse, GraphOutcome]> = [];
    const syntax = new PromqlSyntaxError('unexpected end of input', 5, 1, 6);
    const down = new GraphUnavailableError('prometheus_error', 'no graph: Prometheus answered 500');
    let queryAnswer: () => Promise<GraphPicture> = () => Promise.resolve(PICTURE);
    let dashboardAnswer: () => Promise<GraphPicture> = () => Promise.resolve(PICTURE);
    const grapher = countingPictures(
      grapherAnswering(() => queryAnswer(), () => dashboardAnswer()),
      (use, outcome) => counted.push([use, outcome]),
    );

    await expect(grapher.forQuery({ query: 'up', rangeMs: 60_000 })).resolves.toMatchObject({ fileName: 'graph.png', series: 1 });
    queryAnswer = () => Promise.reject(syntax);
    await expect(grapher.forQuery({ query: 'rate(', rangeMs: 60_000 })).rejects.toBe(syntax);
    await expect(grapher.forDashboard(DASHBOARD)).resolves.toBe(PICTURE);
    dashboardAnswer = () => Promise.reject(down);
    await expect(grapher.forDashboard(DASHBOARD)).rejects.toBe(down);
    dashboardAnswer = () => Promise.reject(new Error('resvg failed'));
    await expect(grapher.forDashboard(DASHBOARD)).rejects.toThrow('resvg failed');
    // Alert pictures are the graph stage's to count.
    await grapher.forAlerts({} as Parameters<Grapher['forAlerts']>[0]);

    expect(counted).toEqual([
      ['graph', 'drawn'],
      ['graph', 'unparsable'],
      ['status', 'drawn'],
      ['status', 'prometheus_error'],
      ['status', 'render_error'],
    ]);
  });
});
