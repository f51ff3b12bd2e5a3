/**
 * What a chart's y axis counts, and how its values read: `87%`, `1.5 GiB`, `250 ms`, `12k`.
 * Ratios (0–1) are shown as percentages, as people read a CPU or disk share.
 */
export type Unit = 'none' | 'percent' | 'ratio' | 'bytes' | 'bytes/s' | 'seconds';

const IEC = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/** Up to three significant digits, without a trailing `.0`. */
function short(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) < 0.001) return value.toExponential(1);
  return String(Number(value.toPrecision(3)));
}

/** The value in the largest prefix that keeps it at 1 or more, and that prefix. */
function scaled(value: number, base: number, prefixes: readonly string[]): [string, string] {
  let index = 0;
  let scaledValue = value;
  while (Math.abs(scaledValue) >= base && index < prefixes.length - 1) {
    scaledValue /= base;
    index += 1;
  }
  return [short(scaledValue), prefixes[index] ?? ''];
}

function seconds(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude === 0) return '0 s';
  if (magnitude < 1e-3) return `${short(value * 1e6)} µs`;
  if (magnitude < 1) return `${short(value * 1e3)} ms`;
  if (magnitude < 60) return `${short(value)} s`;
  if (magnitude < 3600) return `${short(value / 60)} min`;
  if (magnitude < 86_400) return `${short(value / 3600)} h`;
  return `${short(value / 86_400)} d`;
}

export function formatValue(value: number, unit: Unit): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'percent':
      return `${short(value)}%`;
    case 'ratio':
      return `${short(value * 100)}%`;
    case 'bytes':
      return scaled(value, 1024, IEC).join(' ');
    case 'bytes/s':
      return `${formatValue(value, 'bytes')}/s`;
    case 'seconds':
      return seconds(value);
    case 'none':
      return scaled(value, 1000, SI).join('');
  }
}
