/**
 * Alertmanager matchers, as typed by people in amtool, the UI and silence links:
 * `alertname="Disk"`, `severity!=info`, `{job=~"node|db", instance!~"test-.*"}`.
 *
 * Parsing follows Alertmanager 0.25 (pkg/labels/parse.go): braces are optional, matchers are
 * separated by commas outside double quotes, a trailing comma is fine, values may be unquoted,
 * and `\"`, `\\` and `\n` are the escapes (any other backslash stays literal). Unlike 0.25 we
 * point at the exact column of a mistake instead of echoing the whole matcher back. What regex
 * values become is matchers-regex.ts.
 */

import { compileMatcherRegex, regexProblem } from './matchers-regex.js';

/** One matcher in the shape Alertmanager's API v2 uses. */
export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** false for `!=` and `!~`. */
  isEqual: boolean;
}

export type MatcherOperator = '=' | '!=' | '=~' | '!~';

export class MatcherParseError extends Error {
  override readonly name = 'MatcherParseError';

  constructor(
    /** What is wrong, without the location. */
    readonly reason: string,
    /** The text that was being parsed. */
    readonly input: string,
    /** 0-based index into `input` where the problem is. */
    readonly position: number,
  ) {
    super(`Invalid matcher ${JSON.stringify(input)} at column ${position + 1}: ${reason}`);
  }
}

const LABEL_NAME_START = /[a-zA-Z_:]/;
const LABEL_NAME_PART = /[a-zA-Z0-9_:]/;
const WHITESPACE = /\s/;

/**
 * Parses one matcher or a comma-separated set, with or without braces.
 * An empty input (or `{}`) gives an empty list: it selects everything, as in Alertmanager.
 */
export function parseMatchers(input: string): Matcher[] {
  return new MatcherScanner(input).parseAll();
}

/** Parses exactly one matcher, e.g. `alertname="Disk"`. */
export function parseMatcher(input: string): Matcher {
  const matchers = parseMatchers(input);
  const [first] = matchers;
  if (first === undefined) throw new MatcherParseError('expected a matcher such as name="value"', input, 0);
  if (matchers.length > 1) {
    throw new MatcherParseError(`expected one matcher, found ${matchers.length}`, input, input.indexOf(',') + 1);
  }
  return first;
}

export function operatorOf(matcher: Pick<Matcher, 'isRegex' | 'isEqual'>): MatcherOperator {
  if (matcher.isRegex) return matcher.isEqual ? '=~' : '!~';
  return matcher.isEqual ? '=' : '!=';
}

/** `name="value"` with the value quoted and escaped so parseMatcher reads it back unchanged. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.name}${operatorOf(matcher)}${quote(matcher.value)}`;
}

/** `{a="x",b=~"y"}`: the form Alertmanager's UI and `filter` parameters accept. */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return `{${matchers.map(formatMatcher).join(',')}}`;
}

/**
 * True when every matcher accepts the label set. A missing label counts as the empty string and
 * regexes are anchored at both ends, both as in Alertmanager.
 */
export function matches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((matcher) => {
    const actual = labels[matcher.name] ?? '';
    const found = matcher.isRegex ? compileMatcherRegex(matcher.value).test(actual) : actual === matcher.value;
    return found === matcher.isEqual;
  });
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

class MatcherScanner {
  private position = 0;
  private end: number;

  constructor(private readonly input: string) {
    this.end = input.length;
  }

  parseAll(): Matcher[] {
    this.trimTrailingWhitespace();
    this.skipWhitespace();
    const braced = this.peek() === '{';
    if (braced) {
      this.position += 1;
      if (this.input[this.end - 1] !== '}') {
        this.fail("missing closing '}' for the '{' at column 1", this.end);
      }
      this.end -= 1;
    }

    const matchers: Matcher[] = [];
    this.skipWhitespace();
    while (this.position < this.end) {
      matchers.push(this.parseOne());
      this.skipWhitespace();
      if (this.position >= this.end) break;
      if (this.peek() === '}') {
        this.fail(braced ? "unexpected '}' before the closing '}'" : "unexpected '}' without an opening '{'");
      }
      if (this.peek() !== ',') {
        this.fail(`expected ',' between matchers, found ${describeChar(this.peek())}`);
      }
      this.position += 1;
      this.skipWhitespace();
    }
    return matchers;
  }

  private parseOne(): Matcher {
    const name = this.parseName();
    this.skipWhitespace();
    const operator = this.parseOperator(name);
    this.skipWhitespace();
    const valueAt = this.position;
    const value = this.peek() === '"' ? this.parseQuotedValue() : this.parseUnquotedValue();
    const matcher: Matcher = { name, value, isRegex: operator.endsWith('~'), isEqual: !operator.startsWith('!') };
    if (matcher.isRegex) {
      const problem = regexProblem(value);
      if (problem !== undefined) this.fail(`invalid regular expression ${JSON.stringify(value)}: ${problem}`, valueAt);
    }
    return matcher;
  }

  private parseName(): string {
    const start = this.position;
    const first = this.peek();
    if (first === undefined || !LABEL_NAME_START.test(first)) {
      const expected = "expected a label name (letters, digits, '_' or ':', not starting with a digit)";
      this.fail(`${expected}, found ${describeChar(first)}`);
    }
    while (this.position < this.end && LABEL_NAME_PART.test(this.input[this.position] ?? '')) this.position += 1;
    return this.input.slice(start, this.position);
  }

  private parseOperator(name: string): MatcherOperator {
    const two = this.input.slice(this.position, Math.min(this.position + 2, this.end));
    if (two === '=~' || two === '!=' || two === '!~') {
      this.position += 2;
      return two;
    }
    if (this.peek() === '=') {
      this.position += 1;
      return '=';
    }
    this.fail(`expected an operator (=, !=, =~ or !~) after label name "${name}", found ${describeChar(this.peek())}`);
  }

  private parseQuotedValue(): string {
    const openingQuote = this.position;
    this.position += 1;
    let value = '';
    while (this.position < this.end) {
      const char = this.input[this.position] ?? '';
      if (char === '"') {
        this.position += 1;
        return value;
      }
      value += this.nextValueChar();
    }
    this.fail(`missing closing '"' for the value that starts at column ${openingQuote + 1}`, openingQuote);
  }

  /** The next character of a value, a backslash escape resolved; moves past it. */
  private nextValueChar(): string {
    const char = this.input[this.position] ?? '';
    if (char === '\\' && this.position + 1 < this.end) {
      this.position += 2;
      return unescape(this.input[this.position - 1] ?? '');
    }
    this.position += 1;
    return char;
  }

  /** Runs to the next comma, like Alertmanager; the value is trimmed. */
  private parseUnquotedValue(): string {
    let value = '';
    while (this.position < this.end && this.peek() !== ',') {
      const char = this.input[this.position] ?? '';
      if (char === '"') {
        this.fail('unexpected \'"\' inside an unquoted value: quote the whole value and escape inner quotes as \\"');
      }
      value += this.nextValueChar();
    }
    return value.trim();
  }

  private peek(): string | undefined {
    return this.position < this.end ? this.input[this.position] : undefined;
  }

  private skipWhitespace(): void {
    while (this.position < this.end && WHITESPACE.test(this.input[this.position] ?? '')) this.position += 1;
  }

  private trimTrailingWhitespace(): void {
    while (this.end > 0 && WHITESPACE.test(this.input[this.end - 1] ?? '')) this.end -= 1;
  }

  private fail(reason: string, position = this.position): never {
    throw new MatcherParseError(reason, this.input, position);
  }
}

/** Alertmanager's escapes; any other escaped character keeps its backslash. */
function unescape(char: string): string {
  if (char === 'n') return '\n';
  if (char === '"' || char === '\\') return char;
  return `\\${char}`;
}

function describeChar(char: string | undefined): string {
  return char === undefined ? 'the end of the input' : JSON.stringify(char);
}

// --- Regexes -------------------------------------------------------------------------------
