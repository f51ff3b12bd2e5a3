import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chartQueryFor, parsePromql, PromqlSyntaxError } from './promql.js';
import { formatValue } from './units.js';

describe('chartQueryFor', () => {
  it('draws the left side of a comparison against a number, with the number as threshold', () => {
    expect(chartQueryFor('(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100 > 90')).toEqual({
      query: '(1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) * 100',
      threshold: { value: 90, comparison: '>' },
      unit: 'percent',
    });
    expect(chartQueryFor('up{job=~"node.*"} == 0')).toEqual({ query: 'up{job=~"node.*"}', threshold: { value: 0, comparison: '==' }, unit: 'none' });
  });

  it('reads the threshold from the other side, with the comparison turned round', () => {
    expect(chartQueryFor('0.1 > node_filesystem_avail_bytes / node_filesystem_size_bytes')).toEqual({
      query: 'node_filesystem_avail_bytes / node_filesystem_size_bytes',
      threshold: { value: 0.1, comparison: '<' },
      unit: 'ratio',
    });
  });

  it('reads number literals as PromQL does: exponents, hex, signs, parentheses, durations in seconds', () => {
    expect(chartQueryFor('x > 1e3').threshold?.value).toBe(1000);
    expect(chartQueryFor('x >= 0x10').threshold).toEqual({ value: 16, comparison: '>=' });
    expect(chartQueryFor('x > -5').threshold?.value).toBe(-5);
    expect(chartQueryFor('x < (20)').threshold?.value).toBe(20);
    expect(chartQueryFor('time() - node_boot_time_seconds < 10m').threshold?.value).toBe(600);
    expect(chartQueryFor('(x > 80)').query).toBe('x');
  });

  it('draws anything else as it is: bool comparisons, two vectors, set operators, plain expressions', () => {
    for (const expression of ['rate(x[5m]) > bool 3', 'a > b', 'x > 80 and y', 'vector(1)', 'absent(up)']) {
      expect(chartQueryFor(expression)).toMatchObject({ query: expression, threshold: undefined });
    }
  });

  it('does not mistake a comparison inside the expression for the top level', () => {
    expect(chartQueryFor('count(up == 0) > 2')).toMatchObject({ query: 'count(up == 0)', threshold: { value: 2, comparison: '>' } });
    expect(chartQueryFor('sum(x > 5)')).toMatchObject({ query: 'sum(x > 5)', threshold: undefined });
  });

  it('knows the unit from metric names, functions and arithmetic', () => {
    const unit = (expression: string) => chartQueryFor(expression).unit;
    expect(unit('rate(node_network_receive_bytes_total[5m]) > 1e6')).toBe('bytes/s');
    expect(unit('node_filesystem_avail_bytes < 1e9')).toBe('bytes');
    expect(unit('histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5')).toBe('none');
    expect(unit('avg_over_time(probe_duration_seconds[5m]) > 2')).toBe('seconds');
    expect(unit('1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.8')).toBe('ratio');
    expect(unit('100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m]))) > 80')).toBe('percent');
    expect(unit('node_load15 / count by (instance) (node_cpu_seconds_total{mode="idle"}) > 2')).toBe('none');
  });
});

describe('parsePromql', () => {
  it('answers a syntax error with where it is and what was found there', () => {
    const error = (expression: string): PromqlSyntaxError => {
      try {
        parsePromql(expression);
      } catch (caught) {
        if (caught instanceof PromqlSyntaxError) return caught;
        throw caught;
      }
      throw new Error(`${expression} parsed`);
    };
    expect(error('up{job="a" > 1')).toMatchObject({ message: '1:12: parse error: unexpected ">"', line: 1, column: 12, offset: 11 });
    expect(error('rate(x[5m]) >')).toMatchObject({ message: '1:14: parse error: unexpected end of input', column: 14 });
    expect(error('sum(rate(x[5m])\n  by (job)')).toMatchObject({ line: 2 });
    expect(error('   ').message).toBe('1:1: parse error: the expression is empty');
  });

  it('takes every expression of amcord’s own rules', () => {
    const dir = join(import.meta.dirname, '..', '..', 'rules');
    const expressions = readdirSync(dir)
      .filter((file) => file.endsWith('.yml'))
      .flatMap((file) => (parse(readFileSync(join(dir, file), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> }).groups.flatMap((group) => group.rules.map((rule) => rule.expr)));
    expect(expressions.length).toBeGreaterThan(20);
    for (const expression of expressions) expect(() => chartQueryFor(expression), expression).not.toThrow();
  });
});

describe('formatValue', () => {
  it('writes values in their unit', () => {
    expect(formatValue(87.456, 'percent')).toBe('87.5%');
    expect(formatValue(0.5, 'ratio')).toBe('50%');
    expect(formatValue(1536 * 1024 * 1024, 'bytes')).toBe('1.5 GiB');
    expect(formatValue(512, 'bytes')).toBe('512 B');
    expect(formatValue(2 * 1024 * 1024, 'bytes/s')).toBe('2 MiB/s');
    expect(formatValue(0.25, 'seconds')).toBe('250 ms');
    expect(formatValue(5400, 'seconds')).toBe('1.5 h');
    expect(formatValue(12_300, 'none')).toBe('12.3k');
    expect(formatValue(Number.NaN, 'none')).toBe('NaN');
  });
});
