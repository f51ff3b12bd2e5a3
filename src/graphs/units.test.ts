import { describe, expect, it } from 'vitest';
import { chartSvg, type ChartSpec } from './chart.js';
import { axisLabels, formatValue, type Unit } from './units.js';

const HOUR_MS = 3_600_000;

/** A line over an hour that climbs from `low` to `high`. */
function climbing(low: number, high: number, unit: Unit): ChartSpec {
  const startMs = Date.UTC(2026, 11, 1, 12);
  const points = Array.from({ length: 60 }, (_, minute): [number, number] => [startMs + minute * 60_000, low + ((high - low) * minute) / 59]);
  return { title: 'climbing', unit, startMs, endMs: startMs + HOUR_MS, series: [{ name: 'a', color: '#e74c3c', points }] };
}

/** The y axis' labels as ECharts drew them: the texts that end in the unit's suffix. */
function yLabels(svg: string, suffix: RegExp): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1] ?? '').filter((text) => suffix.test(text));
}

describe('axis labels', () => {
  it('show as many decimals as the tick spacing needs, in the unit of the value', () => {
    const gib = 1024 ** 3;
    expect(formatValue(22.35 * gib, 'bytes', 0.05 * gib)).toBe('22.35 GiB');
    expect(formatValue(22.4 * gib, 'bytes', 0.05 * gib)).toBe('22.4 GiB');
    expect(formatValue(20 * gib, 'bytes', 2 * gib)).toBe('20 GiB');
    expect(formatValue(0.2505, 'seconds', 0.0001)).toBe('250.5 ms');
    expect(formatValue(0.8712, 'ratio', 0.0001)).toBe('87.12%');
  });

  it.each([
    ['bytes', 24.0e9, 24.1e9, / (B|KiB|MiB|GiB)$/],
    ['bytes', 1_000_000, 1_000_400, / (B|KiB|MiB|GiB)$/],
    ['percent', 87.41, 87.46, /%$/],
    ['seconds', 0.25, 0.2502, / (µs|ms|s)$/],
  ] as const)('never give two ticks of a narrow %s axis the same text (%d to %d)', (unit, low, high, suffix) => {
    const labels = yLabels(chartSvg(climbing(low, high, unit)), suffix);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it('keep short labels where the spacing is wide', () => {
    const format = axisLabels('percent', 100, 4);
    expect([0, 25, 50, 75, 100].map(format)).toEqual(['0%', '25%', '50%', '75%', '100%']);
  });
});
