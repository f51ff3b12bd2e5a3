/**
 * Matcher regexes, from the RE2 syntax Alertmanager takes to JavaScript RegExps. Scanning and
 * parsing matchers is matchers.ts; this is only what their regex values become.
 */

// Alertmanager uses Go's RE2. JavaScript regexes agree on the common subset; we translate
// Go's leading flag group and named groups, and refuse what RE2 would refuse (lookaround,
// backreferences) so a matcher accepted here is also accepted by Alertmanager.

const LEADING_FLAGS = /^\(\?([imsU]+)\)/;
// An unescaped construct is preceded by an even number of backslashes.
const RE2_UNSUPPORTED: [RegExp, string][] = [
  [/(?<!\\)(?:\\\\)*\(\?<?[=!]/, 'lookahead and lookbehind are not supported by Alertmanager (RE2)'],
  [/(?<!\\)(?:\\\\)*\\(?:[1-9]|k<)/, 'backreferences are not supported by Alertmanager (RE2)'],
];
const compiledCache = new Map<string, RegExp>();
const COMPILED_CACHE_LIMIT = 1000;

/** Why RE2 (or JavaScript) would refuse this regex, or undefined when both take it. */
export function regexProblem(source: string): string | undefined {
  for (const [pattern, reason] of RE2_UNSUPPORTED) {
    if (pattern.test(source)) return reason;
  }
  try {
    compileMatcherRegex(source);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.replace(/^Invalid regular expression: /, '') : String(error);
  }
}

/** A matcher's regex as JavaScript runs it: anchored at both ends as Alertmanager anchors it. */
export function compileMatcherRegex(source: string): RegExp {
  const cached = compiledCache.get(source);
  if (cached) return cached;

  let body = source.replace(/\(\?P</g, '(?<');
  let flags = '';
  const leading = LEADING_FLAGS.exec(body);
  if (leading) {
    if (leading[1]?.includes('U')) throw new Error('the U (ungreedy) flag has no JavaScript equivalent');
    flags = leading[1] ?? '';
    body = body.slice(leading[0].length);
  }
  const anchored = `^(?:${body})$`;
  let compiled: RegExp;
  try {
    // 'u' makes '.' match a whole code point as RE2 does; it is stricter about escapes like \-.
    compiled = new RegExp(anchored, `${flags}u`);
  } catch {
    compiled = new RegExp(anchored, flags);
  }
  if (compiledCache.size >= COMPILED_CACHE_LIMIT) compiledCache.clear();
  compiledCache.set(source, compiled);
  return compiled;
}
