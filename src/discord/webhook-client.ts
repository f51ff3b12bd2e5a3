import type { Logger } from 'pino';
import { isDeadlineExceeded, withDeadline } from '../http-client/deadline.js';
import { sleep as realSleep, systemClock, type Clock, type Sleep } from '../util/sleep.js';
import { RateLimitTracker } from './rate-limits.js';
import type { DiscordMessage } from './types.js';
import { scrubTokenPaths } from '../log/scrub.js';
import { describeWebhook, type WebhookTarget } from './webhook-url.js';

/**
 * Why a delivery did not happen. `retryable` failures may succeed later (Discord down, rate
 * limited past the deadline); `unconfirmed` means Discord may well have the new message but did
 * not say so with its id (no answer in time, or a success without a readable message), so
 * posting it again could show it twice; the others cannot succeed until someone changes something.
 */
export type DeliveryFailure = 'rejected' | 'gone' | 'unauthorized' | 'unavailable' | 'unconfirmed';

export class DiscordDeliveryError extends Error {
  override name = 'DiscordDeliveryError';
  constructor(
    message: string,
    readonly failure: DeliveryFailure,
    readonly status?: number,
    /** Discord's JSON error code, when it sent one (10015 unknown webhook, 50035 invalid body, …). */
    readonly discordCode?: number,
  ) {
    super(scrubTokenPaths(message));
  }

  get retryable(): boolean {
    return this.failure === 'unavailable';
  }
}

export interface WebhookClientOptions {
  logger: Logger;
  requestTimeoutMs: number;
  fetch?: typeof fetch;
  sleep?: Sleep;
  clock?: Clock;
  /** Backoff after 5xx and network errors: first wait, doubled each time up to the cap. */
  backoff?: { initialMs: number; maxMs: number };
  random?: () => number;
  /** Aborts waits and requests on shutdown. */
  signal?: AbortSignal;
  /** Told about every request, for metrics. */
  observe?: (observation: RequestObservation) => void;
  /**
   * Asked before every request, retries included (a wait for a rate limit may outlast the
   * right to send): false stops the attempt unsent.
   */
  mayRequest?: () => boolean;
}

export interface RequestObservation {
  method: string;
  /** The HTTP status, or 'error' when no response came. */
  status: number | 'error';
  seconds: number;
  /** On a 429: user, shared or global. */
  rateLimitScope?: string;
}

export interface SendOptions {
  /** Epoch ms after which no further attempt is started. */
  deadline: number;
}

export interface SentMessage {
  id: string;
  /** The channel (or thread) it is in, when Discord said. */
  channelId?: string;
}

type Attempt = { method: 'POST'; url: string; body: DiscordMessage } | { method: 'PATCH'; url: string; body: DiscordMessage; messageId: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The id of the message in a 2xx answer, if the answer is a message at all. */
function messageIdIn(body: unknown): string | undefined {
  return isRecord(body) && typeof body.id === 'string' && /^\d+$/.test(body.id) ? body.id : undefined;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function discordErrorText(body: unknown): string {
  if (!isRecord(body)) return typeof body === 'string' ? body.slice(0, 300) : '';
  const code = typeof body.code === 'number' ? `code ${body.code}` : '';
  const parts = [typeof body.message === 'string' ? body.message : '', code];
  if (body.errors !== undefined) parts.push(JSON.stringify(body.errors).slice(0, 500));
  return parts.filter(Boolean).join(', ');
}

/**
 * The request body for a message: JSON, or multipart when it carries files (`payload_json` and
 * `files[n]`, which Discord requires for uploads). fetch sets the multipart content type itself.
 */
export function messageBody(message: DiscordMessage): { body: string | FormData; headers: Record<string, string> } {
  const { files, thread: _placement, ...json } = message;
  if (!files || files.length === 0) return { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } };
  const form = new FormData();
  form.append('payload_json', JSON.stringify(json));
  files.forEach((file, index) => form.append(`files[${index}]`, new Blob([file.data], { type: file.contentType }), file.name));
  return { body: form, headers: {} };
}

/**
 * Sends messages through Discord webhooks. Requests to one webhook go out one at a time, wait
 * when the rate-limit headers say the bucket is empty, wait Retry-After on 429, and back off on
 * 5xx and network errors until the deadline. 4xx other than 429 are final.
 */
export class DiscordWebhookClient {
  private readonly limits = new RateLimitTracker();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly fetch: typeof fetch;
  private readonly sleep: Sleep;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly backoff: { initialMs: number; maxMs: number };

  constructor(private readonly options: WebhookClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? realSleep;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  }

  /**
   * Posts a message and returns its id (the request asks Discord to wait for the message). A post
   * that may have reached Discord without its id coming back (it timed out, or the answer carried
   * no message) is not sent again: webhooks have no way to check for it or to deduplicate a second
   * one, so the call rejects with an `unconfirmed` DiscordDeliveryError and the caller decides.
   */
  async execute(target: WebhookTarget, message: DiscordMessage, options: SendOptions, threadId?: string): Promise<SentMessage> {
    const inThread = threadId === undefined ? '' : `&thread_id=${threadId}`;
    const url = `${target.apiBase}/webhooks/${target.id}/${target.token}?wait=true${inThread}`;
    return this.enqueue(target, { method: 'POST', url, body: message }, options);
  }

  /** Replaces a message this webhook sent earlier; one inside a thread is reached through `threadId`. */
  async edit(target: WebhookTarget, messageId: string, message: DiscordMessage, options: SendOptions, threadId?: string): Promise<SentMessage> {
    const inThread = threadId === undefined ? '' : `?thread_id=${threadId}`;
    const url = `${target.apiBase}/webhooks/${target.id}/${target.token}/messages/${messageId}${inThread}`;
    return this.enqueue(target, { method: 'PATCH', url, body: message, messageId }, options);
  }

  private enqueue(target: WebhookTarget, attempt: Attempt, options: SendOptions): Promise<SentMessage> {
    const previous = this.queues.get(target.id) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.send(target, attempt, options));
    this.queues.set(target.id, run);
    void run.finally(() => {
      if (this.queues.get(target.id) === run) this.queues.delete(target.id);
    }).catch(() => undefined);
    return run;
  }

  private async send(target: WebhookTarget, attempt: Attempt, { deadline }: SendOptions): Promise<SentMessage> {
    const name = describeWebhook(target);
    const log = this.options.logger;
    for (let failures = 0; ; ) {
      await this.waitUntilAllowed(target.id, deadline, name);
      if (this.options.mayRequest?.() === false) throw new DiscordDeliveryError(`${name}: this process may no longer send`, 'unavailable');
      const started = performance.now();
      const seconds = (): number => (performance.now() - started) / 1000;
      let answeredStatus: number | undefined;
      let response: Response;
      let body: unknown;
      try {
        ({ response, body } = await withDeadline(this.options.requestTimeoutMs, this.options.signal, async (signal) => {
          const { body: requestBody, headers } = messageBody(attempt.body);
          const answer = await this.fetch(attempt.url, {
            method: attempt.method,
            headers: { ...headers, 'user-agent': 'amcord (https://github.com/amcord/amcord)' },
            body: requestBody,
            signal,
          });
          answeredStatus = answer.status;
          return { response: answer, body: await readBody(answer) };
        }));
      } catch (error) {
        this.options.observe?.({ method: attempt.method, status: answeredStatus ?? 'error', seconds: seconds() });
        if (this.options.signal?.aborted) throw new DiscordDeliveryError(`${name}: shutting down`, 'unavailable');
        const reason = isDeadlineExceeded(error) ? 'timed out' : 'network error';
        // Edits are safe to repeat. A post whose success answer broke off has landed: posting it
        // again would show it twice. A post that timed out may or may not land; it goes back to
        // the outbox and is posted again later, not at once: a lost alert is worse than a
        // duplicate, and a Discord this slow is better given time.
        const answeredOk = answeredStatus !== undefined && answeredStatus >= 200 && answeredStatus < 300;
        if (attempt.method === 'POST' && answeredOk) {
          log.warn({ webhook: target.id, reason }, 'Discord accepted a new message but its answer broke off; not posting it again');
          throw new DiscordDeliveryError(`${name}: ${reason}; Discord has the message`, 'unconfirmed', answeredStatus);
        }
        if (attempt.method === 'POST' && isDeadlineExceeded(error)) {
          throw new DiscordDeliveryError(`${name}: ${reason}; Discord may still show the message, which will be posted again later`, 'unavailable');
        }
        failures += 1;
        log.warn({ webhook: target.id, failures, reason }, 'Discord request failed; backing off');
        await this.backOff(failures, deadline, `${name}: ${reason}`);
        continue;
      }
      const now = this.clock.now();
      const scope = response.status === 429 ? (response.headers.get('x-ratelimit-scope') ?? 'user') : undefined;
      this.options.observe?.({ method: attempt.method, status: response.status, seconds: seconds(), ...(scope ? { rateLimitScope: scope } : {}) });
      this.limits.update(target.id, response.headers, now);
      if (response.ok) {
        if (attempt.method === 'PATCH') return { id: attempt.messageId };
        const id = messageIdIn(body);
        const channelId = isRecord(body) && typeof body.channel_id === 'string' ? body.channel_id : undefined;
        if (id !== undefined) return channelId === undefined ? { id } : { id, channelId };
        log.warn({ webhook: target.id, status: response.status }, 'Discord accepted a new message but sent no message id; not posting it again');
        throw new DiscordDeliveryError(`${name}: Discord answered ${response.status} without the message`, 'unconfirmed', response.status);
      }
      if (response.status === 429) {
        const waitMs = this.limits.limited(target.id, response.headers, body, now);
        log.warn({ webhook: target.id, waitMs, scope }, 'Discord rate limit hit; waiting');
        continue;
      }
      if (response.status >= 500) {
        failures += 1;
        log.warn({ webhook: target.id, status: response.status, failures }, 'Discord answered with a server error; backing off');
        await this.backOff(failures, deadline, `${name}: Discord answered ${response.status}`);
        continue;
      }
      throw this.finalError(name, response.status, body);
    }
  }

  private finalError(name: string, status: number, body: unknown): DiscordDeliveryError {
    const detail = discordErrorText(body);
    const code = isRecord(body) && typeof body.code === 'number' ? body.code : undefined;
    if (status === 404) return new DiscordDeliveryError(`${name}: not found (404 ${detail})`, 'gone', status, code);
    if (status === 401 || status === 403) {
      return new DiscordDeliveryError(`${name} refused the token (${status} ${detail})`, 'unauthorized', status, code);
    }
    return new DiscordDeliveryError(`${name} rejected the message (${status} ${detail})`, 'rejected', status, code);
  }

  private async waitUntilAllowed(bucket: string, deadline: number, name: string): Promise<void> {
    const delay = this.limits.delayFor(bucket, this.clock.now());
    if (delay <= 0) return;
    if (this.clock.now() + delay > deadline) {
      throw new DiscordDeliveryError(`${name}: rate limited past the delivery deadline`, 'unavailable', 429);
    }
    await this.sleep(delay, this.options.signal);
  }

  private async backOff(failures: number, deadline: number, what: string): Promise<void> {
    const exponential = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (failures - 1));
    // Jitter keeps retries from arriving in lockstep at a Discord that is just recovering.
    const delay = exponential / 2 + (this.random() * exponential) / 2;
    if (this.clock.now() + delay > deadline) {
      throw new DiscordDeliveryError(`${what}; gave up after ${failures} attempts`, 'unavailable');
    }
    await this.sleep(delay, this.options.signal);
  }
}
