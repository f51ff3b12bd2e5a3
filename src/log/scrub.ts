/**
 * The one secret scrubber. Secrets reach text in two ways: a configured value quoted verbatim
 * (a token in an error message), and the token part of a Discord URL path, which webhook and
 * interaction URLs carry (`/webhooks/<id>/<token>`, `/interactions/<id>/<token>`).
 */

const REDACTED = '<redacted>';
const TOKEN_IN_PATH = /(\/(?:interactions|webhooks)\/\d+\/)[^/\s?"'<>]+/g;

/** Replaces the token of any Discord webhook or interaction URL in a text. */
export function scrubTokenPaths(text: string): string {
  return text.replace(TOKEN_IN_PATH, `$1${REDACTED}`);
}

/** A scrubber for these secret values (shorter than 4 characters they are too common to replace) and every token path. */
export function makeScrubber(secrets: readonly string[]): (text: string) => string {
  const values = secrets.filter((secret) => secret.length >= 4).sort((a, b) => b.length - a.length);
  return (text) => {
    let result = text;
    for (const secret of values) result = result.split(secret).join(REDACTED);
    return scrubTokenPaths(result);
  };
}
