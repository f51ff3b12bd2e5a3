import { describe, expect, it } from 'vitest';
import { COLORS, compareSeverity, EMOJI, highestOf, highestSeverity, parseSeverity, SEVERITIES, severityOf, type Severity } from './severity.js';

describe('parseSeverity', () => {
  it.each([
    ['critical', 'critical'],
    ['CRITICAL', 'critical'],
    ['high', 'critical'],
    ['page', 'critical'],
    ['P1', 'critical'],
    ['error', 'critical'],
    ['warning', 'warning'],
    ['Warn', 'warning'],
    ['major', 'warning'],
    ['minor', 'warning'],
    ['p3', 'warning'],
    ['info', 'info'],
    ['low', 'info'],
    ['notice', 'info'],
    ['none', 'none'],
    ['urgent-ish', 'none'],
    ['', 'none'],
    [undefined, 'none'],
  ] as const)('%s -> %s', (raw, severity) => {
    expect(parseSeverity(raw)).toBe(severity);
  });
});

describe('severityOf', () => {
  it('reads the severity label, else the priority label', () => {
    expect(severityOf({ severity: 'high', priority: 'low' })).toBe('critical');
    expect(severityOf({ priority: 'p2' })).toBe('warning');
    expect(severityOf({ alertname: 'Disk' })).toBe('none');
  });
});

describe('ranking', () => {
  it('sorts the most severe first', () => {
    const shuffled: Severity[] = ['info', 'none', 'critical', 'warning', 'critical'];
    expect([...shuffled].sort(compareSeverity)).toEqual(['critical', 'critical', 'warning', 'info', 'none']);
    expect([...SEVERITIES].sort(compareSeverity)).toEqual(SEVERITIES);
  });

  it('finds the highest severity, none for nothing', () => {
    expect(highestOf(['info', 'warning', 'none'])).toBe('warning');
    expect(highestOf([])).toBe('none');
    expect(highestSeverity([{ labels: { severity: 'low' } }, { labels: { severity: 'fatal' } }])).toBe('critical');
  });
});

describe('looks', () => {
  it('gives every severity and resolved its own colour and mark', () => {
    const looks = [...SEVERITIES, 'resolved'] as const;
    expect(new Set(looks.map((look) => COLORS[look])).size).toBe(looks.length);
    expect(new Set(looks.map((look) => EMOJI[look])).size).toBe(looks.length);
    expect(COLORS.resolved).toBe(0x2ecc71);
    expect(EMOJI.critical).toBe('🔴');
  });
});
