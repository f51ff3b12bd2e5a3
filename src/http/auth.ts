import type { MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { bearerAuth } from 'hono/bearer-auth';
import { some } from 'hono/combine';

/** Credentials Alertmanager's http_config can send: a bearer token, basic auth, or either. */
export interface ReceiverAuth {
  bearerToken?: string | undefined;
  basic?: { username: string; password: string } | undefined;
}

/** Accepts a request carrying any configured credential; with none configured, every request. */
export function receiverAuth(auth: ReceiverAuth): MiddlewareHandler {
  const checks: MiddlewareHandler[] = [];
  if (auth.bearerToken) checks.push(bearerAuth({ token: auth.bearerToken }));
  if (auth.basic) checks.push(basicAuth({ username: auth.basic.username, password: auth.basic.password }));
  if (checks.length === 0) return async (_c, next) => next();
  return some(...checks);
}
