import { describe, expect, it } from 'vitest';
import { type Matcher, matches } from './matchers.js';
import { compileMatcherRegex, regexProblem } from './matchers-regex.js';

const re = (name: string, value: string): Matcher => ({ name, value, isRegex: true, isEqual: true });

describe('matcher regexes', () => {
  const labels = { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'critical' };

  it('understands Go flag groups and named groups', () => {
    expect(matches([re('alertname', '(?i)diskfull')], labels)).toBe(true);
    expect(matches([re('alertname', '(?P<kind>Disk)Full')], labels)).toBe(true);
    expect(matches([re('room', '.')], { room: '🔥' })).toBe(true);
  });

  it('does not let "." cross a newline, like RE2 without the s flag', () => {
    expect(matches([re('text', 'a.b')], { text: 'a\nb' })).toBe(false);
    expect(matches([re('text', '(?s)a.b')], { text: 'a\nb' })).toBe(true);
  });

  it('are anchored at both ends, and refused where RE2 refuses them', () => {
    expect(compileMatcherRegex('db-.*').source).toBe('^(?:db-.*)$');
    expect(regexProblem('db-.*')).toBeUndefined();
    expect(regexProblem('(?=x)')).toMatch(/lookahead/);
    expect(regexProblem('(a)\\1')).toMatch(/backreferences/);
  });
});
