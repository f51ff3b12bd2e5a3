import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { bearerAuth } from 'hono/bearer-auth';
import { some } from 'hono/combine';

/** Credentials Alertmanager's http_config can send: a bearer token, basic auth, or either. */
export interface ReceiverAuth {
  bearerToken?: string | undefined;
  basic?: { username: string; password: string } | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * A constant-time check against a secret known at start. Comparing digests keeps the time
 * independent of the length too; being synchronous, it costs far less per request than the
 * WebCrypto hashing the middlewares do by default.
 */
function matcherFor(secret: string): (candidate: string) => boolean {
  const expected = digest(secret);
  return (candidate) => timingSafeEqual(digest(candidate), expected);
}

/** Accepts a request carrying any configured credential; with none configured, every request. */
export function receiverAuth(auth: ReceiverAuth): MiddlewareHandler {
  const checks: MiddlewareHandler[] = [];
  if (auth.bearerToken) {
    const tokenMatches = matcherFor(auth.bearerToken);
    checks.push(bearerAuth({ verifyToken: (token) => tokenMatches(token) }));
  }
  if (auth.basic) {
    const userMatches = matcherFor(auth.basic.username);
    const passwordMatches = matcherFor(auth.basic.password);
    // Both are checked whatever the first gives, so the time does not tell which one was wrong.
    checks.push(basicAuth({ verifyUser: (username, password) => [userMatches(username), passwordMatches(password)].every(Boolean) }));
  }
  if (checks.length === 0) return async (_c, next) => next();
  return some(...checks);
}
