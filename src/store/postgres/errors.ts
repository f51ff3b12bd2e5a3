import { DatabaseError } from 'pg';
import { StorageUnavailableError } from '../../util/storage-unavailable.js';

/**
 * Which failures of PostgreSQL say "not now" rather than "amcord has a bug", so the layers above
 * answer 503, pause deliveries and try again:
 * - unreachable: no working connection (the server is down, restarting, or the network is cut);
 *   the pool opens new connections by itself once the server answers again.
 * - refused: the server is there but cannot commit now (disk full, a standby after a failover,
 *   a lock or statement timeout, a changed password).
 */
export type PostgresCondition = 'unreachable' | 'refused';

/** Socket errors of a connection that could not be made or was cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // a unix socket that is not there while the server is down
]);

/** node-postgres' own words for a connection that is gone, timed out or never came up. */
const CONNECTION_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /is not queryable/, /^Query read timeout/];

/**
 * SQLSTATE codes (and classes, by their first two characters) of a server that cannot serve or
 * commit right now. https://www.postgresql.org/docs/current/errcodes-appendix.html
 */
const UNREACHABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const UNREACHABLE_CLASSES = new Set(['08']);
const REFUSED_SQLSTATES = new Set(['25006', '40001', '40P01', '55P03', '57014', '58030']);
const REFUSED_CLASSES = new Set(['53', '28']);

function socketCode(error: unknown): string | undefined {
  if (error instanceof AggregateError) return socketCode(error.errors[0]);
  if (!(error instanceof Error) || error instanceof DatabaseError) return undefined;
  const { code } = error as NodeJS.ErrnoException;
  return typeof code === 'string' ? code : undefined;
}

/** The condition an error of node-postgres reports, or undefined for an error that means a bug. */
export function postgresCondition(error: unknown): PostgresCondition | undefined {
  if (error instanceof DatabaseError) {
    const code = error.code ?? '';
    if (UNREACHABLE_SQLSTATES.has(code) || UNREACHABLE_CLASSES.has(code.slice(0, 2))) return 'unreachable';
    if (REFUSED_SQLSTATES.has(code) || REFUSED_CLASSES.has(code.slice(0, 2))) return 'refused';
    return undefined;
  }
  const code = socketCode(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return 'unreachable';
  if (error instanceof Error && CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message))) return 'unreachable';
  return undefined;
}

/**
 * An error's own words, with PostgreSQL's SQLSTATE when it has one. Node reports a connection
 * refused on every address of a host name as an AggregateError without a message of its own.
 */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return [...new Set(error.errors.map(describeError))].join('; ');
  if (error instanceof DatabaseError) return error.code ? `${error.code} ${error.message}` : error.message;
  if (error instanceof Error) return error.message || (socketCode(error) ?? error.name);
  return String(error);
}

/**
 * The error a storage port rejects with: StorageUnavailableError for a condition, worded from
 * the error's code and message only (never a query's values) and scrubbed of the connection's
 * secrets, since /readyz and 503 answers show it; the error itself otherwise.
 */
export function asStorageError(error: unknown, where: string, scrub: (text: string) => string): Error {
  const condition = postgresCondition(error);
  if (condition === undefined) return error instanceof Error ? error : new Error(String(error));
  const reason = condition === 'unreachable' ? `PostgreSQL at ${where} is unreachable` : `PostgreSQL at ${where} cannot commit`;
  return new StorageUnavailableError(scrub(`${reason} (${describeError(error)})`), { cause: error });
}
