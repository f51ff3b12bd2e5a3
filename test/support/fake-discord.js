/**
 * A fake Discord HTTP API for tests, bound to 127.0.0.1 on a random port.
 *
 * It serves webhook execute/edit/get/delete and `GET /gateway/bot` under both `/api/v10/...`
 * and the un-versioned `/api/...`, validates message bodies against Discord's limits, applies
 * Discord-shaped rate limits, records every request and can inject faults. The behaviour it
 * honours is listed in docs/discord.md.
 *
 * Extension points for a gateway or interaction module living elsewhere: `server` (attach a
 * `ws` WebSocketServer to it), `addRoute` (extra REST routes, matched before the built-in
 * ones), `postMessage` (store a message as a webhook without HTTP) and `onClose` (cleanup run
 * before the HTTP server shuts down).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
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
};
export const DEFAULT_RATE_LIMIT = { limit: 5, windowMs: 2000 };
export const DEFAULT_CHANNEL_RATE_LIMIT = { limit: 30, windowMs: 60_000 };
export const DISCORD_GLOBAL_RATE_LIMIT = { limit: 50, windowMs: 1000 };
const MAX_COLOR = 0xffffff;
const MENTION_KINDS = ['everyone', 'roles', 'users'];
/** Discord's error codes used here. */
export const DiscordErrorCode = {
    unknownWebhook: 10015,
    unknownMessage: 10008,
    emptyMessage: 50006,
    invalidFormBody: 50035,
    invalidJson: 50109,
};
export function discordError(status, code, message) {
    return { status, body: { message, code } };
}
export function webhookBucketKey(webhookId) {
    return `webhook:${webhookId ?? ''}`;
}
// ---------------------------------------------------------------------------------------------
// Ids and time
// ---------------------------------------------------------------------------------------------
const DISCORD_EPOCH_MS = 1420070400000n;
let lastSnowflake = 0n;
/**
 * Uses the real wall clock rather than the injectable one so ids stay 19 digits and strictly
 * increasing even when a test's clock starts at 0.
 */
function nextSnowflake() {
    const fresh = (BigInt(Date.now()) - DISCORD_EPOCH_MS) << 22n;
    lastSnowflake = fresh > lastSnowflake ? fresh : lastSnowflake + 1n;
    return lastSnowflake.toString();
}
function randomToken() {
    return randomBytes(51).toString('base64url');
}
function discordTimestamp(ms) {
    return new Date(ms).toISOString().replace('Z', '+00:00');
}
/** Fixed windows that start at the first request, which is how Discord's buckets behave. */
class FixedWindowLimiter {
    config;
    windows = new Map();
    constructor(config) {
        this.config = config;
    }
    /** Counts one request against `key` if the window has room. */
    take(key, now) {
        const window = this.currentWindow(key, now);
        const allowed = window.used < this.config.limit;
        if (allowed)
            window.used += 1;
        return {
            allowed,
            limit: this.config.limit,
            remaining: this.config.limit - window.used,
            resetAt: window.startedAt + this.config.windowMs,
        };
    }
    clear() {
        this.windows.clear();
    }
    currentWindow(key, now) {
        const existing = this.windows.get(key);
        if (existing && now < existing.startedAt + this.config.windowMs)
            return existing;
        const fresh = { startedAt: now, used: 0 };
        this.windows.set(key, fresh);
        return fresh;
    }
}
/** Stable, opaque per-bucket string like Discord's. */
function bucketHash(key) {
    return createHash('md5').update(key).digest('hex');
}
function toSeconds(ms) {
    return (Math.max(0, ms) / 1000).toFixed(3);
}
function bucketHeaders(verdict, key, now) {
    return {
        'X-RateLimit-Bucket': bucketHash(key),
        'X-RateLimit-Limit': String(verdict.limit),
        'X-RateLimit-Remaining': String(verdict.remaining),
        'X-RateLimit-Reset': toSeconds(verdict.resetAt),
        'X-RateLimit-Reset-After': toSeconds(verdict.resetAt - now),
    };
}
function rateLimitedResponse(retryAfterMs, scope) {
    const global = scope === 'global';
    const retryAfterSeconds = Math.ceil(Math.max(0, retryAfterMs)) / 1000;
    const headers = {
        // @discordjs/rest only waits on this header (a 429 without it is retried at once), and
        // Discord sends whole seconds here; the exact value is in the body.
        'Retry-After': String(Math.ceil(retryAfterSeconds)),
        'X-RateLimit-Scope': scope,
    };
    // Only sent when true: @discordjs/rest treats the header's mere presence as "global".
    if (global)
        headers['X-RateLimit-Global'] = 'true';
    return {
        status: 429,
        headers,
        body: { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global },
    };
}
function buildErrorTree(issues) {
    const root = {};
    for (const { path, code, message } of issues) {
        let node = root;
        for (const segment of path) {
            const key = String(segment);
            const child = node[key];
            if (child === undefined || Array.isArray(child)) {
                const created = {};
                node[key] = created;
                node = created;
            }
            else {
                node = child;
            }
        }
        (node._errors ??= []).push({ code, message });
    }
    return root;
}
function invalidFormBody(issues) {
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
function charLength(text) {
    return [...text].length;
}
function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function isAbsent(value) {
    return value === undefined || value === null;
}
function literal(value) {
    return JSON.stringify(value);
}
function isMentionKind(value) {
    return MENTION_KINDS.some((kind) => kind === value);
}
/** Reads untrusted JSON into typed values, collecting Discord-style issues on the way. */
class FormReader {
    issues = [];
    fail(path, code, message) {
        this.issues.push({ path, code, message });
    }
    object(value, path) {
        if (isRecord(value))
            return value;
        this.fail(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
        return undefined;
    }
    list(value, path, max) {
        if (isAbsent(value))
            return undefined;
        if (!Array.isArray(value)) {
            this.fail(path, 'LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
            return undefined;
        }
        if (value.length > max)
            this.fail(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
        return value;
    }
    /** Returns over-long strings too, so the embed total still counts them. */
    string(value, path, rule) {
        if (isAbsent(value)) {
            if (rule.required)
                this.fail(path, 'BASE_TYPE_REQUIRED', 'This field is required');
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
    url(value, path, options = {}) {
        const text = this.string(value, path, { max: DISCORD_LIMITS.url, required: options.required });
        if (text === undefined || text.trim() === '')
            return undefined;
        let scheme;
        try {
            scheme = new URL(text).protocol.slice(0, -1);
        }
        catch {
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
    boolean(value, path) {
        if (isAbsent(value))
            return undefined;
        if (typeof value === 'boolean')
            return value;
        this.fail(path, 'BASE_TYPE_BOOLEAN', 'Must be either true or false.');
        return undefined;
    }
    color(value, path) {
        if (isAbsent(value))
            return undefined;
        if (typeof value !== 'number' || !Number.isInteger(value)) {
            this.fail(path, 'NUMBER_TYPE_COERCE', `Value ${literal(value)} is not int.`);
        }
        else if (value < 0) {
            this.fail(path, 'NUMBER_TYPE_MIN', 'int value should be greater than or equal to 0.');
        }
        else if (value > MAX_COLOR) {
            this.fail(path, 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${MAX_COLOR}.`);
        }
        else {
            return value;
        }
        return undefined;
    }
    timestamp(value, path) {
        const text = this.string(value, path, { max: Number.POSITIVE_INFINITY });
        if (text === undefined)
            return undefined;
        const ms = Date.parse(text);
        if (Number.isNaN(ms)) {
            this.fail(path, 'DATE_TYPE_PARSE', `Could not parse ${text}. Should be ISO8601.`);
            return undefined;
        }
        return discordTimestamp(ms);
    }
    snowflakes(value, path) {
        const items = this.list(value, path, DISCORD_LIMITS.mentionIds);
        return items?.flatMap((item, index) => {
            if ((typeof item === 'string' || typeof item === 'number') && /^\d{1,20}$/.test(String(item)))
                return [String(item)];
            this.fail([...path, index], 'NUMBER_TYPE_COERCE', `Value ${literal(item)} is not snowflake.`);
            return [];
        });
    }
}
/** Drops undefined properties so stored objects look like what Discord returns. */
function compact(value) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}
function readField(form, raw, path) {
    const field = form.object(raw, path);
    if (!field)
        return undefined;
    return {
        name: form.string(field.name, [...path, 'name'], { max: DISCORD_LIMITS.fieldName, required: true }) ?? '',
        value: form.string(field.value, [...path, 'value'], { max: DISCORD_LIMITS.fieldValue, required: true }) ?? '',
        inline: form.boolean(field.inline, [...path, 'inline']) ?? false,
    };
}
function readFooter(form, raw, path) {
    if (isAbsent(raw))
        return undefined;
    const footer = form.object(raw, path);
    if (!footer)
        return undefined;
    return compact({
        text: form.string(footer.text, [...path, 'text'], { max: DISCORD_LIMITS.footerText, required: true }) ?? '',
        icon_url: form.url(footer.icon_url, [...path, 'icon_url'], { allowAttachment: true }),
    });
}
function readAuthor(form, raw, path) {
    if (isAbsent(raw))
        return undefined;
    const author = form.object(raw, path);
    if (!author)
        return undefined;
    return compact({
        name: form.string(author.name, [...path, 'name'], { max: DISCORD_LIMITS.authorName, required: true }) ?? '',
        url: form.url(author.url, [...path, 'url']),
        icon_url: form.url(author.icon_url, [...path, 'icon_url'], { allowAttachment: true }),
    });
}
function readMedia(form, raw, path) {
    if (isAbsent(raw))
        return undefined;
    const media = form.object(raw, path);
    if (!media)
        return undefined;
    const url = form.url(media.url, [...path, 'url'], { required: true, allowAttachment: true });
    return url === undefined ? undefined : { url };
}
function readEmbed(form, raw, path) {
    const embed = form.object(raw, path);
    if (!embed)
        return undefined;
    const fields = form
        .list(embed.fields, [...path, 'fields'], DISCORD_LIMITS.fields)
        ?.map((field, index) => readField(form, field, [...path, 'fields', index]))
        .filter((field) => field !== undefined);
    return compact({
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
function embedSize(embed) {
    const texts = [
        embed.title,
        embed.description,
        embed.footer?.text,
        embed.author?.name,
        ...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
    ];
    return texts.reduce((sum, text) => sum + (text === undefined ? 0 : charLength(text)), 0);
}
function readEmbeds(form, raw) {
    const items = form.list(raw, ['embeds'], DISCORD_LIMITS.embeds);
    if (items === undefined)
        return undefined;
    const embeds = items
        .map((item, index) => readEmbed(form, item, ['embeds', index]))
        .filter((embed) => embed !== undefined);
    const total = embeds.reduce((sum, embed) => sum + embedSize(embed), 0);
    if (total > DISCORD_LIMITS.embedTotal) {
        form.fail(['embeds'], 'MAX_EMBED_SIZE_EXCEEDED', `Embed size exceeds maximum size of ${DISCORD_LIMITS.embedTotal}`);
    }
    return embeds;
}
function readAllowedMentions(form, raw) {
    if (isAbsent(raw))
        return undefined;
    const path = ['allowed_mentions'];
    const input = form.object(raw, path);
    if (!input)
        return undefined;
    const parse = form.list(input.parse, [...path, 'parse'], MENTION_KINDS.length)?.flatMap((kind, index) => {
        if (isMentionKind(kind))
            return [kind];
        form.fail([...path, 'parse', index], 'BASE_TYPE_CHOICES', "Value must be one of {'everyone', 'roles', 'users'}.");
        return [];
    });
    const mentions = compact({
        parse,
        users: form.snowflakes(input.users, [...path, 'users']),
        roles: form.snowflakes(input.roles, [...path, 'roles']),
        replied_user: form.boolean(input.replied_user, [...path, 'replied_user']),
    });
    for (const kind of ['users', 'roles']) {
        if (parse?.includes(kind) && (mentions[kind]?.length ?? 0) > 0) {
            form.fail(path, 'ALLOWED_MENTIONS_PARSE_EXCLUSIVE', `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.`);
        }
    }
    return mentions;
}
function readUsername(form, raw) {
    const username = form.string(raw, ['username'], { max: Number.POSITIVE_INFINITY });
    if (username === undefined)
        return undefined;
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
function readDraft(form, body, kind) {
    const clearsOnNull = (value, empty) => (kind === 'edit' && value === null ? empty : undefined);
    const draft = {
        content: form.string(body.content, ['content'], { max: DISCORD_LIMITS.content }) ?? clearsOnNull(body.content, ''),
        embeds: readEmbeds(form, body.embeds) ?? clearsOnNull(body.embeds, []),
        components: form.list(body.components, ['components'], DISCORD_LIMITS.components) ?? clearsOnNull(body.components, []),
        allowedMentions: readAllowedMentions(form, body.allowed_mentions),
    };
    // Edits cannot change the author.
    if (kind === 'execute') {
        draft.username = readUsername(form, body.username);
        draft.avatarUrl = form.url(body.avatar_url, ['avatar_url']);
    }
    return compact(draft);
}
/** Discord treats whitespace-only content as no content. */
function isEmptyMessage(content, embeds) {
    return content.trim() === '' && embeds.length === 0;
}
function emptyMessageError() {
    return discordError(400, DiscordErrorCode.emptyMessage, 'Cannot send an empty message');
}
// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------
function uniqueMatches(text, pattern) {
    return [...new Set([...text.matchAll(pattern)].map((match) => match[1] ?? ''))];
}
/**
 * Who a webhook message pings. Without `allowed_mentions` webhooks parse users only; a role
 * pings only when listed (or parsed) and mentioned in `content`.
 */
function resolveMentions(content, allowed) {
    const parse = allowed ? (allowed.parse ?? []) : ['users'];
    const pick = (kind, ids) => parse.includes(kind) ? ids : ids.filter((id) => allowed?.[kind]?.includes(id));
    return {
        mentionUsers: pick('users', uniqueMatches(content, /<@!?(\d+)>/g)),
        mentionRoles: pick('roles', uniqueMatches(content, /<@&(\d+)>/g)),
        mentionEveryone: parse.includes('everyone') && /@(everyone|here)\b/.test(content),
    };
}
function componentsFor(webhook, components) {
    // Discord silently drops components sent through webhooks no application owns.
    return webhook.applicationId === null ? [] : components;
}
function toApiMessage(message, webhook) {
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
        attachments: [],
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
function toApiWebhook(webhook) {
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
function splitPath(path) {
    return path.split('/').filter((segment) => segment !== '');
}
function matchSegments(pattern, path) {
    if (pattern.length !== path.length)
        return undefined;
    const params = {};
    for (const [index, expected] of pattern.entries()) {
        const actual = path[index] ?? '';
        if (expected.startsWith(':'))
            params[expected.slice(1)] = decodeURIComponent(actual);
        else if (expected !== actual)
            return undefined;
    }
    return params;
}
/** `/api/v10/x` and `/api/x` both give `/x`; anything outside the API gives undefined. */
function apiRelativePath(pathname) {
    return /^\/api(?:\/v(?:9|10))?(\/.*)$/.exec(pathname)?.[1];
}
function webhookIdInPath(relativePath) {
    return relativePath === undefined ? undefined : /^\/webhooks\/([^/]+)/.exec(relativePath)?.[1];
}
/** What the request log shows: parsed JSON, else the raw text. */
function recordedBody(raw) {
    if (raw === '')
        return undefined;
    try {
        return JSON.parse(raw);
    }
    catch {
        return raw;
    }
}
function parseBody(raw) {
    if (raw === '')
        return undefined;
    try {
        return JSON.parse(raw);
    }
    catch {
        return undefined;
    }
}
function readJsonObject(context) {
    if (String(context.headers['content-type']).startsWith('multipart/')) {
        // Discord accepts multipart (files + payload_json); this fake does not, and says so loudly.
        return { ok: false, response: { status: 501, body: { message: 'fake-discord: multipart bodies are not supported', code: 0 } } };
    }
    if (context.rawBody === '')
        return { ok: true, value: {} };
    if (isRecord(context.body))
        return { ok: true, value: context.body };
    return { ok: false, response: discordError(400, DiscordErrorCode.invalidJson, 'The request body contains invalid JSON.') };
}
function readRequestBody(request) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        request.on('data', (chunk) => chunks.push(chunk));
        request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        request.on('error', reject);
        request.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
}
function sendResponse(response, answer) {
    if (response.destroyed || response.headersSent)
        return;
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
function withHeaders(answer, headers) {
    return { ...answer, headers: { ...headers, ...answer.headers } };
}
function failResponse(action) {
    const body = action.body ?? { message: STATUS_CODES[action.status] ?? 'Error', code: 0 };
    // A 429 without Retry-After makes @discordjs/rest retry at once, which no real 429 does.
    const retryAfter = action.retryAfter ?? (action.status === 429 ? 1 : undefined);
    const headers = retryAfter === undefined ? {} : { 'Retry-After': String(Math.ceil(retryAfter)) };
    return { status: action.status, body, headers };
}
function forcedRateLimitResponse(action, webhookId) {
    const answer = rateLimitedResponse(action.retryAfterSeconds * 1000, action.scope);
    if (webhookId === undefined)
        return answer;
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
function emptyCounts() {
    return { total: 0, ok: 0, clientErrors: 0, rateLimited: 0, serverErrors: 0 };
}
function countStatus(counts, status) {
    counts.total += 1;
    if (status === 429)
        counts.rateLimited += 1;
    else if (status >= 500)
        counts.serverErrors += 1;
    else if (status >= 400)
        counts.clientErrors += 1;
    else if (status >= 200 && status < 300)
        counts.ok += 1;
}
// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------
class FakeDiscordServer {
    server;
    requests = [];
    port = 0;
    clock;
    bucketLimiter;
    channelLimiter;
    globalLimiter;
    guildId = nextSnowflake();
    webhooks = new Map();
    /** Map order is insertion order, and replacing a key keeps its place: creation order. */
    store = new Map();
    builtinRoutes = [];
    extraRoutes = [];
    faults = [];
    closeHooks = [];
    closing;
    constructor(options) {
        this.clock = options.now ?? Date.now;
        this.bucketLimiter = new FixedWindowLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
        const channelLimit = options.channelRateLimit ?? DEFAULT_CHANNEL_RATE_LIMIT;
        this.channelLimiter = channelLimit === false ? undefined : new FixedWindowLimiter(channelLimit);
        this.globalLimiter = options.globalRateLimit ? new FixedWindowLimiter(options.globalRateLimit) : undefined;
        this.server = createServer((request, response) => {
            this.handle(request, response).catch((error) => {
                sendResponse(response, { status: 500, body: { message: `fake-discord: ${String(error)}`, code: 0 } });
            });
        });
        this.registerBuiltinRoutes();
    }
    get url() {
        return `http://127.0.0.1:${this.port}`;
    }
    get apiBase() {
        return `${this.url}/api`;
    }
    get gatewayUrl() {
        return `ws://127.0.0.1:${this.port}/gateway`;
    }
    now() {
        return this.clock();
    }
    // --- webhooks and messages --------------------------------------------------------------
    createWebhook(options = {}) {
        const id = options.id ?? nextSnowflake();
        const token = options.token ?? randomToken();
        const webhook = {
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
    deleteWebhook(id) {
        return this.webhooks.delete(id);
    }
    getWebhook(id) {
        const webhook = this.webhooks.get(id);
        return webhook && { ...webhook };
    }
    messages(filter = {}) {
        return [...this.store.values()]
            .filter((message) => filter.webhookId === undefined || message.webhookId === filter.webhookId)
            .filter((message) => filter.channelId === undefined || message.channelId === filter.channelId)
            .map((message) => structuredClone(message));
    }
    postMessage(webhookId, body) {
        const webhook = this.webhooks.get(webhookId);
        if (!webhook)
            return { ok: false, response: unknownWebhook() };
        if (!isRecord(body))
            return { ok: false, response: discordError(400, DiscordErrorCode.invalidJson, 'The request body contains invalid JSON.') };
        const checked = checkNewMessage(body);
        if (!checked.ok)
            return checked;
        return { ok: true, message: structuredClone(this.storeNewMessage(webhook, checked.draft)) };
    }
    // --- records -----------------------------------------------------------------------------
    stats() {
        const stats = { totals: emptyCounts(), byWebhook: {}, invalidRequests: 0 };
        for (const { status, webhookId } of this.requests) {
            if (status === undefined)
                continue;
            countStatus(stats.totals, status);
            if (webhookId !== undefined)
                countStatus((stats.byWebhook[webhookId] ??= emptyCounts()), status);
            if (status === 401 || status === 403 || status === 429)
                stats.invalidRequests += 1;
        }
        return stats;
    }
    reset() {
        this.requests.length = 0;
        this.store.clear();
        this.faults.length = 0;
        this.bucketLimiter.clear();
        this.channelLimiter?.clear();
        this.globalLimiter?.clear();
    }
    // --- faults ------------------------------------------------------------------------------
    failNext(count, fault) {
        const { webhookId, ...action } = fault;
        this.addFault(count, webhookId, { kind: 'fail', ...action });
    }
    hangNext(count, options = {}) {
        this.addFault(count, options.webhookId, { kind: 'hang' });
    }
    rateLimitNext(count, retryAfterSeconds, options = {}) {
        this.addFault(count, options.webhookId, { kind: 'rateLimit', retryAfterSeconds, scope: options.scope ?? 'user' });
    }
    clearFaults() {
        this.faults.length = 0;
    }
    // --- extension points --------------------------------------------------------------------
    addRoute(method, pattern, handler, options = {}) {
        this.extraRoutes.push(makeRoute(method, pattern, handler, options));
    }
    onClose(hook) {
        this.closeHooks.push(hook);
    }
    // --- lifecycle ---------------------------------------------------------------------------
    async listen() {
        await new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(0, '127.0.0.1', () => {
                this.server.off('error', reject);
                resolve();
            });
        });
        this.port = this.server.address().port;
    }
    close() {
        this.closing ??= this.shutDown();
        return this.closing;
    }
    async shutDown() {
        for (const hook of this.closeHooks)
            await hook();
        await new Promise((resolve) => {
            this.server.close(() => resolve());
            // Also ends keep-alive sockets and requests held by hangNext, so close() is prompt.
            this.server.closeAllConnections();
        });
    }
    // --- request handling --------------------------------------------------------------------
    async handle(request, response) {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        const rawBody = await readRequestBody(request);
        const relativePath = apiRelativePath(url.pathname);
        const record = {
            method: request.method ?? 'GET',
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            headers: request.headers,
            body: recordedBody(rawBody),
            status: undefined,
            at: this.now(),
            webhookId: webhookIdInPath(relativePath),
        };
        this.requests.push(record);
        const fault = this.takeFault(record.webhookId);
        if (fault?.kind === 'hang')
            return; // answered never; close() destroys the socket
        let answer;
        if (fault?.kind === 'fail')
            answer = failResponse(fault);
        else if (fault?.kind === 'rateLimit')
            answer = forcedRateLimitResponse(fault, record.webhookId);
        else {
            const context = {
                method: record.method,
                path: relativePath ?? url.pathname,
                params: {},
                query: url.searchParams,
                headers: request.headers,
                body: parseBody(rawBody),
                rawBody,
            };
            answer = await this.route(context, record);
        }
        record.status = answer.status;
        sendResponse(response, answer);
    }
    async route(context, record) {
        const match = this.findRoute(context);
        if (match === undefined)
            return discordError(404, 0, '404: Not Found');
        if (match === 'wrong-method')
            return discordError(405, 0, '405: Method Not Allowed');
        record.route = `${match.route.method} ${match.route.pattern}`;
        context.params = match.params;
        const now = this.now();
        const global = this.globalLimiter?.take('global', now);
        if (global && !global.allowed)
            return rateLimitedResponse(global.resetAt - now, 'global');
        if (match.route.bucket === false)
            return match.route.handler(context);
        const key = match.route.bucket(match.params);
        const verdict = this.bucketLimiter.take(key, now);
        const headers = bucketHeaders(verdict, key, now);
        if (!verdict.allowed)
            return withHeaders(rateLimitedResponse(verdict.resetAt - now, 'user'), headers);
        return withHeaders(await match.route.handler(context), headers);
    }
    findRoute(context) {
        const segments = splitPath(context.path);
        let pathMatched = false;
        for (const route of [...this.extraRoutes, ...this.builtinRoutes]) {
            const params = matchSegments(route.segments, segments);
            if (params === undefined)
                continue;
            if (route.method === context.method)
                return { route, params };
            pathMatched = true;
        }
        return pathMatched ? 'wrong-method' : undefined;
    }
    addFault(count, webhookId, action) {
        if (count > 0)
            this.faults.push({ remaining: count, webhookId, action });
    }
    /** Faults are consumed in the order they were added, each by the requests it applies to. */
    takeFault(webhookId) {
        const index = this.faults.findIndex((fault) => fault.webhookId === undefined || fault.webhookId === webhookId);
        const fault = this.faults[index];
        if (fault === undefined)
            return undefined;
        fault.remaining -= 1;
        if (fault.remaining <= 0)
            this.faults.splice(index, 1);
        return fault.action;
    }
    // --- built-in routes ---------------------------------------------------------------------
    registerBuiltinRoutes() {
        const webhookBucket = { bucket: (params) => webhookBucketKey(params.id) };
        const add = (method, pattern, handler, options = {}) => {
            this.builtinRoutes.push(makeRoute(method, pattern, handler, options));
        };
        add('GET', '/gateway', () => ({ status: 200, body: { url: this.gatewayUrl } }));
        add('GET', '/gateway/bot', (context) => this.gatewayBot(context));
        add('GET', '/webhooks/:id/:token', this.forWebhook((_, webhook) => ({ status: 200, body: toApiWebhook(webhook) })), webhookBucket);
        add('DELETE', '/webhooks/:id/:token', this.forWebhook((_, webhook) => this.removeWebhook(webhook)), webhookBucket);
        add('POST', '/webhooks/:id/:token', this.forWebhook((context, webhook) => this.execute(context, webhook)), webhookBucket);
        const messagePath = '/webhooks/:id/:token/messages/:messageId';
        add('GET', messagePath, this.forMessage((_, webhook, message) => ({ status: 200, body: toApiMessage(message, webhook) })), webhookBucket);
        add('PATCH', messagePath, this.forMessage((context, webhook, message) => this.edit(context, webhook, message)), webhookBucket);
        add('DELETE', messagePath, this.forMessage((_, __, message) => this.removeMessage(message)), webhookBucket);
    }
    gatewayBot(context) {
        const authorization = context.headers.authorization ?? '';
        if (!authorization.startsWith('Bot '))
            return discordError(401, 0, '401: Unauthorized');
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
    forWebhook(handler) {
        return (context) => {
            const webhook = this.webhooks.get(context.params.id ?? '');
            if (!webhook || webhook.token !== context.params.token)
                return unknownWebhook();
            return handler(context, webhook);
        };
    }
    /** Messages are only reachable through the webhook that sent them. */
    forMessage(handler) {
        return this.forWebhook((context, webhook) => {
            const message = this.store.get(context.params.messageId ?? '');
            if (!message || message.webhookId !== webhook.id)
                return discordError(404, DiscordErrorCode.unknownMessage, 'Unknown Message');
            return handler(context, webhook, message);
        });
    }
    removeWebhook(webhook) {
        this.webhooks.delete(webhook.id);
        return { status: 204 };
    }
    execute(context, webhook) {
        const body = readJsonObject(context);
        if (!body.ok)
            return body.response;
        const checked = checkNewMessage(body.value);
        if (!checked.ok)
            return checked.response;
        // Counted only for messages that would be created, after validation.
        const now = this.now();
        const channel = this.channelLimiter?.take(webhook.channelId, now);
        if (channel && !channel.allowed)
            return rateLimitedResponse(channel.resetAt - now, 'shared');
        const message = this.storeNewMessage(webhook, checked.draft);
        const wait = /^(true|1)$/i.test(context.query.get('wait') ?? '');
        return wait ? { status: 200, body: toApiMessage(message, webhook) } : { status: 204 };
    }
    edit(context, webhook, message) {
        const body = readJsonObject(context);
        if (!body.ok)
            return body.response;
        const form = new FormReader();
        const draft = readDraft(form, body.value, 'edit');
        if (form.issues.length > 0)
            return invalidFormBody(form.issues);
        const content = draft.content ?? message.content;
        const embeds = draft.embeds ?? message.embeds;
        if (isEmptyMessage(content, embeds))
            return emptyMessageError();
        const allowedMentions = draft.allowedMentions ?? message.allowedMentions;
        const edited = {
            ...message,
            content,
            embeds,
            components: draft.components ? componentsFor(webhook, draft.components) : message.components,
            allowedMentions,
            ...resolveMentions(content, allowedMentions),
            editedAt: this.now(),
            edits: message.edits + 1,
        };
        this.store.set(message.id, edited);
        return { status: 200, body: toApiMessage(edited, webhook) };
    }
    removeMessage(message) {
        this.store.delete(message.id);
        return { status: 204 };
    }
    storeNewMessage(webhook, draft) {
        const content = draft.content ?? '';
        const allowedMentions = draft.allowedMentions ?? null;
        const message = {
            id: nextSnowflake(),
            webhookId: webhook.id,
            channelId: webhook.channelId,
            content,
            username: draft.username ?? webhook.name,
            avatarUrl: draft.avatarUrl ?? null,
            embeds: draft.embeds ?? [],
            components: componentsFor(webhook, draft.components ?? []),
            allowedMentions,
            ...resolveMentions(content, allowedMentions),
            createdAt: this.now(),
            editedAt: null,
            edits: 0,
        };
        this.store.set(message.id, message);
        return message;
    }
}
function makeRoute(method, pattern, handler, options) {
    const perRoute = `${method.toUpperCase()} ${pattern}`;
    return {
        method: method.toUpperCase(),
        pattern,
        segments: splitPath(pattern),
        handler,
        bucket: options.bucket ?? (() => perRoute),
    };
}
function unknownWebhook() {
    return discordError(404, DiscordErrorCode.unknownWebhook, 'Unknown Webhook');
}
/** Form errors (50035) come before the empty-message check (50006), as on Discord. */
function checkNewMessage(body) {
    const form = new FormReader();
    const draft = readDraft(form, body, 'execute');
    if (form.issues.length > 0)
        return { ok: false, response: invalidFormBody(form.issues) };
    if (isEmptyMessage(draft.content ?? '', draft.embeds ?? []))
        return { ok: false, response: emptyMessageError() };
    return { ok: true, draft };
}
/** Starts a fake Discord on 127.0.0.1 with a random port. Always `close()` it. */
export async function startFakeDiscord(options = {}) {
    const fake = new FakeDiscordServer(options);
    await fake.listen();
    return fake;
}
//# sourceMappingURL=fake-discord.js.map