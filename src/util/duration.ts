/**
 * Durations in Prometheus/Alertmanager notation: "30s", "5m", "4h", "1d", "1w", "1h30m", "250ms".
 * amcord users already write these in alertmanager.yml, so the config speaks the same language.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const DURATION_PATTERN = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;
const PART_PATTERN = /(\d+)(ms|s|m|h|d|w|y)/g;

/** Parses a duration to milliseconds; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(PART_PATTERN)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? 0);
  }
  return total;
}

/** Formats milliseconds the way a person reads them: "4h", "1h 30m", "45s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return 'under 1s';
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000) * 1000;
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
