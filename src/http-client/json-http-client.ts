import type { z } from 'zod';
import { isDeadlineExceeded, withDeadline } from './deadline.js';

/**
 * JSON over fetch with a deadline and failures sorted into kinds a caller can act on.
 * Service clients (Alertmanager, Prometheus) wrap a failure into their own error class.
 */

export type RequestFailureKind = 'unreachable' | 'timeout' | 'http' | 'invalid-response';

/** Everything known about a failed request; `url` never carries credentials. */
export interface RequestFailure {
  kind: RequestFailureKind;
  method: string;
  /** Base URL of the service as configured, without credentials: what a person recognises. */
  baseUrl: string;
  /** Full request URL without credentials. */
  url: string;
  timeoutMs: number;
  /** HTTP status for kind 'http' (and for 'invalid-response' when the status was 2xx). */
  status?: number;
  /** Response body for kind 'http', parsed as JSON when it is JSON, else the raw text. */
  body?: unknown;
  /** Short human-readable reason: the network error, the body's text, or the schema mismatch. */
  detail: string;
  cause?: unknown;
}

export type FetchFunction = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface JsonHttpClientOptions {
  baseUrl: string;
  /** Deadline for the whole exchange, headers and body; default 10 s. */
  timeoutMs?: number;
  fetch?: FetchFunction;
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | Date | undefined | readonly (string | number)[];

export interface JsonRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, QueryValue>;
  /** Serialised as JSON. */
  body?: unknown;
  /** Validates the 2xx body; an empty body is passed as undefined. */
  schema: z.ZodType<T>;
  /** Replaces the client's error factory for this request, e.g. to name the query in the error. */
  toError?: (failure: RequestFailure) => Error;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_DETAIL_LENGTH = 500;

export class JsonHttpClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly fetchFunction: FetchFunction;
  private readonly headers: Record<string, string>;

  constructor(
    options: JsonHttpClientOptions,
    private readonly toError: (failure: RequestFailure) => Error,
  ) {
    const { url, authorization } = splitCredentials(options.baseUrl);
    this.baseUrl = url;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFunction = options.fetch ?? ((input, init) => fetch(input, init));
    // fetch refuses URLs with user:password, so credentials in the base URL become a header.
    this.headers = { accept: 'application/json', ...(authorization ? { authorization } : {}), ...options.headers };
  }

  async request<T>(request: JsonRequest<T>): Promise<T> {
    const url = this.urlFor(request.path, request.query);
    const toError = request.toError ?? this.toError;
    const fail = (failure: Omit<RequestFailure, 'method' | 'baseUrl' | 'url' | 'timeoutMs'>): Error =>
      toError({ ...failure, method: request.method, baseUrl: this.baseUrl, url, timeoutMs: this.timeoutMs });

    const headers = { ...this.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';

    let status: number;
    let text: string;
    try {
      ({ status, text } = await withDeadline(this.timeoutMs, undefined, async (signal) => {
        const response = await this.fetchFunction(url, {
          method: request.method,
          headers,
          body: request.body === undefined ? undefined : JSON.stringify(request.body),
          signal,
        });
        return { status: response.status, text: await response.text() };
      }));
    } catch (error) {
      if (isDeadlineExceeded(error)) throw fail({ kind: 'timeout', detail: 'no answer in time', cause: error });
      throw fail({ kind: 'unreachable', detail: describeNetworkError(error), cause: error });
    }

    const parsedBody = parseJsonLeniently(text);
    if (status < 200 || status > 299) {
      throw fail({ kind: 'http', status, body: parsedBody.value, detail: describeErrorBody(parsedBody.value) });
    }
    if (parsedBody.kind === 'text') {
      throw fail({ kind: 'invalid-response', status, body: text, detail: `body is not JSON: ${truncate(text)}` });
    }
    const result = request.schema.safeParse(parsedBody.value);
    if (!result.success) {
      throw fail({ kind: 'invalid-response', status, body: parsedBody.value, detail: summariseIssues(result.error) });
    }
    return result.data;
  }

  private urlFor(path: string, query: Record<string, QueryValue> | undefined): string {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const item of listOf(value)) url.searchParams.append(name, formatQueryValue(item));
    }
    return url.toString();
  }
}

/**
 * A request to Alertmanager or Prometheus that failed, worded for the person who reads it; each
 * client's error class adds what its service says about the failure.
 */
export class ServiceRequestError extends Error {
  readonly kind: RequestFailureKind;
  /** HTTP status for kind 'http'. */
  readonly status: number | undefined;
  /** The service's own error text (kind 'http'), or what went wrong otherwise. */
  readonly detail: string;
  readonly method: string;
  readonly url: string;

  constructor(service: string, failure: RequestFailure, detail = failure.detail, suffix = '') {
    super(`${describeFailure(service, { ...failure, detail })}${suffix}`, { cause: failure.cause });
    this.kind = failure.kind;
    this.status = failure.status;
    this.detail = detail;
    this.method = failure.method;
    this.url = failure.url;
  }
}

/** "Alertmanager at http://am:9093 did not answer within 5 s (GET /api/v2/alerts)" and friends. */
export function describeFailure(service: string, failure: RequestFailure): string {
  const where = `${service} at ${failure.baseUrl}`;
  const call = `${failure.method} ${pathOf(failure.url)}`;
  switch (failure.kind) {
    case 'timeout':
      return `${where} did not answer within ${formatSeconds(failure.timeoutMs)} (${call}).`;
    case 'unreachable':
      return `${where} is unreachable (${call}): ${failure.detail}. Check the URL and that ${service} is running.`;
    case 'http':
      return `${where} answered ${call} with HTTP ${failure.status ?? '?'}: ${failure.detail}`;
    case 'invalid-response':
      return `${where} sent an unexpected response to ${call}: ${failure.detail}`;
  }
}

type LenientJson = { kind: 'json'; value: unknown } | { kind: 'text'; value: string };

function parseJsonLeniently(text: string): LenientJson {
  if (text.trim() === '') return { kind: 'json', value: undefined };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'text', value: text };
  }
}

/** Services answer errors as a JSON string, as {error}/{message}, or as plain text. */
function describeErrorBody(value: unknown): string {
  if (typeof value === 'string') return truncate(value.trim()) || 'empty body';
  if (value === undefined) return 'empty body';
  if (typeof value === 'object' && value !== null) {
    for (const key of ['error', 'message']) {
      const field = (value as Record<string, unknown>)[key];
      if (typeof field === 'string' && field !== '') return truncate(field);
    }
  }
  return truncate(JSON.stringify(value));
}

function summariseIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** undici hides the useful part ("ECONNREFUSED 127.0.0.1:1") in error.cause. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return error.message;
}

function splitCredentials(baseUrl: string): { url: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new TypeError(`Invalid base URL ${JSON.stringify(baseUrl)}: expected something like http://host:port`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`Invalid base URL ${JSON.stringify(baseUrl)}: only http and https are supported`);
  }
  let authorization: string | undefined;
  if (parsed.username !== '' || parsed.password !== '') {
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  parsed.search = '';
  parsed.hash = '';
  return { url: parsed.toString().replace(/\/+$/, ''), authorization };
}

type QueryScalar = string | number | boolean | Date;

function listOf(value: Exclude<QueryValue, undefined>): QueryScalar[] {
  if (typeof value === 'object' && !(value instanceof Date)) return [...value];
  return [value];
}

function formatQueryValue(value: QueryScalar): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL_LENGTH ? `${text.slice(0, MAX_DETAIL_LENGTH)}…` : text;
}
