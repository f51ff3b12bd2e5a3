/**
 * What a chart's y axis counts, and how its values read: `87%`, `1.5 GiB`, `250 ms`, `12k`.
 * Ratios (0–1) are shown as percentages, as people read a CPU or disk share.
 */
export type Unit = 'none' | 'percent' | 'ratio' | 'bytes' | 'bytes/s' | 'seconds';

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const MAX_DECIMALS = 10;

/**
 * Up to three significant digits, without a trailing `.0`. With `resolution` (the smallest
 * difference that must show, in the value's own unit) as many decimals as that takes instead:
 * axis ticks 22.35 and 22.4 GiB apart must not both read "22.4 GiB".
 */
function short(value: number, resolution?: number): string {
  if (value === 0) return '0';
  if (resolution !== undefined && resolution > 0 && Number.isFinite(resolution)) {
    const decimals = Math.min(MAX_DECIMALS, Math.max(0, Math.ceil(-Math.log10(resolution))));
    return String(Number(value.toFixed(decimals)));
  }
  if (Math.abs(value) < 0.001) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

/** A resolution in a unit `factor` times larger, e.g. bytes to GiB. */
function resolutionIn(factor: number, resolution: number | undefined): number | undefined {
  return resolution === undefined ? undefined : resolution / factor;
}

/** The value in the largest prefix that keeps it at 1 or more, and that prefix. */
function scaled(value: number, base: number, prefixes: readonly string[], resolution: number | undefined): [string, string] {
  let index = 0;
  let factor = 1;
  while (Math.abs(value / factor) >= base && index < prefixes.length - 1) {
    factor *= base;
    index += 1;
  }
  return [short(value / factor, resolutionIn(factor, resolution)), prefixes[index] ?? ''];
}

function seconds(value: number, resolution: number | undefined): string {
  const magnitude = Math.abs(value);
  const inUnit = (factor: number, unit: string) => `${short(value / factor, resolutionIn(factor, resolution))} ${unit}`;
  if (magnitude === 0) return '0 s';
  if (magnitude < 1e-3) return inUnit(1e-6, 'µs');
  if (magnitude < 1) return inUnit(1e-3, 'ms');
  if (magnitude < 60) return inUnit(1, 's');
  if (magnitude < 3600) return inUnit(60, 'min');
  if (magnitude < 86_400) return inUnit(3600, 'h');
  return inUnit(86_400, 'd');
}

/** `resolution`: the smallest difference the text must show (an axis's tick spacing, see axisLabels). */
export function formatValue(value: number, unit: Unit, resolution?: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'percent':
      return `${short(value, resolution)}%`;
    case 'ratio':
      return `${short(value * 100, resolution === undefined ? undefined : resolution * 100)}%`;
    case 'bytes':
      return scaled(value, 1024, IEC, resolution).join(' ');
    case 'bytes/s':
      return `${formatValue(value, 'bytes', resolution)}/s`;
    case 'seconds':
      return seconds(value, resolution);
    case 'none':
      return scaled(value, 1000, SI, resolution).join('');
  }
}

/**
 * The label formatter of a value axis spanning `extent` in `splitNumber` intervals. ECharts rounds
 * the interval to a 1-2-3-5 step no less than 0.7 of extent / splitNumber; a resolution of a
 * quarter of that is fine enough that two ticks, rounded, never read alike.
 */
export function axisLabels(unit: Unit, extent: number, splitNumber: number): (value: number) => string {
  const resolution = extent > 0 && Number.isFinite(extent) ? extent / splitNumber / 4 : undefined;
  return (value) => formatValue(value, unit, resolution);
}
