/**
 * A fake Discord HTTP API for tests, bound to 127.0.0.1 on a random port.
 *
 * It serves webhook execute/edit/get/delete, the bot's channel messages (create with Discord's
 * nonce rules, edit, delete) and `GET /gateway/bot` under both `/api/v10/...` and the
 * un-versioned `/api/...`, validates message bodies against Discord's limits, applies
 * Discord-shaped rate limits, records every request and can inject faults. Messages may carry
 * files as Discord takes them (multipart: `payload_json` plus `files[n]`, at most 10, 10 MiB in
 * all, every `attachment://` naming an uploaded or kept file); the files are kept with the
 * message for tests to read. The behaviour it honours is listed in docs/discord.md.
 *
 * Extension points for a gateway or interaction module living elsewhere: `server` (attach a
 * `ws` WebSocketServer to it), `addRoute` (extra REST routes, matched before the built-in
 * ones), `postMessage` (store a message as a webhook without HTTP) and `onClose` (cleanup run
 * before the HTTP server shuts down).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface RateLimitConfig {
  limit: number;
  windowMs: number;
}

export interface FakeDiscordOptions {
  /** Clock for rate-limit windows, message timestamps and `RecordedRequest.at`. Default `Date.now`. */
  now?: () => number;
  /** Limit per bucket; each webhook is one bucket. Default 5 per 2000 ms, as observed. */
  rateLimit?: RateLimitConfig;
  /**
   * New messages per channel across all its webhooks (429 with scope "shared"). Default 30 per
   * 60000 ms, as observed; `false` turns it off. Tests that send many messages to one channel
   * should raise it or spread webhooks over channels.
   */
  channelRateLimit?: RateLimitConfig | false;
  /** Requests across the whole fake (429 with scope "global"). Off unless given; Discord's is 50 per 1000 ms. */
  globalRateLimit?: RateLimitConfig;
  /**
   * How long a bot's `nonce` with `enforce_nonce: true` finds the message it created (fake clock).
   * Discord says "the past few minutes"; the default, 2 minutes, is the cautious reading.
   */
  nonceWindowMs?: number;
}

export interface FakeWebhook {
  id: string;
  token: string;
  channelId: string;
  guildId: string;
  name: string;
  /** Set for application-owned webhooks; only those may send components. */
  applicationId: string | null;
  /** `${apiBase}/webhooks/${id}/${token}` */
  url: string;
}

export interface CreateWebhookOptions {
  channelId?: string;
  guildId?: string;
  name?: string;
  applicationId?: string;
  /** Fixed id, e.g. an application id for interaction follow-ups. Default: a fresh snowflake. */
  id?: string;
  /** Fixed token, e.g. an interaction token. Default: random. */
  token?: string;
}

export interface EmbedField {
  name: string;
  value: string;
  inline: boolean;
}

export interface Embed {
  type: 'rich';
  title?: string;
  description?: string;
  url?: string;
  /** ISO 8601 in Discord's `+00:00` form. */
  timestamp?: string;
  color?: number;
  fields?: EmbedField[];
  footer?: { text: string; icon_url?: string };
  author?: { name: string; url?: string; icon_url?: string };
  image?: { url: string };
  thumbnail?: { url: string };
}

export type MentionKind = 'users' | 'roles' | 'everyone';

export interface AllowedMentions {
  parse?: MentionKind[];
  users?: string[];
  roles?: string[];
  replied_user?: boolean;
}

/** A file a message carries, with its bytes, so tests can decode it. */
export interface StoredAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  description: string | null;
  /** Where Discord would serve it; embeds that named `attachment://<filename>` show this URL. */
  url: string;
  /** The bytes as uploaded (a copy: messages() hands out clones). */
  data: Uint8Array;
}

export interface StoredMessage {
  id: string;
  webhookId: string;
  channelId: string;
  content: string;
  /** Author name shown: the `username` override or the webhook's name. */
  username: string;
  avatarUrl: string | null;
  embeds: Embed[];
  /** Always empty for webhooks that are not application-owned: Discord drops their components. */
  components: unknown[];
  allowedMentions: AllowedMentions | null;
  /** The files it carries, in order. */
  attachments: StoredAttachment[];
  /** Who the message pings, from `content` and `allowed_mentions` (mentions in embeds never ping). */
  mentionUsers: string[];
  mentionRoles: string[];
  mentionEveryone: boolean;
  /** The `nonce` a bot sent with the message; Discord answers it only to the create request. */
  nonce: string | number | null;
  /** The message this one replies to (`message_reference`, which only the bot's messages can give). */
  replyTo?: string;
  createdAt: number;
  editedAt: number | null;
  edits: number;
  /**
   * Everything the message showed, oldest first: as created, then after each edit. Tells a post
   * repeated from an edited one, and what people saw in between.
   */
  versions: MessageVersion[];
}

export interface MessageVersion {
  /** When it was created or edited, on the fake's clock. */
  at: number;
  content: string;
  embeds: Embed[];
  /** The file names it carried then (always set by the fake). */
  attachments?: string[];
}

export interface MessageFilter {
  webhookId?: string;
  channelId?: string;
}

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/api/v10/webhooks/1/abc`. */
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON (of `payload_json` for multipart), the raw text when it is not JSON, or undefined when empty. */
  body: unknown;
  /** The file parts of a multipart body. */
  files?: UploadedFile[];
  /** Undefined while unanswered (e.g. held by `hangNext`). */
  status: number | undefined;
  /** Held by `hangNext`: it will never be answered. Unanswered without this, it is still being handled. */
  hung?: true;
  /** Arrival time on the fake's clock. */
  at: number;
  /** Matched route pattern, e.g. `POST /webhooks/:id/:token`. */
  route?: string;
  /** Webhook id taken from the path, if the path names one. */
  webhookId?: string;
}

export interface StatusCounts {
  total: number;
  ok: number;
  /** 4xx other than 429. */
  clientErrors: number;
  rateLimited: number;
  serverErrors: number;
}

export interface FakeDiscordStats {
  totals: StatusCounts;
  /** Keyed by webhook id; each webhook is one rate-limit bucket. */
  byWebhook: Record<string, StatusCounts>;
  /** 401, 403 and 429 answers: Discord bans an IP after 10,000 of these in 10 minutes. */
  invalidRequests: number;
}

export interface FailFault {
  status: number;
  /** JSON body, or a string sent as text/html (like a proxy's error page). Default: `{message, code: 0}`. */
  body?: unknown;
  /** Seconds; sent as the `Retry-After` header. */
  retryAfter?: number;
  /** Only requests for this webhook consume the fault. */
  webhookId?: string;
  /** Only requests to this channel's routes consume the fault. */
  channelId?: string;
}

export type RateLimitScope = 'user' | 'shared' | 'global';

/** Which requests consume a fault: all, one webhook's, or those to one channel's routes (the bot's). */
export interface FaultTarget {
  webhookId?: string;
  channelId?: string;
}

export interface GarbleOptions extends FaultTarget {
  /** Sent instead of the message, as `application/json`. Default: JSON cut off before the id. */
  body?: string;
}

export interface RouteContext {
  method: string;
  /** Path relative to the API root, without version: `/webhooks/1/abc`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (`payload_json` of a multipart body); undefined when empty or not JSON (see `rawBody`). */
  body: unknown;
  rawBody: string;
  /** The file parts of a multipart body, in order; empty for JSON. */
  files: UploadedFile[];
}

/** One `files[n]` part of a multipart body. */
export interface UploadedFile {
  /** The form field, `files[0]`. */
  field: string;
  /** The n of `files[n]`, which `attachments[].id` refers to. */
  index: number;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface RouteResponse {
  status: number;
  /** Sent as JSON; a string is sent raw as text/html; undefined sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (context: RouteContext) => RouteResponse | Promise<RouteResponse>;

export interface RouteOptions {
  /**
   * Rate-limit bucket key for a request, or false for none. Default: one bucket per route.
   * Use `webhookBucketKey(params.id)` to share the bucket of a webhook.
   */
  bucket?: ((params: Record<string, string>) => string) | false;
}

export type PostOutcome = { ok: true; message: StoredMessage } | { ok: false; response: RouteResponse };

export interface FakeDiscord {
  readonly server: Server;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `${url}/api`: the `api` option for discord.js / @discordjs/rest. */
  readonly apiBase: string;
  /** `ws://127.0.0.1:PORT/gateway`, as answered by `GET /gateway/bot`. */
  readonly gatewayUrl: string;
  /** Every request in arrival order, including rejected and unanswered ones. Cleared in place by `reset()`. */
  readonly requests: RecordedRequest[];
  now(): number;
  createWebhook(options?: CreateWebhookOptions): FakeWebhook;
  /** Later calls to the webhook get 404 10015. Returns whether it existed. */
  deleteWebhook(id: string): boolean;
  getWebhook(id: string): FakeWebhook | undefined;
  /** Copies of the current messages, in creation order. */
  messages(filter?: MessageFilter): StoredMessage[];
  /** Validates and stores a message as the webhook, without HTTP or rate limits. */
  postMessage(webhookId: string, body: unknown): PostOutcome;
  stats(): FakeDiscordStats;
  /** The next `count` requests (optionally only one webhook's) fail with the given status. */
  failNext(count: number, fault: FailFault): void;
  /** The next `count` requests are never answered; `close()` still ends promptly. */
  hangNext(count: number, options?: FaultTarget): void;
  /**
   * The next `count` requests are handled after `delayMs` on the real clock, like a Discord slow
   * to process them: the message is created then even if the client gave up, and the answer goes
   * out if the connection is still open. `close()` drops requests still waiting.
   */
  slowNext(count: number, delayMs: number, options?: FaultTarget): void;
  /**
   * The next `count` requests are handled as usual (a post creates its message), but a 2xx answer
   * carries `body` instead of the message, as a broken proxy or truncated answer would.
   */
  garbleNext(count: number, options?: GarbleOptions): void;
  /** The next `count` requests get 429 with this Retry-After. */
  rateLimitNext(count: number, retryAfterSeconds: number, options?: { webhookId?: string; scope?: RateLimitScope }): void;
  clearFaults(): void;
  /** `pattern` is relative to the API root (`/interactions/:id/:token/callback`); served versioned and not. */
  addRoute(method: string, pattern: string, handler: RouteHandler, options?: RouteOptions): void;
  /** Runs before the HTTP server closes, e.g. to close a WebSocketServer. */
  onClose(hook: () => void | Promise<void>): void;
  /**
   * A forum channel with these tags (by name). A webhook created in it must give `thread_id` or
   * `thread_name` on every execute; `thread_name` creates a post (a thread whose first message
   * has the thread's id).
   */
  createForumChannel(tagNames: readonly string[]): FakeForum;
  /** Copies of the threads (forum posts), in creation order. */
  threads(filter?: { parentId?: string }): FakeThread[];
  /** Someone deleted the thread and its messages: later requests naming it get 404 Unknown Channel. */
  deleteThread(id: string): boolean;
  /**
   * The DM channel the bot opened with this user (POST /users/@me/channels), or undefined. Like
   * Discord, opening it again answers the same channel.
   */
  directMessageChannel(userId: string): string | undefined;
  /** Copies of the messages in the bot's DM channel with this user, in creation order. */
  directMessages(userId: string): StoredMessage[];
  /**
   * From now on the user takes no DMs from the bot (they left every server it shares, or block
   * DMs): the channel still opens, but each message in it gets 403 50007, as on Discord.
   */
  refuseDirectMessages(userId: string): void;
  /** Clears requests, messages, rate-limit windows and pending faults; keeps webhooks and routes. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeForum {
  id: string;
  tags: Array<{ id: string; name: string }>;
}

/**
 * A thread: a forum post created by a webhook's `thread_name`, or a thread the bot started from
 * a message in a text channel (`starterMessageId`, and then the thread has the message's id).
 */
export interface FakeThread {
  id: string;
  parentId: string;
  starterMessageId?: string;
  name: string;
  appliedTags: string[];
  archived: boolean;
  /** How often it was renamed, re-tagged or (un)archived with PATCH /channels/:id. */
  updates: number;
}

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  embedTotal: 6000,
  username: 80,
  components: 5,
  url: 2048,
  mentionIds: 100,
  /** Files on one message. */
  attachments: 10,
  /** All files of one message together; Discord's smallest upload limit (a server without boosts). */
  uploadBytes: 10 * 1024 * 1024,
  attachmentDescription: 1024,
} as const;

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { limit: 5, windowMs: 2000 };
export const DEFAULT_CHANNEL_RATE_LIMIT: RateLimitConfig = { limit: 30, windowMs: 60_000 };

const MAX_COLOR = 0xffffff;
const MENTION_KINDS: readonly MentionKind[] = ['everyone', 'roles', 'users'];

/** Discord's error codes used here. */
export const DiscordErrorCode = {
  unknownChannel: 10003,
  unknownWebhook: 10015,
  threadArchived: 50083,
  cannotMessageUser: 50007,
  forumNeedsThread: 220001,
  threadAlreadyCreated: 160004,
  unknownMessage: 10008,
  emptyMessage: 50006,
  invalidFormBody: 50035,
  invalidJson: 50109,
  requestTooLarge: 40005,
} as const;

/** Discord's limit on a message nonce, in characters. */
export const NONCE_MAX_LENGTH = 25;
export const DEFAULT_NONCE_WINDOW_MS = 120_000;
const GARBLED_BODY = '{"type":0,"channel_id":"';

export function discordError(status: number, code: number, message: string): RouteResponse {
  return { status, body: { message, code } };
}

export function webhookBucketKey(webhookId: string | undefined): string {
  return `webhook:${webhookId ?? ''}`;
}

// ---------------------------------------------------------------------------------------------
// Ids and time
// ---------------------------------------------------------------------------------------------

const DISCORD_EPOCH_MS = 1_420_070_400_000n;
let lastSnowflake = 0n;

/**
 * Uses the real wall clock rather than the injectable one so ids stay 19 digits and strictly
 * increasing even when a test's clock starts at 0.
 */
function nextSnowflake(): string {
  const fresh = (BigInt(Date.now()) - DISCORD_EPOCH_MS) << 22n;
  lastSnowflake = fresh > lastSnowflake ? fresh : lastSnowflake + 1n;
  return lastSnowflake.toString();
}

function randomToken(): string {
  return randomBytes(51).toString('base64url');
}

function discordTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

// ---------------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------------

interface LimitVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms at which the window ends. */
  resetAt: number;
}

/** Fixed windows that start at the first request, which is how Discord's buckets behave. */
class FixedWindowLimiter {
  private readonly windows = new Map<string, { startedAt: number; used: number }>();

  constructor(private readonly config: RateLimitConfig) {}

  /** Counts one request against `key` if the window has room. */
  take(key: string, now: number): LimitVerdict {
    const window = this.currentWindow(key, now);
    const allowed = window.used < this.config.limit;
    if (allowed) window.used += 1;
    return {
      allowed,
      limit: this.config.limit,
      remaining: this.config.limit - window.used,
      resetAt: window.startedAt + this.config.windowMs,
    };
  }

  clear(): void {
    this.windows.clear();
  }

  private currentWindow(key: string, now: number): { startedAt: number; used: number } {
    const existing = this.windows.get(key);
    if (existing && now < existing.startedAt + this.config.windowMs) return existing;
    const fresh = { startedAt: now, used: 0 };
    this.windows.set(key, fresh);
    return fresh;
  }
}

/** Stable, opaque per-bucket string like Discord's. */
function bucketHash(key: string): string {
  return createHash('md5').update(key).digest('hex');
}

function toSeconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function bucketHeaders(verdict: LimitVerdict, key: string, now: number): Record<string, string> {
  return {
    'X-RateLimit-Bucket': bucketHash(key),
    'X-RateLimit-Limit': String(verdict.limit),
    'X-RateLimit-Remaining': String(verdict.remaining),
    'X-RateLimit-Reset': toSeconds(verdict.resetAt),
    'X-RateLimit-Reset-After': toSeconds(verdict.resetAt - now),
  };
}

function rateLimitedResponse(retryAfterMs: number, scope: RateLimitScope): RouteResponse {
  const global = scope === 'global';
  const retryAfterSeconds = Math.ceil(Math.max(0, retryAfterMs)) / 1000;
  const headers: Record<string, string> = {
    // @discordjs/rest only waits on this header (a 429 without it is retried at once), and
    // Discord sends whole seconds here; the exact value is in the body.
    'Retry-After': String(Math.ceil(retryAfterSeconds)),
    'X-RateLimit-Scope': scope,
  };
  // Only sent when true: @discordjs/rest treats the header's mere presence as "global".
  if (global) headers['X-RateLimit-Global'] = 'true';
  return {
    status: 429,
    headers,
    body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global },
  };
}

// ---------------------------------------------------------------------------------------------
// Validation, with Discord's 50035 error shape
// ---------------------------------------------------------------------------------------------

type FieldPath = readonly (string | number)[];

export interface FieldError {
  code: string;
  message: string;
}

/** `{embeds: {'0': {title: {_errors: [...]}}}}`: nested by path, list indexes as keys. */
export interface ErrorTree {
  _errors?: FieldError[];
  [key: string]: ErrorTree | FieldError[] | undefined;
}

interface Issue extends FieldError {
  path: FieldPath;
}

function buildErrorTree(issues: readonly Issue[]): ErrorTree {
  const root: ErrorTree = {};
  for (const { path, code, message } of issues) {
    let node = root;
    for (const segment of path) {
      const key = String(segment);
      const child = node[key];
      if (child === undefined || Array.isArray(child)) {
        const created: ErrorTree = {};
        node[key] = created;
        node = created;
      } else {
        node = child;
      }
    }
    (node._errors ??= []).push({ code, message });
  }
  return root;
}

function invalidFormBody(issues: readonly Issue[]): RouteResponse {
  return {
    status: 400,
    body: { message: 'Invalid Form Body', code: DiscordErrorCode.invalidFormBody, errors: buildErrorTree(issues) },
  };
}

/**
 * Discord's limits count characters, not UTF-16 code units, so lengths are counted in code
 * points: an emoji outside the BMP counts once. (Grapheme clusters such as flags may still
 * count as several, as they do on Discord.)
 */
function charLength(text: string): number {
  return [...text].length;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

function literal(value: unknown): string {
  return JSON.stringify(value);
}

function isMentionKind(value: unknown): value is MentionKind {
  return MENTION_KINDS.some((kind) => kind === value);
}

interface StringRule {
  max: number;
  /** Absent and blank strings are rejected with BASE_TYPE_REQUIRED. */
  required?: boolean;
}

/** Reads untrusted JSON into typed values, collecting Discord-style issues on the way. */
class FormReader {
  readonly issues: Issue[] = [];

  fail(path: FieldPath, code: string, message: string): void {
    this.issues.push({ path, code, message });
  }

  object(value: unknown, path: FieldPath): Record<string, unknown> | undefined {
    if (isRecord(value)) return value;
    this.fail(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return undefined;
  }

  list(value: unknown, path: FieldPath, max: number): unknown[] | undefined {
    if (isAbsent(value)) return undefined;
    if (!Array.isArray(value)) {
      this.fail(path, 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
      return undefined;
    }
    if (value.length > max) this.fail(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    return value as unknown[];
  }

  /** Returns over-long strings too, so the embed total still counts them. */
  string(value: unknown, path: FieldPath, rule: StringRule): string | undefined {
    if (isAbsent(value)) {
      if (rule.required) this.fail(path, 'BASE_TYPE_REQUIRED', 'This field is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(path, 'BASE_TYPE_STRING', `Could not interpret ${literal(value)} as string.`);
      return undefined;
    }
    if (rule.required && value.trim() === '') {
      this.fail(path, 'BASE_TYPE_REQUIRED', 'This field is required');
      return value;
    }
    if (charLength(value) > rule.max) {
      this.fail(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${rule.max} or fewer in length.`);
    }
    return value;
  }

  url(value: unknown, path: FieldPath, options: { required?: boolean; allowAttachment?: boolean } = {}): string | undefined {
    const text = this.string(value, path, { max: DISCORD_LIMITS.url, required: options.required });
    if (text === undefined || text.trim() === '') return undefined;
    let scheme: string;
    try {
      scheme = new URL(text).protocol.slice(0, -1);
    } catch {
      this.fail(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
      return undefined;
    }
    const schemes = options.allowAttachment ? ['http', 'https', 'attachment'] : ['http', 'https'];
    if (!schemes.includes(scheme)) {
      const allowed = schemes.map((s) => `'${s}'`).join(', ');
      this.fail(path, 'URL_TYPE_INVALID_SCHEME', `Scheme "${scheme}" is not supported. Scheme must be one of (${allowed}).`);
    }
    return text;
  }

  boolean(value: unknown, path: FieldPath): boolean | undefined {
    if (isAbsent(value)) return undefined;
    if (typeof value === 'boolean') return value;
    this.fail(path, 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
    return undefined;
  }

  color(value: unknown, path: FieldPath): number | undefined {
    if (isAbsent(value)) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.fail(path, 'NUMBER_TYPE_COERCE', `Value ${literal(value)} is not int.`);
    } else if (value < 0) {
      this.fail(path, 'NUMBER_TYPE_MIN', 'int value should be greater than or equal to 0.');
    } else if (value > MAX_COLOR) {
      this.fail(path, 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${MAX_COLOR}.`);
    } else {
      return value;
    }
    return undefined;
  }

  timestamp(value: unknown, path: FieldPath): string | undefined {
    const text = this.string(value, path, { max: Number.POSITIVE_INFINITY });
    if (text === undefined) return undefined;
    const ms = Date.parse(text);
    if (Number.isNaN(ms)) {
      this.fail(path, 'DATE_TYPE_PARSE', `Could not parse ${text}. Should be ISO8601.`);
      return undefined;
    }
    return discordTimestamp(ms);
  }

  snowflakes(value: unknown, path: FieldPath): string[] | undefined {
    const items = this.list(value, path, DISCORD_LIMITS.mentionIds);
    return items?.flatMap((item, index) => {
      if ((typeof item === 'string' || typeof item === 'number') && /^\d{1,20}$/.test(String(item))) return [String(item)];
      this.fail([...path, index], 'NUMBER_TYPE_COERCE', `Value ${literal(item)} is not snowflake.`);
      return [];
    });
  }
}

/** Drops undefined properties so stored objects look like what Discord returns. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function readField(form: FormReader, raw: unknown, path: FieldPath): EmbedField | undefined {
  const field = form.object(raw, path);
  if (!field) return undefined;
  return {
    name: form.string(field.name, [...path, 'name'], { max: DISCORD_LIMITS.fieldName, required: true }) ?? '',
    value: form.string(field.value, [...path, 'value'], { max: DISCORD_LIMITS.fieldValue, required: true }) ?? '',
    inline: form.boolean(field.inline, [...path, 'inline']) ?? false,
  };
}

function readFooter(form: FormReader, raw: unknown, path: FieldPath): Embed['footer'] {
  if (isAbsent(raw)) return undefined;
  const footer = form.object(raw, path);
  if (!footer) return undefined;
  return compact({
    text: form.string(footer.text, [...path, 'text'], { max: DISCORD_LIMITS.footerText, required: true }) ?? '',
    icon_url: form.url(footer.icon_url, [...path, 'icon_url'], { allowAttachment: true }),
  });
}

function readAuthor(form: FormReader, raw: unknown, path: FieldPath): Embed['author'] {
  if (isAbsent(raw)) return undefined;
  const author = form.object(raw, path);
  if (!author) return undefined;
  return compact({
    name: form.string(author.name, [...path, 'name'], { max: DISCORD_LIMITS.authorName, required: true }) ?? '',
    url: form.url(author.url, [...path, 'url']),
    icon_url: form.url(author.icon_url, [...path, 'icon_url'], { allowAttachment: true }),
  });
}

function readMedia(form: FormReader, raw: unknown, path: FieldPath): { url: string } | undefined {
  if (isAbsent(raw)) return undefined;
  const media = form.object(raw, path);
  if (!media) return undefined;
  const url = form.url(media.url, [...path, 'url'], { required: true, allowAttachment: true });
  return url === undefined ? undefined : { url };
}

function readEmbed(form: FormReader, raw: unknown, path: FieldPath): Embed | undefined {
  const embed = form.object(raw, path);
  if (!embed) return undefined;
  const fields = form
    .list(embed.fields, [...path, 'fields'], DISCORD_LIMITS.fields)
    ?.map((field, index) => readField(form, field, [...path, 'fields', index]))
    .filter((field): field is EmbedField => field !== undefined);
  return compact<Embed>({
    // Discord ignores the type a webhook sends and stores rich embeds.
    type: 'rich',
    title: form.string(embed.title, [...path, 'title'], { max: DISCORD_LIMITS.title }),
    description: form.string(embed.description, [...path, 'description'], { max: DISCORD_LIMITS.description }),
    url: form.url(embed.url, [...path, 'url']),
    timestamp: form.timestamp(embed.timestamp, [...path, 'timestamp']),
    color: form.color(embed.color, [...path, 'color']),
    fields,
    footer: readFooter(form, embed.footer, [...path, 'footer']),
    author: readAuthor(form, embed.author, [...path, 'author']),
    image: readMedia(form, embed.image, [...path, 'image']),
    thumbnail: readMedia(form, embed.thumbnail, [...path, 'thumbnail']),
  });
}

/** The characters Discord counts towards the 6000 shared by all embeds of a message. */
function embedSize(embed: Embed): number {
  const texts = [
    embed.title,
    embed.description,
    embed.footer?.text,
    embed.author?.name,
    ...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
  ];
  return texts.reduce((sum, text) => sum + (text === undefined ? 0 : charLength(text)), 0);
}

function readEmbeds(form: FormReader, raw: unknown): Embed[] | undefined {
  const items = form.list(raw, ['embeds'], DISCORD_LIMITS.embeds);
  if (items === undefined) return undefined;
  const embeds = items
    .map((item, index) => readEmbed(form, item, ['embeds', index]))
    .filter((embed): embed is Embed => embed !== undefined);
  const total = embeds.reduce((sum, embed) => sum + embedSize(embed), 0);
  if (total > DISCORD_LIMITS.embedTotal) {
    form.fail(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${DISCORD_LIMITS.embedTotal}`);
  }
  return embeds;
}

function readAllowedMentions(form: FormReader, raw: unknown): AllowedMentions | undefined {
  if (isAbsent(raw)) return undefined;
  const path = ['allowed_mentions'];
  const input = form.object(raw, path);
  if (!input) return undefined;
  const parse = form.list(input.parse, [...path, 'parse'], MENTION_KINDS.length)?.flatMap((kind, index) => {
    if (isMentionKind(kind)) return [kind];
    form.fail([...path, 'parse', index], 'BASE_TYPE_CHOICES', "Value must be one of {'everyone', 'roles', 'users'}.");
    return [];
  });
  const mentions = compact<AllowedMentions>({
    parse,
    users: form.snowflakes(input.users, [...path, 'users']),
    roles: form.snowflakes(input.roles, [...path, 'roles']),
    replied_user: form.boolean(input.replied_user, [...path, 'replied_user']),
  });
  for (const kind of ['users', 'roles'] as const) {
    if (parse?.includes(kind) && (mentions[kind]?.length ?? 0) > 0) {
      form.fail(path, 'ALLOWED_MENTIONS_PARSE_EXCLUSIVE', `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`);
    }
  }
  return mentions;
}

function readUsername(form: FormReader, raw: unknown): string | undefined {
  const username = form.string(raw, ['username'], { max: Number.POSITIVE_INFINITY });
  if (username === undefined) return undefined;
  const length = charLength(username.trim());
  if (length < 1 || length > DISCORD_LIMITS.username) {
    form.fail(['username'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${DISCORD_LIMITS.username} in length.`);
  }
  for (const banned of ['discord', 'clyde']) {
    if (username.toLowerCase().includes(banned)) {
      form.fail(['username'], 'USERNAME_INVALID_CONTAINS', `Username cannot contain "${banned}"`);
    }
  }
  return username;
}

/** A validated message body. Undefined keeps the current value on edit; null inputs clear it. */
interface MessageDraft {
  /** `attachments` as sent: undefined keeps an edited message's files. */
  attachments?: AttachmentRef[];
  content?: string;
  username?: string;
  avatarUrl?: string;
  embeds?: Embed[];
  components?: unknown[];
  allowedMentions?: AllowedMentions;
}

type DraftKind = 'execute' | 'edit';

function readDraft(form: FormReader, body: Record<string, unknown>, kind: DraftKind): MessageDraft {
  const clearsOnNull = <T>(value: unknown, empty: T): T | undefined => (kind === 'edit' && value === null ? empty : undefined);
  const draft: MessageDraft = {
    content: form.string(body.content, ['content'], { max: DISCORD_LIMITS.content }) ?? clearsOnNull(body.content, ''),
    embeds: readEmbeds(form, body.embeds) ?? clearsOnNull(body.embeds, []),
    components: form.list(body.components, ['components'], DISCORD_LIMITS.components) ?? clearsOnNull(body.components, []),
    allowedMentions: readAllowedMentions(form, body.allowed_mentions),
    attachments: readAttachmentRefs(form, body.attachments),
  };
  // Edits cannot change the author.
  if (kind === 'execute') {
    draft.username = readUsername(form, body.username);
    draft.avatarUrl = form.url(body.avatar_url, ['avatar_url']);
  }
  return compact(draft);
}

interface AttachmentRef {
  /** The n of an uploaded `files[n]`, or the id of an attachment the message already has. */
  id: string;
  filename?: string;
  description?: string;
}

function readAttachmentRefs(form: FormReader, raw: unknown): AttachmentRef[] | undefined {
  const items = form.list(raw, ['attachments'], DISCORD_LIMITS.attachments);
  return items?.flatMap((item, index) => {
    const path = ['attachments', index];
    const ref = form.object(item, path);
    if (!ref) return [];
    if ((typeof ref.id !== 'string' && typeof ref.id !== 'number') || String(ref.id) === '') {
      form.fail([...path, 'id'], 'BASE_TYPE_REQUIRED', 'This field is required');
      return [];
    }
    return [
      compact<AttachmentRef>({
        id: String(ref.id),
        filename: form.string(ref.filename, [...path, 'filename'], { max: 1024 }),
        description: form.string(ref.description, [...path, 'description'], { max: DISCORD_LIMITS.attachmentDescription }),
      }),
    ];
  });
}

/**
 * The files a message carries after this request, and its embeds with every `attachment://name`
 * replaced by that file's URL. New files are `files[n]`, listed in `attachments` by `id: n` (all
 * of them when there is no list); on an edit the list also names the files to keep by their id,
 * and without a list every file stays. A name that is no file of the message is an error.
 */
function resolveAttachments(
  form: FormReader,
  refs: AttachmentRef[] | undefined,
  uploads: readonly UploadedFile[],
  existing: readonly StoredAttachment[],
  embeds: Embed[] | undefined,
  channelId: string,
): { attachments: StoredAttachment[]; embeds: Embed[] | undefined } {
  const stored = (upload: UploadedFile, ref: AttachmentRef | undefined): StoredAttachment => {
    const id = nextSnowflake();
    const filename = ref?.filename ?? upload.filename;
    return {
      id,
      filename,
      contentType: upload.contentType,
      size: upload.data.length,
      description: ref?.description ?? null,
      url: `https://cdn.discordapp.com/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
      data: upload.data,
    };
  };
  let attachments: StoredAttachment[];
  if (refs === undefined) {
    attachments = [...existing, ...uploads.map((upload) => stored(upload, undefined))];
  } else {
    attachments = refs.flatMap((ref, index) => {
      const kept = existing.find((attachment) => attachment.id === ref.id);
      if (kept) return [kept];
      const upload = uploads.find((file) => String(file.index) === ref.id);
      if (upload) return [stored(upload, ref)];
      form.fail(['attachments', index, 'id'], 'ATTACHMENT_NOT_FOUND', `No file files[${ref.id}] was uploaded and the message has no attachment ${ref.id}.`);
      return [];
    });
  }
  if (attachments.length > DISCORD_LIMITS.attachments) {
    form.fail(['attachments'], 'BASE_TYPE_MAX_LENGTH', `Must be ${DISCORD_LIMITS.attachments} or fewer in length.`);
  }
  const byName = new Map(attachments.map((attachment) => [attachment.filename, attachment.url]));
  const resolve = (url: string | undefined, path: FieldPath): string | undefined => {
    if (url === undefined || !url.startsWith('attachment://')) return url;
    const found = byName.get(url.slice('attachment://'.length));
    if (found === undefined) form.fail(path, 'ATTACHMENT_NOT_FOUND', `${url} names no file of this message.`);
    return found ?? url;
  };
  const resolved = embeds?.map((embed, index) =>
    compact<Embed>({
      ...embed,
      image: embed.image && { url: resolve(embed.image.url, ['embeds', index, 'image', 'url']) ?? '' },
      thumbnail: embed.thumbnail && { url: resolve(embed.thumbnail.url, ['embeds', index, 'thumbnail', 'url']) ?? '' },
      footer: embed.footer && compact({ ...embed.footer, icon_url: resolve(embed.footer.icon_url, ['embeds', index, 'footer', 'icon_url']) }),
      author: embed.author && compact({ ...embed.author, icon_url: resolve(embed.author.icon_url, ['embeds', index, 'author', 'icon_url']) }),
    }),
  );
  return { attachments, embeds: resolved };
}

/**
 * The files of a message body from another module's route (an interaction's answer): its
 * `attachments` and `files[n]` checked as for a message, every `attachment://` in its embeds
 * resolved. `existing` are the files an edited message has so far.
 */
export function messageFiles(
  body: Record<string, unknown>,
  uploads: readonly UploadedFile[],
  existing: readonly StoredAttachment[],
  channelId: string,
): { ok: true; attachments: StoredAttachment[]; embeds: Embed[] | undefined } | { ok: false; response: RouteResponse } {
  const form = new FormReader();
  const embeds = readEmbeds(form, body.embeds);
  const resolved = resolveAttachments(form, readAttachmentRefs(form, body.attachments), uploads, existing, embeds, channelId);
  return form.issues.length > 0 ? { ok: false, response: invalidFormBody(form.issues) } : { ok: true, ...resolved };
}

/** A nonce is a string or an integer of up to 25 characters. */
function readNonce(form: FormReader, value: unknown): string | number | null {
  if (isAbsent(value)) return null;
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (String(value).length > NONCE_MAX_LENGTH) form.fail(['nonce'], 'BASE_TYPE_MAX_LENGTH', `Must be ${NONCE_MAX_LENGTH} or fewer in length.`);
    return value;
  }
  return form.string(value, ['nonce'], { max: NONCE_MAX_LENGTH }) ?? null;
}

/** Discord treats whitespace-only content as no content; a file alone is a message. */
function isEmptyMessage(content: string, embeds: readonly Embed[], files = 0): boolean {
  return content.trim() === '' && embeds.length === 0 && files === 0;
}

function emptyMessageError(): RouteResponse {
  return discordError(400, DiscordErrorCode.emptyMessage, 'Cannot send an empty message');
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

function uniqueMatches(text: string, pattern: RegExp): string[] {
  return [...new Set([...text.matchAll(pattern)].map((match) => match[1] ?? ''))];
}

/**
 * Who a webhook message pings. Without `allowed_mentions` webhooks parse users only; a role
 * pings only when listed (or parsed) and mentioned in `content`.
 */
function resolveMentions(
  content: string,
  allowed: AllowedMentions | null,
): Pick<StoredMessage, 'mentionUsers' | 'mentionRoles' | 'mentionEveryone'> {
  const parse: readonly MentionKind[] = allowed ? (allowed.parse ?? []) : ['users'];
  const pick = (kind: 'users' | 'roles', ids: string[]): string[] =>
    parse.includes(kind) ? ids : ids.filter((id) => allowed?.[kind]?.includes(id));
  return {
    mentionUsers: pick('users', uniqueMatches(content, /<@!?(\d+)>/g)),
    mentionRoles: pick('roles', uniqueMatches(content, /<@&(\d+)>/g)),
    mentionEveryone: parse.includes('everyone') && /@(everyone|here)\b/.test(content),
  };
}

function componentsFor(webhook: FakeWebhook, components: unknown[]): unknown[] {
  // Discord silently drops components sent through webhooks no application owns.
  return webhook.applicationId === null ? [] : components;
}

function toApiMessage(message: StoredMessage, webhook: FakeWebhook | undefined): Record<string, unknown> {
  return {
    id: message.id,
    type: 0,
    channel_id: message.channelId,
    webhook_id: message.webhookId,
    ...(webhook?.applicationId ? { application_id: webhook.applicationId } : {}),
    author: {
      id: message.webhookId,
      username: message.username,
      avatar: null,
      discriminator: '0000',
      global_name: null,
      bot: true,
    },
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    attachments: message.attachments.map(({ data: _data, ...attachment }) => ({ ...attachment, proxy_url: attachment.url })),
    mentions: message.mentionUsers.map((id) => ({ id, username: `user-${id}`, discriminator: '0', global_name: null, avatar: null })),
    mention_roles: message.mentionRoles,
    mention_everyone: message.mentionEveryone,
    pinned: false,
    tts: false,
    flags: 0,
    timestamp: discordTimestamp(message.createdAt),
    edited_timestamp: message.editedAt === null ? null : discordTimestamp(message.editedAt),
  };
}

/** The answer to a create: the message, and the nonce it was sent with (only ever shown here). */
function toCreatedMessage(message: StoredMessage, webhook: FakeWebhook): Record<string, unknown> {
  return { ...toApiMessage(message, webhook), ...(message.nonce === null ? {} : { nonce: message.nonce }) };
}

function toApiWebhook(webhook: FakeWebhook): Record<string, unknown> {
  return {
    id: webhook.id,
    type: webhook.applicationId === null ? 1 : 3,
    name: webhook.name,
    avatar: null,
    channel_id: webhook.channelId,
    guild_id: webhook.guildId,
    application_id: webhook.applicationId,
    token: webhook.token,
  };
}

// ---------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  handler: RouteHandler;
  bucket: ((params: Record<string, string>) => string) | false;
}

type Match = { route: Route; params: Record<string, string> };

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const actual = path[index] ?? '';
    if (expected.startsWith(':')) params[expected.slice(1)] = decodeURIComponent(actual);
    else if (expected !== actual) return undefined;
  }
  return params;
}

/** `/api/v10/x` and `/api/x` both give `/x`; anything outside the API gives undefined. */
function apiRelativePath(pathname: string): string | undefined {
  return /^\/api(?:\/v(?:9|10))?(\/.*)$/.exec(pathname)?.[1];
}

function webhookIdInPath(relativePath: string | undefined): string | undefined {
  return relativePath === undefined ? undefined : /^\/webhooks\/([^/]+)/.exec(relativePath)?.[1];
}

/** What the request log shows: parsed JSON, else the raw text. */
function recordedBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

type BodyOutcome = { ok: true; value: Record<string, unknown> } | { ok: false; response: RouteResponse };

function readJsonObject(context: RouteContext): BodyOutcome {
  if (context.rawBody === '') return { ok: true, value: {} };
  if (isRecord(context.body)) return { ok: true, value: context.body };
  return { ok: false, response: discordError(400, DiscordErrorCode.invalidJson, 'The request body contains invalid JSON.') };
}

function readRequestBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
    request.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

type MultipartOutcome = { ok: true; payloadJson: string; files: UploadedFile[] } | { ok: false; response: RouteResponse };

/**
 * A multipart body as Discord reads it: the JSON in `payload_json`, files in `files[n]` parts.
 * Parsed by the platform's own form-data reader (undici's), not by hand.
 */
async function readMultipart(body: Buffer, contentType: string): Promise<MultipartOutcome> {
  let form: FormData;
  try {
    form = await new Request('http://fake-discord/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
  } catch {
    return { ok: false, response: discordError(400, DiscordErrorCode.invalidFormBody, 'Invalid Form Body') };
  }
  const files: UploadedFile[] = [];
  let size = 0;
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') continue;
    const index = field.startsWith('files[') && field.endsWith(']') ? Number(field.slice('files['.length, -1)) : Number.NaN;
    if (!Number.isInteger(index) || index < 0) continue;
    const data = Buffer.from(await value.arrayBuffer());
    size += data.length;
    files.push({ field, index, filename: value.name, contentType: value.type || 'application/octet-stream', data });
  }
  if (size > DISCORD_LIMITS.uploadBytes) return { ok: false, response: { status: 413, body: { message: 'Request entity too large', code: DiscordErrorCode.requestTooLarge } } };
  if (files.length > DISCORD_LIMITS.attachments) {
    return { ok: false, response: invalidFormBody([{ path: ['attachments'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${DISCORD_LIMITS.attachments} or fewer in length.` }]) };
  }
  const payload = form.get('payload_json');
  return { ok: true, payloadJson: typeof payload === 'string' ? payload : '', files };
}

function sendResponse(response: ServerResponse, answer: RouteResponse): void {
  if (response.destroyed || response.headersSent) return;
  if (answer.body === undefined) {
    response.writeHead(answer.status, answer.headers);
    response.end();
    return;
  }
  const isText = typeof answer.body === 'string';
  const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  response.writeHead(answer.status, {
    'Content-Type': isText ? 'text/html; charset=utf-8' : 'application/json',
    'Content-Length': String(Buffer.byteLength(payload)),
    ...answer.headers,
  });
  response.end(payload);
}

function withHeaders(answer: RouteResponse, headers: Record<string, string>): RouteResponse {
  return { ...answer, headers: { ...headers, ...answer.headers } };
}

// ---------------------------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------------------------

type FaultAction =
  | { kind: 'fail'; status: number; body?: unknown; retryAfter?: number }
  | { kind: 'hang' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'garble'; body: string }
  | { kind: 'rateLimit'; retryAfterSeconds: number; scope: RateLimitScope };

interface PendingFault extends FaultTarget {
  remaining: number;
  action: FaultAction;
}

function channelIdInPath(relativePath: string | undefined): string | undefined {
  const match = /^\/channels\/(\d+)(?:\/|$)/.exec(relativePath ?? '');
  return match?.[1];
}

function failResponse(action: Extract<FaultAction, { kind: 'fail' }>): RouteResponse {
  const body = action.body ?? { message: STATUS_CODES[action.status] ?? 'Error', code: 0 };
  // A 429 without Retry-After makes @discordjs/rest retry at once, which no real 429 does.
  const retryAfter = action.retryAfter ?? (action.status === 429 ? 1 : undefined);
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(Math.ceil(retryAfter)) };
  return { status: action.status, body, headers };
}

function forcedRateLimitResponse(action: Extract<FaultAction, { kind: 'rateLimit' }>, webhookId: string | undefined): RouteResponse {
  const answer = rateLimitedResponse(action.retryAfterSeconds * 1000, action.scope);
  if (webhookId === undefined) return answer;
  const key = webhookBucketKey(webhookId);
  return withHeaders(answer, {
    'X-RateLimit-Bucket': bucketHash(key),
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset-After': action.retryAfterSeconds.toFixed(3),
  });
}

// ---------------------------------------------------------------------------------------------
// Stats
// ---------------------------------------------------------------------------------------------

function emptyCounts(): StatusCounts {
  return { total: 0, ok: 0, clientErrors: 0, rateLimited: 0, serverErrors: 0 };
}

function countStatus(counts: StatusCounts, status: number): void {
  counts.total += 1;
  if (status === 429) counts.rateLimited += 1;
  else if (status >= 500) counts.serverErrors += 1;
  else if (status >= 400) counts.clientErrors += 1;
  else if (status >= 200 && status < 300) counts.ok += 1;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

class FakeDiscordServer implements FakeDiscord {
  readonly server: Server;
  readonly requests: RecordedRequest[] = [];
  port = 0;

  private readonly clock: () => number;
  private readonly bucketLimiter: FixedWindowLimiter;
  private readonly channelLimiter: FixedWindowLimiter | undefined;
  private readonly globalLimiter: FixedWindowLimiter | undefined;
  private readonly guildId = nextSnowflake();
  private readonly webhooks = new Map<string, FakeWebhook>();
  private readonly botPosters = new Map<string, FakeWebhook>();
  /** Map order is insertion order, and replacing a key keeps its place: creation order. */
  private readonly store = new Map<string, StoredMessage>();
  private readonly forums = new Map<string, FakeForum>();
  private readonly threadsById = new Map<string, FakeThread>();
  /** Threads someone deleted: the bot's requests naming them get 404 Unknown Channel. */
  private readonly deletedThreads = new Set<string>();
  /** The bot's DM channels: by recipient, and the recipient of each. */
  private readonly dmChannels = new Map<string, string>();
  private readonly dmRecipients = new Map<string, string>();
  private readonly refusingDms = new Set<string>();
  private readonly builtinRoutes: Route[] = [];
  private readonly extraRoutes: Route[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly closeHooks: (() => void | Promise<void>)[] = [];
  private closing: Promise<void> | undefined;
  private readonly nonceWindowMs: number;
  /** Messages created with `enforce_nonce`, by author and nonce: `${token} ${nonce}`. */
  private readonly nonces = new Map<string, { messageId: string; at: number }>();
  /** Requests held by `slowNext`, dropped on close. */
  private readonly slowTimers = new Set<NodeJS.Timeout>();

  constructor(options: FakeDiscordOptions) {
    this.clock = options.now ?? Date.now;
    this.nonceWindowMs = options.nonceWindowMs ?? DEFAULT_NONCE_WINDOW_MS;
    this.bucketLimiter = new FixedWindowLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
    const channelLimit = options.channelRateLimit ?? DEFAULT_CHANNEL_RATE_LIMIT;
    this.channelLimiter = channelLimit === false ? undefined : new FixedWindowLimiter(channelLimit);
    this.globalLimiter = options.globalRateLimit ? new FixedWindowLimiter(options.globalRateLimit) : undefined;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        sendResponse(response, { status: 500, body: { message: `fake-discord: ${String(error)}`, code: 0 } });
      });
    });
    this.registerBuiltinRoutes();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get apiBase(): string {
    return `${this.url}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  now(): number {
    return this.clock();
  }

  // --- webhooks and messages --------------------------------------------------------------

  createWebhook(options: CreateWebhookOptions = {}): FakeWebhook {
    const id = options.id ?? nextSnowflake();
    const token = options.token ?? randomToken();
    const webhook: FakeWebhook = {
      id,
      token,
      channelId: options.channelId ?? nextSnowflake(),
      guildId: options.guildId ?? this.guildId,
      name: options.name ?? 'amcord test webhook',
      applicationId: options.applicationId ?? null,
      url: `${this.apiBase}/webhooks/${id}/${token}`,
    };
    this.webhooks.set(id, webhook);
    return { ...webhook };
  }

  deleteWebhook(id: string): boolean {
    return this.webhooks.delete(id);
  }

  getWebhook(id: string): FakeWebhook | undefined {
    const webhook = this.webhooks.get(id);
    return webhook && { ...webhook };
  }

  createForumChannel(tagNames: readonly string[]): FakeForum {
    const forum: FakeForum = { id: nextSnowflake(), tags: tagNames.map((name) => ({ id: nextSnowflake(), name })) };
    this.forums.set(forum.id, forum);
    return structuredClone(forum);
  }

  threads(filter: { parentId?: string } = {}): FakeThread[] {
    return [...this.threadsById.values()].filter((thread) => filter.parentId === undefined || thread.parentId === filter.parentId).map((thread) => structuredClone(thread));
  }

  deleteThread(id: string): boolean {
    for (const message of this.store.values()) if (message.channelId === id) this.store.delete(message.id);
    const deleted = this.threadsById.delete(id);
    if (deleted) this.deletedThreads.add(id);
    return deleted;
  }

  directMessageChannel(userId: string): string | undefined {
    return this.dmChannels.get(userId);
  }

  directMessages(userId: string): StoredMessage[] {
    const channelId = this.dmChannels.get(userId);
    return channelId === undefined ? [] : this.messages({ channelId });
  }

  refuseDirectMessages(userId: string): void {
    this.refusingDms.add(userId);
  }

  messages(filter: MessageFilter = {}): StoredMessage[] {
    return [...this.store.values()]
      .filter((message) => filter.webhookId === undefined || message.webhookId === filter.webhookId)
      .filter((message) => filter.channelId === undefined || message.channelId === filter.channelId)
      .map((message) => structuredClone(message));
  }

  postMessage(webhookId: string, body: unknown): PostOutcome {
    const webhook = this.webhooks.get(webhookId);
    if (!webhook) return { ok: false, response: unknownWebhook() };
    if (!isRecord(body)) return { ok: false, response: discordError(400, DiscordErrorCode.invalidJson, 'The request body contains invalid JSON.') };
    const checked = checkNewMessage(body, [], webhook.channelId);
    if (!checked.ok) return checked;
    return { ok: true, message: structuredClone(this.storeNewMessage(webhook, checked.draft, checked.attachments)) };
  }

  // --- records -----------------------------------------------------------------------------

  stats(): FakeDiscordStats {
    const stats: FakeDiscordStats = { totals: emptyCounts(), byWebhook: {}, invalidRequests: 0 };
    for (const { status, webhookId } of this.requests) {
      if (status === undefined) continue;
      countStatus(stats.totals, status);
      if (webhookId !== undefined) countStatus((stats.byWebhook[webhookId] ??= emptyCounts()), status);
      if (status === 401 || status === 403 || status === 429) stats.invalidRequests += 1;
    }
    return stats;
  }

  reset(): void {
    this.requests.length = 0;
    this.store.clear();
    this.threadsById.clear();
    this.deletedThreads.clear();
    this.faults.length = 0;
    this.nonces.clear();
    this.bucketLimiter.clear();
    this.channelLimiter?.clear();
    this.globalLimiter?.clear();
  }

  // --- faults ------------------------------------------------------------------------------

  failNext(count: number, fault: FailFault): void {
    const { webhookId, channelId, ...action } = fault;
    this.addFault(count, { webhookId, channelId }, { kind: 'fail', ...action });
  }

  hangNext(count: number, options: FaultTarget = {}): void {
    this.addFault(count, options, { kind: 'hang' });
  }

  slowNext(count: number, delayMs: number, options: FaultTarget = {}): void {
    this.addFault(count, options, { kind: 'slow', delayMs });
  }

  garbleNext(count: number, options: GarbleOptions = {}): void {
    const { body = GARBLED_BODY, ...target } = options;
    this.addFault(count, target, { kind: 'garble', body });
  }

  rateLimitNext(count: number, retryAfterSeconds: number, options: { webhookId?: string; scope?: RateLimitScope } = {}): void {
    this.addFault(count, { webhookId: options.webhookId }, { kind: 'rateLimit', retryAfterSeconds, scope: options.scope ?? 'user' });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  // --- extension points --------------------------------------------------------------------

  addRoute(method: string, pattern: string, handler: RouteHandler, options: RouteOptions = {}): void {
    this.extraRoutes.push(makeRoute(method, pattern, handler, options));
  }

  onClose(hook: () => void | Promise<void>): void {
    this.closeHooks.push(hook);
  }

  // --- lifecycle ---------------------------------------------------------------------------

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    for (const timer of this.slowTimers) clearTimeout(timer);
    this.slowTimers.clear();
    for (const hook of this.closeHooks) await hook();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Also ends keep-alive sockets and requests held by hangNext, so close() is prompt.
      this.server.closeAllConnections();
    });
  }

  // --- request handling --------------------------------------------------------------------

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const bytes = await readRequestBody(request);
    const contentType = String(request.headers['content-type'] ?? '');
    const multipart = contentType.startsWith('multipart/form-data') ? await readMultipart(bytes, contentType) : undefined;
    const rawBody = multipart?.ok ? multipart.payloadJson : bytes.toString('utf8');
    const files = multipart?.ok ? multipart.files : [];
    const relativePath = apiRelativePath(url.pathname);
    const record: RecordedRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body: recordedBody(rawBody),
      ...(multipart?.ok ? { files } : {}),
      status: undefined,
      at: this.now(),
      webhookId: webhookIdInPath(relativePath),
    };
    this.requests.push(record);

    const fault = this.takeFault(record.webhookId, channelIdInPath(relativePath));
    if (fault?.kind === 'hang') {
      record.hung = true;
      return; // answered never; close() destroys the socket
    }
    if (fault?.kind === 'slow') {
      // Handled later whether or not the client is still there, as a server busy with it would.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.slowTimers.delete(timer);
          resolve();
        }, fault.delayMs);
        this.slowTimers.add(timer);
      });
      if (this.closing) return;
    }

    let answer: RouteResponse;
    if (fault?.kind === 'fail') answer = failResponse(fault);
    else if (fault?.kind === 'rateLimit') answer = forcedRateLimitResponse(fault, record.webhookId);
    else if (multipart && !multipart.ok) answer = multipart.response;
    else {
      const context: RouteContext = {
        method: record.method,
        path: relativePath ?? url.pathname,
        params: {},
        query: url.searchParams,
        headers: request.headers,
        body: parseBody(rawBody),
        rawBody,
        files,
      };
      answer = await this.route(context, record);
    }
    if (fault?.kind === 'garble' && answer.status >= 200 && answer.status < 300) {
      answer = { status: answer.status, body: fault.body, headers: { ...answer.headers, 'Content-Type': 'application/json' } };
    }
    record.status = answer.status;
    sendResponse(response, answer);
  }

  private async route(context: RouteContext, record: RecordedRequest): Promise<RouteResponse> {
    const match = this.findRoute(context);
    if (match === undefined) return discordError(404, 0, '404: Not Found');
    if (match === 'wrong-method') return discordError(405, 0, '405: Method Not Allowed');
    record.route = `${match.route.method} ${match.route.pattern}`;
    context.params = match.params;

    const now = this.now();
    const global = this.globalLimiter?.take('global', now);
    if (global && !global.allowed) return rateLimitedResponse(global.resetAt - now, 'global');

    if (match.route.bucket === false) return match.route.handler(context);
    const key = match.route.bucket(match.params);
    const verdict = this.bucketLimiter.take(key, now);
    const headers = bucketHeaders(verdict, key, now);
    if (!verdict.allowed) return withHeaders(rateLimitedResponse(verdict.resetAt - now, 'user'), headers);
    return withHeaders(await match.route.handler(context), headers);
  }

  private findRoute(context: RouteContext): Match | 'wrong-method' | undefined {
    const segments = splitPath(context.path);
    let pathMatched = false;
    for (const route of [...this.extraRoutes, ...this.builtinRoutes]) {
      const params = matchSegments(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === context.method) return { route, params };
      pathMatched = true;
    }
    return pathMatched ? 'wrong-method' : undefined;
  }

  private addFault(count: number, target: FaultTarget, action: FaultAction): void {
    if (count > 0) this.faults.push({ remaining: count, webhookId: target.webhookId, channelId: target.channelId, action });
  }

  /** Faults are consumed in the order they were added, each by the requests it applies to. */
  private takeFault(webhookId: string | undefined, channelId: string | undefined): FaultAction | undefined {
    const applies = (fault: PendingFault): boolean =>
      (fault.webhookId === undefined || fault.webhookId === webhookId) && (fault.channelId === undefined || fault.channelId === channelId);
    const index = this.faults.findIndex(applies);
    const fault = this.faults[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.splice(index, 1);
    return fault.action;
  }

  // --- built-in routes ---------------------------------------------------------------------

  private registerBuiltinRoutes(): void {
    const webhookBucket = { bucket: (params: Record<string, string>) => webhookBucketKey(params.id) };
    const add = (method: string, pattern: string, handler: RouteHandler, options: RouteOptions = {}): void => {
      this.builtinRoutes.push(makeRoute(method, pattern, handler, options));
    };
    add('GET', '/gateway', () => ({ status: 200, body: { url: this.gatewayUrl } }));
    add('GET', '/gateway/bot', (context) => this.gatewayBot(context));
    add('GET', '/webhooks/:id/:token', this.forWebhook((_, webhook) => ({ status: 200, body: toApiWebhook(webhook) })), webhookBucket);
    add('DELETE', '/webhooks/:id/:token', this.forWebhook((_, webhook) => this.removeWebhook(webhook)), webhookBucket);
    add('POST', '/webhooks/:id/:token', this.forWebhook((context, webhook) => this.executeWebhook(context, webhook)), webhookBucket);
    const messagePath = '/webhooks/:id/:token/messages/:messageId';
    add('GET', messagePath, this.forMessage((_, webhook, message) => ({ status: 200, body: toApiMessage(message, webhook) })), webhookBucket);
    add('PATCH', messagePath, this.forMessage((context, webhook, message) => this.editInThread(context, webhook, message)), webhookBucket);
    add('DELETE', messagePath, this.forMessage((_, __, message) => this.removeMessage(message)), webhookBucket);
    // The bot posting in a channel: stored like an application-owned webhook's messages, so
    // components (buttons) are kept and messages(channelId) finds them.
    const channelBucket = { bucket: (params: Record<string, string>) => `channel:${params.channelId ?? ''}` };
    add('POST', '/users/@me/channels', this.asBot((context) => this.openDirectMessage(context)));
    add(
      'POST',
      '/channels/:channelId/messages',
      this.asBot((context, poster) => {
        const recipient = this.dmRecipients.get(context.params.channelId ?? '');
        if (recipient !== undefined && this.refusingDms.has(recipient)) return discordError(403, DiscordErrorCode.cannotMessageUser, 'Cannot send messages to this user');
        if (this.deletedThreads.has(context.params.channelId ?? '')) return discordError(404, DiscordErrorCode.unknownChannel, 'Unknown Channel');
        const answer = this.createMessage(context, poster);
        // Like Discord, a message in an archived thread unarchives it.
        const thread = this.threadsById.get(context.params.channelId ?? '');
        if (thread && answer.status < 300) thread.archived = false;
        return answer;
      }),
      channelBucket,
    );
    add('POST', '/channels/:channelId/messages/:messageId/threads', this.asBot((context) => this.startThread(context)), {
      bucket: (params) => `threads:${params.channelId ?? ''}`,
    });
    add(
      'PATCH',
      '/channels/:channelId/messages/:messageId',
      this.asBot((context, poster) => {
        const message = this.store.get(context.params.messageId ?? '');
        if (!message || message.webhookId !== poster.id) return discordError(404, DiscordErrorCode.unknownMessage, 'Unknown Message');
        return this.edit(context, poster, message);
      }),
      channelBucket,
    );
    // Renaming, re-tagging and archiving a thread: the bot's (Manage Threads), never a webhook's.
    add(
      'PATCH',
      '/channels/:channelId',
      this.asBot((context) => this.updateThread(context)),
      channelBucket,
    );
    add(
      'DELETE',
      '/channels/:channelId/messages/:messageId',
      this.asBot((context, poster) => {
        const message = this.store.get(context.params.messageId ?? '');
        if (!message || message.webhookId !== poster.id) return discordError(404, DiscordErrorCode.unknownMessage, 'Unknown Message');
        return this.removeMessage(message);
      }),
      channelBucket,
    );
  }

  /**
   * Create DM: `recipient_id` (a snowflake) is required; the bot gets one DM channel per user,
   * the same one every time. Whether the user takes DMs is only known when a message is sent.
   */
  private openDirectMessage(context: RouteContext): RouteResponse {
    const body = readJsonObject(context);
    if (!body.ok) return body.response;
    const raw = body.value.recipient_id;
    if (raw === undefined) return invalidFormBody([{ path: ['recipient_id'], code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }]);
    if (!((typeof raw === 'string' || typeof raw === 'number') && /^\d{1,20}$/.test(String(raw)))) {
      return invalidFormBody([{ path: ['recipient_id'], code: 'NUMBER_TYPE_COERCE', message: `Value ${literal(raw)} is not snowflake.` }]);
    }
    const recipient = String(raw);
    let channelId = this.dmChannels.get(recipient);
    if (channelId === undefined) {
      channelId = nextSnowflake();
      this.dmChannels.set(recipient, channelId);
      this.dmRecipients.set(channelId, recipient);
    }
    return {
      status: 200,
      body: { id: channelId, type: 1, last_message_id: null, flags: 0, recipients: [{ id: recipient, username: `user${recipient.slice(-4)}`, discriminator: '0', global_name: null, avatar: null }] },
    };
  }

  /** The bot's own "poster" per channel; needs a bot token, as Discord's channel routes do. */
  private asBot(handler: (context: RouteContext, poster: FakeWebhook) => RouteResponse): RouteHandler {
    return (context) => {
      if (!(context.headers.authorization ?? '').startsWith('Bot ')) return discordError(401, 0, '401: Unauthorized');
      const channelId = context.params.channelId ?? '';
      let poster = this.botPosters.get(channelId);
      if (!poster) {
        const id = nextSnowflake();
        poster = { id, token: '', channelId, guildId: this.guildId, name: 'amcord bot', applicationId: 'bot', url: '' };
        this.botPosters.set(channelId, poster);
      }
      return handler(context, poster);
    };
  }

  private gatewayBot(context: RouteContext): RouteResponse {
    const authorization = context.headers.authorization ?? '';
    if (!authorization.startsWith('Bot ')) return discordError(401, 0, '401: Unauthorized');
    return {
      status: 200,
      body: {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
      },
    };
  }

  /** Resolves `:id`/`:token` to a live webhook; a wrong token looks the same as no webhook. */
  private forWebhook(handler: (context: RouteContext, webhook: FakeWebhook) => RouteResponse): RouteHandler {
    return (context) => {
      const webhook = this.webhooks.get(context.params.id ?? '');
      if (!webhook || webhook.token !== context.params.token) return unknownWebhook();
      return handler(context, webhook);
    };
  }

  /** Messages are only reachable through the webhook that sent them. */
  private forMessage(
    handler: (context: RouteContext, webhook: FakeWebhook, message: StoredMessage) => RouteResponse,
  ): RouteHandler {
    return this.forWebhook((context, webhook) => {
      const message = this.store.get(context.params.messageId ?? '');
      if (!message || message.webhookId !== webhook.id) return discordError(404, DiscordErrorCode.unknownMessage, 'Unknown Message');
      return handler(context, webhook, message);
    });
  }

  private removeWebhook(webhook: FakeWebhook): RouteResponse {
    this.webhooks.delete(webhook.id);
    return { status: 204 };
  }

  /**
   * Webhook execute with Discord's thread rules: `?thread_id=` posts inside a thread of the
   * webhook's channel (unarchiving it); in a forum channel one of `thread_id` and `thread_name`
   * is required, and `thread_name` (with `applied_tags` of the forum's tags) creates a post whose
   * first message has the thread's id. Outside a forum `thread_name` is refused.
   */
  private executeWebhook(context: RouteContext, webhook: FakeWebhook): RouteResponse {
    const threadId = context.query.get('thread_id');
    if (threadId !== null) {
      const thread = this.threadsById.get(threadId);
      if (!thread || thread.parentId !== webhook.channelId) return discordError(404, DiscordErrorCode.unknownChannel, 'Unknown Channel');
      const answer = this.execute(context, { ...webhook, channelId: thread.id });
      if (answer.status < 300) thread.archived = false;
      return answer;
    }
    const body = readJsonObject(context);
    if (!body.ok) return body.response;
    const forum = this.forums.get(webhook.channelId);
    const form = new FormReader();
    const name = form.string(body.value.thread_name, ['thread_name'], { max: 100 });
    const tags = form.list(body.value.applied_tags, ['applied_tags'], 5) ?? [];
    if (form.issues.length > 0) return invalidFormBody(form.issues);
    if (!forum) {
      if (name === undefined) return this.execute(context, webhook);
      return invalidFormBody([{ path: ['thread_name'], code: 'BASE_TYPE_INVALID', message: 'Only forum and media channels take a thread_name' }]);
    }
    if (name === undefined || name.trim() === '') {
      return discordError(400, DiscordErrorCode.forumNeedsThread, 'Webhooks posted to forum channels must have a thread_name or thread_id');
    }
    const unknownTag = tags.findIndex((tag) => !forum.tags.some((known) => known.id === tag));
    if (unknownTag >= 0) return invalidFormBody([{ path: ['applied_tags', unknownTag], code: 'BASE_TYPE_INVALID', message: 'Unknown tag' }]);
    const id = nextSnowflake();
    const answer = this.execute(context, { ...webhook, channelId: id }, false, null, id);
    if (answer.status < 300) {
      this.threadsById.set(id, { id, parentId: forum.id, name, appliedTags: tags.map(String), archived: false, updates: 0 });
    }
    return answer;
  }

  /** A message in a thread is reached only with `?thread_id=` naming it; an archived thread's messages are read-only. */
  private editInThread(context: RouteContext, webhook: FakeWebhook, message: StoredMessage): RouteResponse {
    if (message.channelId === webhook.channelId) return this.edit(context, webhook, message);
    if (context.query.get('thread_id') !== message.channelId) return discordError(404, DiscordErrorCode.unknownMessage, 'Unknown Message');
    if (this.threadsById.get(message.channelId)?.archived) return discordError(400, DiscordErrorCode.threadArchived, 'Thread is archived');
    return this.edit(context, webhook, message);
  }

  /**
   * Start Thread from Message: the message must be in the channel, a message gets one thread
   * (160004 otherwise, as long as that thread exists), the name is 1–100 characters, and the
   * thread takes the message's id.
   */
  private startThread(context: RouteContext): RouteResponse {
    const channelId = context.params.channelId ?? '';
    const message = this.store.get(context.params.messageId ?? '');
    if (!message || message.channelId !== channelId) return discordError(404, DiscordErrorCode.unknownMessage, 'Unknown Message');
    const body = readJsonObject(context);
    if (!body.ok) return body.response;
    const form = new FormReader();
    const name = form.string(body.value.name, ['name'], { max: 100, required: true });
    if (form.issues.length > 0 || name === undefined) return invalidFormBody(form.issues);
    if (this.threadsById.has(message.id)) return discordError(400, DiscordErrorCode.threadAlreadyCreated, 'A thread has already been created for this message');
    const thread: FakeThread = { id: message.id, parentId: channelId, starterMessageId: message.id, name, appliedTags: [], archived: false, updates: 0 };
    this.threadsById.set(thread.id, thread);
    this.deletedThreads.delete(thread.id);
    return { status: 201, body: { id: thread.id, type: 11, parent_id: channelId, name, thread_metadata: { archived: false } } };
  }

  private updateThread(context: RouteContext): RouteResponse {
    const thread = this.threadsById.get(context.params.channelId ?? '');
    if (!thread) return discordError(404, DiscordErrorCode.unknownChannel, 'Unknown Channel');
    const body = readJsonObject(context);
    if (!body.ok) return body.response;
    const form = new FormReader();
    const name = form.string(body.value.name, ['name'], { max: 100 });
    const archived = form.boolean(body.value.archived, ['archived']);
    const tags = form.list(body.value.applied_tags, ['applied_tags'], 5);
    const forum = this.forums.get(thread.parentId);
    tags?.forEach((tag, index) => {
      if (!forum?.tags.some((known) => known.id === tag)) form.fail(['applied_tags', index], 'BASE_TYPE_INVALID', 'Unknown tag');
    });
    if (form.issues.length > 0) return invalidFormBody(form.issues);
    Object.assign(thread, {
      ...(name === undefined ? {} : { name }),
      ...(archived === undefined ? {} : { archived }),
      ...(tags === undefined ? {} : { appliedTags: tags.map(String) }),
      updates: thread.updates + 1,
    });
    return {
      status: 200,
      body: { id: thread.id, type: 11, parent_id: thread.parentId, name: thread.name, applied_tags: thread.appliedTags, thread_metadata: { archived: thread.archived } },
    };
  }

  /** Webhook execute, and the bot's create after its nonce checks; only a bot's message keeps a nonce. */
  private execute(
    context: RouteContext,
    webhook: FakeWebhook,
    alwaysReturnMessage = false,
    nonce: string | number | null = null,
    messageId?: string,
  ): RouteResponse {
    const body = readJsonObject(context);
    if (!body.ok) return body.response;
    const checked = checkNewMessage(body.value, context.files, webhook.channelId);
    if (!checked.ok) return checked.response;

    // Counted only for messages that would be created, after validation.
    const now = this.now();
    const channel = this.channelLimiter?.take(webhook.channelId, now);
    if (channel && !channel.allowed) return rateLimitedResponse(channel.resetAt - now, 'shared');

    const message = this.storeNewMessage(webhook, checked.draft, checked.attachments, nonce, messageId);
    const wait = alwaysReturnMessage || /^(true|1)$/i.test(context.query.get('wait') ?? '');
    return wait ? { status: 200, body: toCreatedMessage(message, webhook) } : { status: 204 };
  }

  /**
   * The bot's Create Message: a message that is always returned, plus Discord's nonce rules. The
   * nonce (up to 25 characters) is echoed in the answer to this request only; reading the message
   * later does not show it. With `enforce_nonce: true`, a nonce the same author used within the
   * window returns that message instead of creating one, and "Unknown Message" if it was deleted
   * since (as Discord's developers describe it: a safe retry, not a way to post again).
   */
  private createMessage(context: RouteContext, poster: FakeWebhook): RouteResponse {
    const body = readJsonObject(context);
    if (!body.ok) return body.response;
    const form = new FormReader();
    const nonce = readNonce(form, body.value.nonce);
    const enforce = form.boolean(body.value.enforce_nonce, ['enforce_nonce']) === true;
    const replyTo = this.readReply(form, body.value.message_reference, poster.channelId);
    if (form.issues.length > 0) return invalidFormBody(form.issues);
    if (nonce === null || !enforce) return this.withReply(this.execute(context, poster, true, nonce), replyTo);

    const key = `${context.headers.authorization ?? ''} ${String(nonce)}`;
    const earlier = this.nonces.get(key);
    if (earlier && this.now() - earlier.at < this.nonceWindowMs) {
      const message = this.store.get(earlier.messageId);
      if (!message) return discordError(404, DiscordErrorCode.unknownMessage, 'Unknown Message');
      return { status: 200, body: toCreatedMessage(message, poster) };
    }
    const answer = this.withReply(this.execute(context, poster, true, nonce), replyTo);
    const created = answer.status === 200 && isRecord(answer.body) ? answer.body.id : undefined;
    if (typeof created === 'string') this.nonces.set(key, { messageId: created, at: this.now() });
    return answer;
  }

  /**
   * A reply names a message of the same channel. One that does not exist is refused, unless
   * `fail_if_not_exists: false` asks for a plain message instead (Discord's rules for replies).
   */
  private readReply(form: FormReader, raw: unknown, channelId: string): string | null {
    if (raw === undefined || raw === null) return null;
    const reference = form.object(raw, ['message_reference']);
    if (!reference) return null;
    const id = form.string(reference.message_id, ['message_reference', 'message_id'], { max: 20 });
    const referenced = id === undefined ? undefined : this.store.get(id);
    if (referenced && referenced.channelId === channelId) return referenced.id;
    if (reference.fail_if_not_exists !== false) form.fail(['message_reference'], 'REPLIES_UNKNOWN_MESSAGE', 'Unknown message');
    return null;
  }

  private withReply(answer: RouteResponse, replyTo: string | null): RouteResponse {
    const id = answer.status === 200 && isRecord(answer.body) ? answer.body.id : undefined;
    const message = typeof id === 'string' ? this.store.get(id) : undefined;
    if (message && replyTo) this.store.set(message.id, { ...message, replyTo });
    return answer;
  }

  private edit(context: RouteContext, webhook: FakeWebhook, message: StoredMessage): RouteResponse {
    const body = readJsonObject(context);
    if (!body.ok) return body.response;
    const form = new FormReader();
    const draft = readDraft(form, body.value, 'edit');
    const resolved = resolveAttachments(form, draft.attachments, context.files, message.attachments, draft.embeds, message.channelId);
    if (form.issues.length > 0) return invalidFormBody(form.issues);

    const content = draft.content ?? message.content;
    const embeds = resolved.embeds ?? message.embeds;
    const { attachments } = resolved;
    if (isEmptyMessage(content, embeds, attachments.length)) return emptyMessageError();
    const allowedMentions = draft.allowedMentions ?? message.allowedMentions;
    const edited: StoredMessage = {
      ...message,
      content,
      embeds,
      components: draft.components ? componentsFor(webhook, draft.components) : message.components,
      allowedMentions,
      attachments,
      ...resolveMentions(content, allowedMentions),
      editedAt: this.now(),
      edits: message.edits + 1,
      versions: [...message.versions, { at: this.now(), content, embeds: structuredClone(embeds), attachments: attachments.map((file) => file.filename) }],
    };
    this.store.set(message.id, edited);
    return { status: 200, body: toApiMessage(edited, webhook) };
  }

  private removeMessage(message: StoredMessage): RouteResponse {
    this.store.delete(message.id);
    return { status: 204 };
  }

  private storeNewMessage(
    webhook: FakeWebhook,
    draft: MessageDraft,
    attachments: StoredAttachment[],
    nonce: string | number | null = null,
    id = nextSnowflake(),
  ): StoredMessage {
    const content = draft.content ?? '';
    const allowedMentions = draft.allowedMentions ?? null;
    const message: StoredMessage = {
      id,
      webhookId: webhook.id,
      channelId: webhook.channelId,
      content,
      username: draft.username ?? webhook.name,
      avatarUrl: draft.avatarUrl ?? null,
      embeds: draft.embeds ?? [],
      components: componentsFor(webhook, draft.components ?? []),
      allowedMentions,
      attachments,
      ...resolveMentions(content, allowedMentions),
      nonce,
      createdAt: this.now(),
      editedAt: null,
      edits: 0,
      versions: [{ at: this.now(), content, embeds: structuredClone(draft.embeds ?? []), attachments: attachments.map((file) => file.filename) }],
    };
    this.store.set(message.id, message);
    return message;
  }
}

function makeRoute(method: string, pattern: string, handler: RouteHandler, options: RouteOptions): Route {
  const perRoute = `${method.toUpperCase()} ${pattern}`;
  return {
    method: method.toUpperCase(),
    pattern,
    segments: splitPath(pattern),
    handler,
    bucket: options.bucket ?? (() => perRoute),
  };
}

function unknownWebhook(): RouteResponse {
  return discordError(404, DiscordErrorCode.unknownWebhook, 'Unknown Webhook');
}

type DraftOutcome = { ok: true; draft: MessageDraft; attachments: StoredAttachment[] } | { ok: false; response: RouteResponse };

/** Form errors (50035) come before the empty-message check (50006), as on Discord. */
function checkNewMessage(body: Record<string, unknown>, uploads: readonly UploadedFile[] = [], channelId = '0'): DraftOutcome {
  const form = new FormReader();
  const draft = readDraft(form, body, 'execute');
  const { attachments, embeds } = resolveAttachments(form, draft.attachments, uploads, [], draft.embeds, channelId);
  if (form.issues.length > 0) return { ok: false, response: invalidFormBody(form.issues) };
  if (isEmptyMessage(draft.content ?? '', draft.embeds ?? [], attachments.length)) return { ok: false, response: emptyMessageError() };
  return { ok: true, draft: compact({ ...draft, embeds }), attachments };
}

/** Starts a fake Discord on 127.0.0.1 with a random port. Always `close()` it. */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = new FakeDiscordServer(options);
  await fake.listen();
  return fake;
}
