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

export const hasCredentials = (auth: ReceiverAuth): boolean => Boolean(auth.bearerToken || auth.basic);

/**
 * Accepts a request carrying any configured credential; with none configured, every request.
 * `withoutBearerToken` is the 401's text for a request that sent no Authorization header at all.
 */
export function receiverAuth(auth: ReceiverAuth, options: { withoutBearerToken?: string } = {}): MiddlewareHandler {
  const checks: MiddlewareHandler[] = [];
  if (auth.bearerToken) {
    const tokenMatches = matcherFor(auth.bearerToken);
    const noHeader = options.withoutBearerToken ? { noAuthenticationHeader: { message: options.withoutBearerToken } } : {};
    checks.push(bearerAuth({ verifyToken: (token) => tokenMatches(token), ...noHeader }));
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

/** What a browser shows when the preview is behind a bearer token only, which it cannot send. */
export const PREVIEW_NEEDS_TOKEN =
  'The preview shows alert contents, so it takes the credentials Alertmanager sends amcord. Only a bearer token is ' +
  'configured (server.auth.bearer_token), and a browser cannot send one: request the page with ' +
  '"Authorization: Bearer <token>", or set server.auth.basic_auth to sign in from a browser.\n';

/**
 * The preview page shows alert contents, so it takes the receiver's credentials. With basic auth
 * configured the 401 makes a browser ask for it; with a bearer token only, the 401 says how to get in.
 */
export function previewAuth(auth: ReceiverAuth): MiddlewareHandler {
  return receiverAuth(auth, { withoutBearerToken: PREVIEW_NEEDS_TOKEN });
}
