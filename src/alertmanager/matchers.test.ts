import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatMatcher,
  formatMatchers,
  type Matcher,
  MatcherParseError,
  matches,
  operatorOf,
  parseMatcher,
  parseMatchers,
} from './matchers.js';

const eq = (name: string, value: string): Matcher => ({ name, value, isRegex: false, isEqual: true });
const ne = (name: string, value: string): Matcher => ({ name, value, isRegex: false, isEqual: false });
const re = (name: string, value: string): Matcher => ({ name, value, isRegex: true, isEqual: true });
const nre = (name: string, value: string): Matcher => ({ name, value, isRegex: true, isEqual: false });

function parseError(input: string): MatcherParseError {
  try {
    parseMatchers(input);
  } catch (error) {
    if (error instanceof MatcherParseError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseMatchers: single matchers', () => {
  it.each([
    ['name="value"', eq('name', 'value')],
    ['name!="v"', ne('name', 'v')],
    ['name=~"re.*"', re('name', 're.*')],
    ['name!~"re"', nre('name', 're')],
    ['  name  =  "spaced"  ', eq('name', 'spaced')],
    ['name=""', eq('name', '')],
    ['_under:colon9="x"', eq('_under:colon9', 'x')],
  ])('%s', (input, expected) => {
    expect(parseMatchers(input)).toEqual([expected]);
  });

  it.each([
    ['name=value', eq('name', 'value')],
    ['name != value with spaces ', ne('name', 'value with spaces')],
    ['statuscode=~5..', re('statuscode', '5..')],
    ['tricky=~~~', re('tricky', '~~')],
    ['trickier==\\\\=\\=\\"', eq('trickier', '=\\=\\="')],
    ['name=', eq('name', '')],
    ['name=a{2}', eq('name', 'a{2}')],
  ])('unquoted values as Alertmanager 0.25 reads them: %s', (input, expected) => {
    expect(parseMatchers(input)).toEqual([expected]);
  });

  it('unescapes \\", \\\\ and \\n and keeps other backslashes literally', () => {
    expect(parseMatchers(String.raw`a="say \"hi\""`)).toEqual([eq('a', 'say "hi"')]);
    expect(parseMatchers(String.raw`a="back\\slash"`)).toEqual([eq('a', 'back\\slash')]);
    expect(parseMatchers(String.raw`a="line\nbreak"`)).toEqual([eq('a', 'line\nbreak')]);
    expect(parseMatchers(String.raw`a=~"\d+\.\d+"`)).toEqual([re('a', '\\d+\\.\\d+')]);
  });

  it('keeps commas, braces and operators inside quotes', () => {
    expect(parseMatchers('a="x,y}",b!~"{=~,}"')).toEqual([eq('a', 'x,y}'), nre('b', '{=~,}')]);
  });

  it('keeps unicode', () => {
    expect(parseMatchers('room="Küche 🔥"')).toEqual([eq('room', 'Küche 🔥')]);
  });
});

describe('parseMatchers: sets', () => {
  it('parses a braced set with every operator', () => {
    expect(parseMatchers('{a="x",b=~"y.*",c!="z",d!~"w|v"}')).toEqual([
      eq('a', 'x'),
      re('b', 'y.*'),
      ne('c', 'z'),
      nre('d', 'w|v'),
    ]);
  });

  it('accepts braces being absent, whitespace anywhere and a trailing comma', () => {
    const expected = [eq('foo', 'bar'), ne('dings', 'bums')];
    expect(parseMatchers('foo="bar",dings!="bums"')).toEqual(expected);
    expect(parseMatchers(' { foo = "bar" , dings != "bums" , } ')).toEqual(expected);
    expect(parseMatchers('foo=bar,dings!=bums,')).toEqual(expected);
    expect(parseMatchers('{foo=bar}')).toEqual([eq('foo', 'bar')]);
  });

  it('reads the examples from Alertmanager 0.25 documentation', () => {
    expect(parseMatchers(String.raw`{quote="She said: \"Hi, ladies! That's gender-neutral…\""}`)).toEqual([
      eq('quote', 'She said: "Hi, ladies! That\'s gender-neutral…"'),
    ]);
    expect(
      parseMatchers(String.raw`contains_quote != "\"" , contains_comma !~ "foo,bar" , contains_backslash="\\"`),
    ).toEqual([ne('contains_quote', '"'), nre('contains_comma', 'foo,bar'), eq('contains_backslash', '\\')]);
  });

  it('gives an empty list for empty input, which selects everything', () => {
    expect(parseMatchers('')).toEqual([]);
    expect(parseMatchers('  ')).toEqual([]);
    expect(parseMatchers('{}')).toEqual([]);
    expect(parseMatchers('{ }')).toEqual([]);
  });
});

describe('parseMatchers: errors say what and where', () => {
  it.each([
    ['foo', 4, 'expected an operator (=, !=, =~ or !~) after label name "foo", found the end of the input'],
    ['foo bar', 5, 'expected an operator (=, !=, =~ or !~) after label name "foo", found "b"'],
    ['foo=="x"', 6, 'unexpected \'"\' inside an unquoted value'],
    ['9lives="x"', 1, "expected a label name (letters, digits, '_' or ':', not starting with a digit), found \"9\""],
    ['="x"', 1, 'expected a label name'],
    ['a="x" b="y"', 7, "expected ',' between matchers, found \"b\""],
    ['a="x",,b="y"', 7, 'expected a label name'],
    ['a="unterminated', 3, 'missing closing \'"\' for the value that starts at column 3'],
    ['a="ends with escaped quote\\"', 3, "missing closing '\"'"],
    ['{a="x"', 7, "missing closing '}' for the '{' at column 1"],
    ['a=x"y', 4, 'unexpected \'"\' inside an unquoted value'],
    ['a=~"(unclosed"', 4, 'invalid regular expression "(unclosed"'],
    ['a=~"x(?=y)"', 4, 'lookahead and lookbehind are not supported by Alertmanager (RE2)'],
    ['a=~"(x)\\\\1"', 4, 'backreferences are not supported by Alertmanager (RE2)'],
    ['a-b="x"', 2, 'expected an operator'],
    ['a="x"}', 6, "unexpected '}' without an opening '{'"],
    ['{a="x"}}', 7, "unexpected '}' before the closing '}'"],
  ])('%s -> column %i', (input, column, reason) => {
    const error = parseError(input);
    expect(error.position + 1).toBe(column);
    expect(error.reason).toContain(reason);
    expect(error.message).toBe(`Invalid matcher ${JSON.stringify(input)} at column ${column}: ${error.reason}`);
    expect(error.input).toBe(input);
    expect(error.name).toBe('MatcherParseError');
    expect(error).toBeInstanceOf(Error);
  });

  it('accepts regex syntax that only looks like unsupported constructs', () => {
    expect(parseMatchers(String.raw`a=~"\\(?=x"`)).toHaveLength(1);
    expect(parseMatchers(String.raw`a=~"x\(?=y"`)).toHaveLength(1);
    expect(parseMatchers('a=~"(?P<name>x)"')).toHaveLength(1);
  });
});

describe('parseMatcher', () => {
  it('returns the single matcher', () => {
    expect(parseMatcher('severity=~"warn|crit"')).toEqual(re('severity', 'warn|crit'));
  });

  it('refuses zero or several matchers', () => {
    expect(() => parseMatcher('')).toThrow(MatcherParseError);
    expect(() => parseMatcher('a=b,c=d')).toThrow('expected one matcher, found 2');
  });
});

describe('matches', () => {
  const labels = { alertname: 'DiskFull', instance: 'db-1:9100', severity: 'critical' };

  it('requires every matcher to match', () => {
    expect(matches(parseMatchers('alertname=DiskFull,severity="critical"'), labels)).toBe(true);
    expect(matches(parseMatchers('alertname=DiskFull,severity="warning"'), labels)).toBe(false);
  });

  it('matches everything with no matchers', () => {
    expect(matches([], labels)).toBe(true);
  });

  it('anchors regexes at both ends', () => {
    expect(matches([re('instance', 'db-1')], labels)).toBe(false);
    expect(matches([re('instance', 'db-.*')], labels)).toBe(true);
    expect(matches([re('severity', 'warn|crit')], labels)).toBe(false);
    expect(matches([re('severity', 'warning|critical')], labels)).toBe(true);
    expect(matches([nre('severity', 'crit')], labels)).toBe(true);
    expect(matches([nre('severity', 'crit.*')], labels)).toBe(false);
  });

  it('treats a missing label as the empty string', () => {
    expect(matches([eq('team', '')], labels)).toBe(true);
    expect(matches([ne('team', '')], labels)).toBe(false);
    expect(matches([re('team', '.*')], labels)).toBe(true);
    expect(matches([nre('team', '.+')], labels)).toBe(true);
    expect(matches([ne('team', 'ops')], labels)).toBe(true);
  });
});

describe('formatMatchers', () => {
  it('formats every operator in braces', () => {
    expect(formatMatchers([eq('a', 'x'), re('b', 'y'), ne('c', 'z'), nre('d', 'w')])).toBe(
      '{a="x",b=~"y",c!="z",d!~"w"}',
    );
    expect(formatMatchers([])).toBe('{}');
  });

  it('escapes quotes, backslashes and newlines', () => {
    expect(formatMatcher(eq('a', 'say "hi"\\\n'))).toBe(String.raw`a="say \"hi\"\\\n"`);
  });

  it('names the operator', () => {
    expect([eq('a', ''), ne('a', ''), re('a', ''), nre('a', '')].map(operatorOf)).toEqual(['=', '!=', '=~', '!~']);
  });

  it('round-trips through parseMatchers for any label value', () => {
    const matcherArbitrary = fc.record({
      name: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,10}$/),
      value: fc.string({ unit: 'binary', maxLength: 20 }),
      isRegex: fc.constant(false),
      isEqual: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(matcherArbitrary, { maxLength: 5 }), (matchers) => {
        expect(parseMatchers(formatMatchers(matchers))).toEqual(matchers);
      }),
      { numRuns: 300 },
    );
  });
});
