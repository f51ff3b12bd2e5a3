import { describe, expect, it } from 'vitest';
import { formatBitRate, formatBytes, percentBar } from './format.js';

describe('percentBar', () => {
  it.each([
    [0, '▱▱▱▱▱▱▱▱▱▱ 0%'],
    [52, '▰▰▰▰▰▱▱▱▱▱ 52%'],
    [96, '▰▰▰▰▰▰▰▰▰▰ 96%'],
    [100, '▰▰▰▰▰▰▰▰▰▰ 100%'],
    [130, '▰▰▰▰▰▰▰▰▰▰ 130%'],
    [-3, '▱▱▱▱▱▱▱▱▱▱ -3%'],
  ])('%d%% -> %s', (percent, bar) => {
    expect(percentBar(percent)).toBe(bar);
  });

  it('says n/a without data', () => {
    expect(percentBar(undefined)).toBe('▱▱▱▱▱▱▱▱▱▱ n/a');
    expect(percentBar(Number.NaN, 6)).toBe('▱▱▱▱▱▱ n/a');
  });
});

describe('sizes and rates', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(25_276_514_304)).toBe('23.5 GiB');
    expect(formatBytes(270_553_174_016)).toBe('252 GiB');
  });

  it('formats network rates in bits per second', () => {
    expect(formatBitRate(0)).toBe('0 bit/s');
    expect(formatBitRate(125_000)).toBe('1.0 Mbit/s');
    expect(formatBitRate(37_500)).toBe('300 kbit/s');
  });
});
