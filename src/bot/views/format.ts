/** Small text renderings shared by the commands: bars, sizes, rates. Discord markup is in discord/markup.ts. */

const FILLED = '▰';
const EMPTY = '▱';
export const BAR_WIDTH = 10;

/** `▰▰▰▰▰▱▱▱▱▱ 52%`; values outside 0–100 are clamped for the bar but printed as they are. */
export function percentBar(percent: number | undefined, width = BAR_WIDTH): string {
  if (percent === undefined || !Number.isFinite(percent)) return `${EMPTY.repeat(width)} n/a`;
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `${FILLED.repeat(filled)}${EMPTY.repeat(width - filled)} ${formatPercent(percent)}`;
}

export function formatPercent(percent: number): string {
  return `${Math.round(percent)}%`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 -> "1.5 KiB": binary units, as `free -h` and `df -h` show them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'n/a';
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 || unit === 0 ? 0 : 1;
  return `${bytes < 0 ? '-' : ''}${value.toFixed(digits)} ${BYTE_UNITS[unit] ?? ''}`;
}

const BIT_UNITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];

/** Network rates in bits per second, decimal units, as links are sold. */
export function formatBitRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond)) return 'n/a';
  let value = bytesPerSecond * 8;
  let unit = 0;
  while (value >= 1000 && unit < BIT_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${BIT_UNITS[unit] ?? ''}`;
}
