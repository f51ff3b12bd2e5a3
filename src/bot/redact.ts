/**
 * Errors from discord.js carry the request URL, and interaction URLs carry the interaction's
 * token (valid for 15 minutes). Logs get a reduced copy, scrubbed by log/scrub.ts, instead of the
 * error itself.
 */

export interface LoggableError {
  name: string;
  message: string;
  /** HTTP status or Discord error code, when the error has one. */
  status?: number;
  code?: number | string;
  stack?: string;
}

export function loggableError(error: unknown, scrub: (text: string) => string): LoggableError {
  if (!(error instanceof Error)) return { name: 'Error', message: scrub(String(error)) };
  const { status, code } = error as { status?: unknown; code?: unknown };
  return {
    name: error.name,
    message: scrub(error.message),
    ...(typeof status === 'number' ? { status } : {}),
    ...(typeof code === 'number' || typeof code === 'string' ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: scrub(error.stack) }),
  };
}
