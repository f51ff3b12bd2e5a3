import type { AddressInfo } from 'node:net';
import { REST } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startFakeDiscord } from './fake-discord.js';
import type { ErrorTree, FakeDiscord, FakeDiscordOptions, FakeWebhook } from './fake-discord.js';

interface DiscordErrorBody {
  message: string;
  code: number;
  errors?: ErrorTree;
}

interface RateLimitBody {
  message: string;
  retry_after: number;
  global: boolean;
}

interface ApiMessage {
  id: string;
  channel_id: string;
  webhook_id: string;
  content: string;
  embeds: { title?: string }[];
  components: unknown[];
  timestamp: string;
  edited_timestamp: string | null;
}

const START = 1_700_000_000_000;
let clock = START;
let fake: FakeDiscord;
let hook: FakeWebhook;

async function start(options: FakeDiscordOptions = {}): Promise<void> {
  await fake.close();
  fake = await startFakeDiscord({ now: () => clock, ...options });
  hook = fake.createWebhook();
}

beforeEach(async () => {
  clock = START;
  fake = await startFakeDiscord({ now: () => clock });
  hook = fake.createWebhook();
});

afterEach(async () => {
  await fake.close();
});

function send(url: string, body: unknown, init: { method?: string; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** The `_errors` codes at `path` of a 50035 error tree. */
function errorCodesAt(tree: ErrorTree | undefined, path: readonly string[]): string[] {
  let node: ErrorTree | undefined = tree;
  for (const key of path) {
    const child: ErrorTree | ErrorTree[keyof ErrorTree] = node?.[key];
    node = child === undefined || Array.isArray(child) ? undefined : child;
  }
  return node?._errors?.map((error) => error.code) ?? [];
}

const text = (length: number, char = 'x'): string => char.repeat(length);

describe('server', () => {
  it('listens on 127.0.0.1 only, with the API under /api', () => {
    expect((fake.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(fake.apiBase).toBe(`${fake.url}/api`);
    expect(hook.url).toBe(`${fake.apiBase}/webhooks/${hook.id}/${hook.token}`);
    expect(hook.id).toMatch(/^\d{18,19}$/);
    expect(hook.channelId).toMatch(/^\d{18,19}$/);
  });

  it('answers GET /gateway/bot for bots and 401 without a bot token', async () => {
    const ok = await fetch(`${fake.apiBase}/v10/gateway/bot`, { headers: { authorization: 'Bot abc' } });
    expect(ok.status).toBe(200);
    expect(await json<unknown>(ok)).toEqual({
      url: `ws://127.0.0.1:${fake.port}/gateway`,
      shards: 1,
      session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 },
    });
    const denied = await fetch(`${fake.apiBase}/v10/gateway/bot`);
    expect(denied.status).toBe(401);
  });

  it('answers 404 for unknown routes and 405 for wrong methods', async () => {
    expect((await fetch(`${fake.apiBase}/v10/nothing-here`)).status).toBe(404);
    expect((await send(hook.url, {}, { method: 'PUT' })).status).toBe(405);
  });

  it('serves extra routes, versioned and not, before built-in ones', async () => {
    const seen: Record<string, string>[] = [];
    fake.addRoute('POST', '/interactions/:id/:token/callback', (context) => {
      seen.push(context.params);
      return { status: 204 };
    });
    expect((await send(`${fake.apiBase}/v10/interactions/1/t/callback`, { type: 4 })).status).toBe(204);
    const unversioned = await send(`${fake.apiBase}/interactions/2/u/callback`, { type: 4 });
    expect(unversioned.status).toBe(204);
    expect(unversioned.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    expect(seen).toEqual([
      { id: '1', token: 't' },
      { id: '2', token: 'u' },
    ]);
  });
});

describe('webhook execute', () => {
  it('answers 204 without wait and stores the message', async () => {
    const response = await send(hook.url, { content: 'firing', username: 'amcord' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect(fake.messages()).toMatchObject([
      { webhookId: hook.id, channelId: hook.channelId, content: 'firing', username: 'amcord', edits: 0 },
    ]);
  });

  it('answers 200 with the message when wait=true, on the v10 path too', async () => {
    const url = `${fake.apiBase}/v10/webhooks/${hook.id}/${hook.token}?wait=true`;
    const response = await send(url, { embeds: [{ title: 'CPU high', color: 0xff0000 }] });
    expect(response.status).toBe(200);
    const message = await json<ApiMessage>(response);
    expect(message).toMatchObject({
      channel_id: hook.channelId,
      webhook_id: hook.id,
      content: '',
      embeds: [{ type: 'rich', title: 'CPU high', color: 0xff0000 }],
      components: [],
      timestamp: new Date(START).toISOString().replace('Z', '+00:00'),
      edited_timestamp: null,
    });
    expect(message.id).toMatch(/^\d{18,19}$/);
    expect(fake.messages()[0]?.id).toBe(message.id);
  });

  it('answers 404 10015 for an unknown webhook or a wrong token', async () => {
    for (const url of [`${fake.apiBase}/webhooks/123456789012345678/${hook.token}`, `${hook.url}x`]) {
      const response = await send(url, { content: 'x' });
      expect(response.status).toBe(404);
      expect(await json<DiscordErrorBody>(response)).toEqual({ message: 'Unknown Webhook', code: 10015 });
    }
  });

  it('answers 404 10015 after the webhook is deleted', async () => {
    expect(fake.deleteWebhook(hook.id)).toBe(true);
    const response = await send(hook.url, { content: 'x' });
    expect(response.status).toBe(404);
    expect((await json<DiscordErrorBody>(response)).code).toBe(10015);
  });

  it('rejects an empty message with 50006', async () => {
    for (const body of [{}, { content: '   ' }, { content: '', embeds: [] }]) {
      const response = await send(hook.url, body);
      expect(response.status).toBe(400);
      expect(await json<DiscordErrorBody>(response)).toEqual({ message: 'Cannot send an empty message', code: 50006 });
    }
  });

  it('rejects a body that is not JSON with 50109', async () => {
    const response = await send(hook.url, '{not json');
    expect(response.status).toBe(400);
    expect((await json<DiscordErrorBody>(response)).code).toBe(50109);
  });

  it('drops components unless the webhook is application-owned', async () => {
    const row = { type: 1, components: [{ type: 2, style: 1, label: 'Silence', custom_id: 'silence' }] };
    const appHook = fake.createWebhook({ applicationId: '123456789012345678' });
    await send(hook.url, { content: 'a', components: [row] });
    await send(appHook.url, { content: 'b', components: [row] });
    expect(fake.messages({ webhookId: hook.id })[0]?.components).toEqual([]);
    expect(fake.messages({ webhookId: appHook.id })[0]?.components).toEqual([row]);
  });

  it('pings roles only when allowed and mentioned in content', async () => {
    const role = '234567890123456789';
    await send(hook.url, { content: `<@&${role}> down` });
    await send(hook.url, { content: `<@&${role}> down`, allowed_mentions: { roles: [role] } });
    await send(hook.url, { content: 'down', embeds: [{ description: `<@&${role}>` }], allowed_mentions: { roles: [role] } });
    expect(fake.messages().map((message) => message.mentionRoles)).toEqual([[], [role], []]);
  });
});

describe('message validation', () => {
  const embed = (fields: Record<string, unknown>): Record<string, unknown> => ({ embeds: [{ title: 't', ...fields }] });
  const field = { name: 'n', value: 'v' };

  const violations: { name: string; body: Record<string, unknown>; path: string[]; code: string }[] = [
    { name: 'content over 2000', body: { content: text(2001) }, path: ['content'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'more than 10 embeds', body: { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) }, path: ['embeds'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'title over 256', body: embed({ title: text(257) }), path: ['embeds', '0', 'title'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'description over 4096', body: embed({ description: text(4097) }), path: ['embeds', '0', 'description'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'more than 25 fields', body: embed({ fields: Array.from({ length: 26 }, () => field) }), path: ['embeds', '0', 'fields'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'field name over 256', body: embed({ fields: [{ name: text(257), value: 'v' }] }), path: ['embeds', '0', 'fields', '0', 'name'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'field value over 1024', body: embed({ fields: [field, { name: 'n', value: text(1025) }] }), path: ['embeds', '0', 'fields', '1', 'value'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'footer text over 2048', body: embed({ footer: { text: text(2049) } }), path: ['embeds', '0', 'footer', 'text'], code: 'BASE_TYPE_MAX_LENGTH' },
    { name: 'author name over 256', body: embed({ author: { name: text(257) } }), path: ['embeds', '0', 'author', 'name'], code: 'BASE_TYPE_MAX_LENGTH' },
    {
      name: 'embeds together over 6000',
      body: { embeds: [{ description: text(4096) }, { title: text(256), description: text(1649) }] },
      path: ['embeds'],
      code: 'MAX_EMBED_SIZE_EXCEEDED',
    },
    { name: 'empty field name', body: embed({ fields: [{ name: '', value: 'v' }] }), path: ['embeds', '0', 'fields', '0', 'name'], code: 'BASE_TYPE_REQUIRED' },
    { name: 'missing field value', body: embed({ fields: [{ name: 'n' }] }), path: ['embeds', '0', 'fields', '0', 'value'], code: 'BASE_TYPE_REQUIRED' },
    { name: 'colour above 0xFFFFFF', body: embed({ color: 0x1000000 }), path: ['embeds', '0', 'color'], code: 'NUMBER_TYPE_MAX' },
    { name: 'negative colour', body: embed({ color: -1 }), path: ['embeds', '0', 'color'], code: 'NUMBER_TYPE_MIN' },
    { name: 'fractional colour', body: embed({ color: 1.5 }), path: ['embeds', '0', 'color'], code: 'NUMBER_TYPE_COERCE' },
    { name: 'colour as a string', body: embed({ color: '#ff0000' }), path: ['embeds', '0', 'color'], code: 'NUMBER_TYPE_COERCE' },
    { name: 'username containing "discord"', body: { content: 'x', username: 'Discord alerts' }, path: ['username'], code: 'USERNAME_INVALID_CONTAINS' },
  ];

  it.each(violations)('rejects $name with 50035 at its path', async ({ body, path, code }) => {
    const response = await send(hook.url, body);
    expect(response.status).toBe(400);
    const error = await json<DiscordErrorBody>(response);
    expect(error).toMatchObject({ code: 50035, message: 'Invalid Form Body' });
    expect(errorCodesAt(error.errors, path)).toContain(code);
    expect(fake.messages()).toEqual([]);
  });

  it("uses Discord's error shape and wording", async () => {
    const error = await json<DiscordErrorBody>(await send(hook.url, embed({ title: text(257) })));
    expect(error.errors).toEqual({
      embeds: { '0': { title: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 256 or fewer in length.' }] } } },
    });
  });

  it('accepts content, title, description and footer exactly at the limits (6000 in total)', async () => {
    const body = { content: text(2000), embeds: [{ title: text(256), description: text(4096), footer: { text: text(1648) } }] };
    expect((await send(hook.url, body)).status).toBe(204);
  });

  it('accepts 10 embeds, 25 fields and field and author names at their limits', async () => {
    const fields = [{ name: text(256), value: text(1024) }, ...Array.from({ length: 24 }, () => ({ name: 'n', value: 'v' }))];
    const embeds = [{ author: { name: text(256) }, fields }, ...Array.from({ length: 9 }, () => ({ title: 't' }))];
    expect((await send(hook.url, { embeds })).status).toBe(204);
  });

  it('counts characters as code points, not UTF-16 units', async () => {
    expect((await send(hook.url, { embeds: [{ title: text(256, '😀') }] })).status).toBe(204);
    expect((await send(hook.url, { embeds: [{ title: text(257, '😀') }] })).status).toBe(400);
  });
});

describe('webhook messages', () => {
  async function sendAndWait(content: string): Promise<ApiMessage> {
    return json<ApiMessage>(await send(`${hook.url}?wait=true`, { content }));
  }

  it('edits a message and records the edit', async () => {
    const sent = await sendAndWait('firing');
    clock += 1000;
    const response = await send(`${hook.url}/messages/${sent.id}`, { content: 'resolved' }, { method: 'PATCH' });
    expect(response.status).toBe(200);
    const edited = await json<ApiMessage>(response);
    expect(edited).toMatchObject({ id: sent.id, content: 'resolved', edited_timestamp: new Date(START + 1000).toISOString().replace('Z', '+00:00') });
    expect(fake.messages()).toMatchObject([{ id: sent.id, content: 'resolved', edits: 1, editedAt: START + 1000 }]);
  });

  it('keeps every version of a message: as created, then after each edit', async () => {
    const { id } = await json<ApiMessage>(await send(`${hook.url}?wait=true`, { content: 'firing', embeds: [{ title: 'red' }] }));
    clock += 1000;
    await send(`${hook.url}/messages/${id}`, { content: 'partly resolved' }, { method: 'PATCH' });
    clock += 1000;
    await send(`${hook.url}/messages/${id}`, { content: 'resolved', embeds: [{ title: 'green' }] }, { method: 'PATCH' });
    const [message] = fake.messages();
    expect(message).toMatchObject({ content: 'resolved', embeds: [{ title: 'green' }] });
    expect(message?.versions).toMatchObject([
      { at: START, content: 'firing', embeds: [{ title: 'red' }] },
      { at: START + 1000, content: 'partly resolved', embeds: [{ title: 'red' }] },
      { at: START + 2000, content: 'resolved', embeds: [{ title: 'green' }] },
    ]);
  });

  it('validates edits like new messages', async () => {
    const sent = await sendAndWait('firing');
    const url = `${hook.url}/messages/${sent.id}`;
    const tooLong = await send(url, { embeds: [{ title: text(257) }] }, { method: 'PATCH' });
    expect((await json<DiscordErrorBody>(tooLong)).code).toBe(50035);
    const emptied = await send(url, { content: null }, { method: 'PATCH' });
    expect((await json<DiscordErrorBody>(emptied)).code).toBe(50006);
    expect(fake.messages()[0]).toMatchObject({ content: 'firing', edits: 0 });
  });

  it('answers 404 10008 for a message that does not exist or belongs to another webhook', async () => {
    const other = fake.createWebhook();
    const sent = await sendAndWait('firing');
    for (const url of [`${hook.url}/messages/123456789012345678`, `${other.url}/messages/${sent.id}`]) {
      const response = await send(url, { content: 'x' }, { method: 'PATCH' });
      expect(response.status).toBe(404);
      expect(await json<DiscordErrorBody>(response)).toEqual({ message: 'Unknown Message', code: 10008 });
    }
  });

  it('gets and deletes a message', async () => {
    const sent = await sendAndWait('firing');
    const url = `${hook.url}/messages/${sent.id}`;
    expect(await json<ApiMessage>(await fetch(url))).toMatchObject({ id: sent.id, content: 'firing' });
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(url)).status).toBe(404);
    expect(fake.messages()).toEqual([]);
  });

  it('filters stored messages by webhook and channel, in creation order', async () => {
    const sibling = fake.createWebhook({ channelId: hook.channelId });
    const elsewhere = fake.createWebhook();
    await send(hook.url, { content: '1' });
    await send(elsewhere.url, { content: '2' });
    await send(sibling.url, { content: '3' });
    expect(fake.messages({ channelId: hook.channelId }).map((m) => m.content)).toEqual(['1', '3']);
    expect(fake.messages({ webhookId: elsewhere.id }).map((m) => m.content)).toEqual(['2']);
  });
});

describe('rate limits', () => {
  it('counts down the bucket, answers 429 when it is used up and recovers after the window', async () => {
    const buckets = new Set<string | null>();
    for (let sent = 1; sent <= 5; sent += 1) {
      const response = await send(hook.url, { content: `#${sent}` });
      expect(response.status).toBe(204);
      expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(5 - sent));
      expect(response.headers.get('x-ratelimit-reset')).toBe(((START + 2000) / 1000).toFixed(3));
      expect(response.headers.get('x-ratelimit-reset-after')).toBe(((START + 2000 - clock) / 1000).toFixed(3));
      buckets.add(response.headers.get('x-ratelimit-bucket'));
      clock += 100;
    }
    expect(buckets.size).toBe(1);

    clock = START + 500;
    const limited = await send(hook.url, { content: '#6' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.has('x-ratelimit-global')).toBe(false);
    expect(await json<RateLimitBody>(limited)).toEqual({ message: 'You are being rate limited.', retry_after: 1.5, global: false });

    clock = START + 2000;
    const recovered = await send(hook.url, { content: '#7' });
    expect(recovered.status).toBe(204);
    expect(recovered.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(fake.stats().byWebhook[hook.id]).toEqual({ total: 7, ok: 6, clientErrors: 0, rateLimited: 1, serverErrors: 0 });
    expect(fake.stats().invalidRequests).toBe(1);
  });

  it('keeps one bucket per webhook', async () => {
    const other = fake.createWebhook();
    const first = await send(hook.url, { content: 'a' });
    const second = await send(other.url, { content: 'b' });
    expect(first.headers.get('x-ratelimit-bucket')).not.toBe(second.headers.get('x-ratelimit-bucket'));
    expect(second.headers.get('x-ratelimit-remaining')).toBe('4');
  });

  it('limits new messages per channel with scope "shared"', async () => {
    await start({ rateLimit: { limit: 100, windowMs: 1000 }, channelRateLimit: { limit: 2, windowMs: 1000 } });
    const sibling = fake.createWebhook({ channelId: hook.channelId });
    const elsewhere = fake.createWebhook();
    expect((await send(hook.url, { content: '' })).status).toBe(400); // rejected messages do not count
    expect((await send(hook.url, { content: '1' })).status).toBe(204);
    expect((await send(sibling.url, { content: '2' })).status).toBe(204);
    const limited = await send(hook.url, { content: '3' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('shared');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await send(elsewhere.url, { content: '4' })).status).toBe(204);
    clock += 1000;
    expect((await send(hook.url, { content: '5' })).status).toBe(204);
  });

  it('applies an optional global limit', async () => {
    await start({ globalRateLimit: { limit: 2, windowMs: 1000 } });
    const other = fake.createWebhook();
    await send(hook.url, { content: '1' });
    await send(other.url, { content: '2' });
    const limited = await send(hook.url, { content: '3' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect((await json<RateLimitBody>(limited)).global).toBe(true);
  });

  it('forces 429s with rateLimitNext', async () => {
    fake.rateLimitNext(1, 1.5);
    const limited = await send(hook.url, { content: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await json<RateLimitBody>(limited)).retry_after).toBe(1.5);
    expect((await send(hook.url, { content: 'x' })).status).toBe(204);
  });

  it('lets @discordjs/rest send a burst by following the headers', async () => {
    await start({ now: Date.now, rateLimit: { limit: 2, windowMs: 200 } });
    const rest = new REST({ api: fake.apiBase, retries: 0 });
    const route = `/webhooks/${hook.id}/${hook.token}` as const;
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((content) => rest.post(route, { body: { content }, auth: false, query: new URLSearchParams({ wait: 'true' }) })),
    );
    expect(results).toHaveLength(4);
    expect(fake.messages().map((m) => m.content).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(fake.requests.every((request) => request.path.startsWith('/api/v10/webhooks/'))).toBe(true);
    // The client waits on X-RateLimit-Remaining/-Reset-After, so it never runs into a 429.
    expect(fake.stats().totals.rateLimited).toBe(0);
  });
});

describe('bot messages and nonces', () => {
  const channelId = '345678901234567890';
  const asBot = (body: unknown, token = 'Bot one'): Promise<Response> =>
    fetch(`${fake.apiBase}/v10/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: token },
      body: JSON.stringify(body),
    });

  it('returns the message created earlier for a nonce enforced again, and creates nothing', async () => {
    const first = await json<ApiMessage & { nonce?: string }>(await asBot({ content: 'firing', nonce: 'entry-1', enforce_nonce: true }));
    expect(first.nonce).toBe('entry-1');
    clock += 60_000;
    const again = await asBot({ content: 'firing, newer', nonce: 'entry-1', enforce_nonce: true });
    expect(again.status).toBe(200);
    expect(await json<ApiMessage>(again)).toMatchObject({ id: first.id, content: 'firing' });
    expect(fake.messages({ channelId }).map((message) => message.content)).toEqual(['firing']);
  });

  it('creates a new message for the same nonce without enforce_nonce, from another author, or after the window', async () => {
    await asBot({ content: '1', nonce: 'n', enforce_nonce: true });
    await asBot({ content: '2', nonce: 'n' });
    await asBot({ content: '3', nonce: 'n', enforce_nonce: true }, 'Bot two');
    clock += 120_000;
    await asBot({ content: '4', nonce: 'n', enforce_nonce: true });
    expect(fake.messages({ channelId }).map((message) => message.content)).toEqual(['1', '2', '3', '4']);
  });

  it('answers Unknown Message for an enforced nonce whose message was deleted', async () => {
    const created = await json<ApiMessage>(await asBot({ content: 'firing', nonce: 'deleted', enforce_nonce: true }));
    const route = `${fake.apiBase}/v10/channels/${channelId}/messages/${created.id}`;
    expect((await fetch(route, { method: 'DELETE', headers: { authorization: 'Bot one' } })).status).toBe(204);
    const again = await asBot({ content: 'firing', nonce: 'deleted', enforce_nonce: true });
    expect(again.status).toBe(404);
    expect((await json<DiscordErrorBody>(again)).code).toBe(10008);
    expect(fake.messages({ channelId })).toEqual([]);
  });

  it('shows the nonce only in the answer to the create', async () => {
    const created = await json<ApiMessage & { nonce?: string }>(await asBot({ content: 'firing', nonce: 42, enforce_nonce: true }));
    expect(created.nonce).toBe(42);
    expect(fake.messages({ channelId })[0]?.nonce).toBe(42);
    const edit = await fetch(`${fake.apiBase}/v10/channels/${channelId}/messages/${created.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', authorization: 'Bot one' },
      body: JSON.stringify({ content: 'resolved' }),
    });
    expect(await json<Record<string, unknown>>(edit)).not.toHaveProperty('nonce');
  });

  it('rejects a nonce over 25 characters with 50035', async () => {
    const response = await asBot({ content: 'x', nonce: text(26), enforce_nonce: true });
    expect(response.status).toBe(400);
    const error = await json<DiscordErrorBody>(response);
    expect(error.code).toBe(50035);
    expect(errorCodesAt(error.errors, ['nonce'])).toEqual(['BASE_TYPE_MAX_LENGTH']);
    expect((await asBot({ content: 'x', nonce: text(25), enforce_nonce: true })).status).toBe(200);
  });

  it('ignores a nonce sent to a webhook', async () => {
    const response = await send(`${hook.url}?wait=true`, { content: 'x', nonce: 'n', enforce_nonce: true });
    expect(await json<Record<string, unknown>>(response)).not.toHaveProperty('nonce');
    await send(`${hook.url}?wait=true`, { content: 'y', nonce: 'n', enforce_nonce: true });
    expect(fake.messages({ webhookId: hook.id })).toHaveLength(2);
  });
});

describe('replies', () => {
  const channelId = '345678901234567891';
  const asBot = (body: unknown): Promise<Response> =>
    fetch(`${fake.apiBase}/v10/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bot one' },
      body: JSON.stringify(body),
    });

  it('keeps what a bot message replies to; a reply to nothing is refused unless fail_if_not_exists is false', async () => {
    const first = await json<ApiMessage>(await asBot({ content: 'the alert' }));
    const reply = await json<ApiMessage>(await asBot({ content: 'still firing', message_reference: { message_id: first.id } }));
    expect(fake.messages({ channelId }).find((message) => message.id === reply.id)?.replyTo).toBe(first.id);

    const missing = await asBot({ content: 'still firing', message_reference: { message_id: '999999999999999999' } });
    expect(missing.status).toBe(400);
    expect((await json<DiscordErrorBody>(missing)).errors).toMatchObject({ message_reference: { _errors: [{ code: 'REPLIES_UNKNOWN_MESSAGE' }] } });
    const plain = await json<ApiMessage>(await asBot({ content: 'still firing', message_reference: { message_id: '999999999999999999', fail_if_not_exists: false } }));
    expect(fake.messages({ channelId }).find((message) => message.id === plain.id)?.replyTo).toBeUndefined();
  });
});

describe('direct messages', () => {
  const asBot = (path: string, body: unknown, token = 'Bot one'): Promise<Response> =>
    fetch(`${fake.apiBase}/v10${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token }, body: JSON.stringify(body) });
  const userId = '456789012345678901';

  it('opens one DM channel per user, the same on every call, for a bot only', async () => {
    const opened = await asBot('/users/@me/channels', { recipient_id: userId });
    expect(opened.status).toBe(200);
    const channel = await json<{ id: string; type: number; recipients: Array<{ id: string }> }>(opened);
    expect(channel).toMatchObject({ type: 1, recipients: [{ id: userId }] });
    expect((await json<{ id: string }>(await asBot('/users/@me/channels', { recipient_id: userId }))).id).toBe(channel.id);
    expect(fake.directMessageChannel(userId)).toBe(channel.id);
    expect((await json<{ id: string }>(await asBot('/users/@me/channels', { recipient_id: '567890123456789012' }))).id).not.toBe(channel.id);
    expect((await asBot('/users/@me/channels', { recipient_id: userId }, 'Bearer x')).status).toBe(401);

    await asBot(`/channels/${channel.id}/messages`, { content: 'CPU high' });
    expect(fake.directMessages(userId).map((message) => message.content)).toEqual(['CPU high']);
  });

  it('needs a snowflake recipient_id', async () => {
    for (const body of [{}, { recipient_id: 'someone' }]) {
      const response = await asBot('/users/@me/channels', body);
      expect(response.status).toBe(400);
      const error = await json<DiscordErrorBody>(response);
      expect(error.code).toBe(50035);
      expect(errorCodesAt(error.errors, ['recipient_id'])).toHaveLength(1);
    }
  });

  it('refuses messages to a user who takes no DMs with 403 50007, though the channel opens', async () => {
    fake.refuseDirectMessages(userId);
    const opened = await asBot('/users/@me/channels', { recipient_id: userId });
    expect(opened.status).toBe(200);
    const { id } = await json<{ id: string }>(opened);
    const refused = await asBot(`/channels/${id}/messages`, { content: 'CPU high' });
    expect(refused.status).toBe(403);
    expect(await json<DiscordErrorBody>(refused)).toMatchObject({ code: 50007, message: 'Cannot send messages to this user' });
    expect(fake.directMessages(userId)).toEqual([]);
  });
});

describe('forum channels and threads', () => {
  let forum: ReturnType<FakeDiscord['createForumChannel']>;
  let inForum: FakeWebhook;
  const tag = (name: string): string => forum.tags.find((candidate) => candidate.name === name)?.id ?? '';
  const patchThread = (id: string, body: unknown, authorization = 'Bot one'): Promise<Response> =>
    fetch(`${fake.apiBase}/v10/channels/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });

  beforeEach(() => {
    forum = fake.createForumChannel(['firing', 'resolved']);
    inForum = fake.createWebhook({ channelId: forum.id });
  });

  it('refuses a webhook message to a forum without thread_id or thread_name', async () => {
    const response = await send(`${inForum.url}?wait=true`, { content: 'x' });
    expect(response.status).toBe(400);
    expect(await json<DiscordErrorBody>(response)).toMatchObject({ code: 220001 });
    expect(fake.messages()).toEqual([]);
  });

  it('creates a tagged post whose first message has the thread id, then posts into it and edits there with thread_id', async () => {
    const created = await json<ApiMessage>(await send(`${inForum.url}?wait=true`, { content: 'firing', thread_name: 'DiskFull', applied_tags: [tag('firing')] }));
    expect(created.channel_id).toBe(created.id);
    expect(fake.threads({ parentId: forum.id })).toEqual([{ id: created.id, parentId: forum.id, name: 'DiskFull', appliedTags: [tag('firing')], archived: false, updates: 0 }]);

    const inside = await json<ApiMessage>(await send(`${inForum.url}?wait=true&thread_id=${created.id}`, { content: 'still firing' }));
    expect(inside.channel_id).toBe(created.id);
    expect(fake.messages({ channelId: created.id }).map((message) => message.content)).toEqual(['firing', 'still firing']);

    const withoutThread = await send(`${inForum.url}/messages/${created.id}`, { content: 'resolved' }, { method: 'PATCH' });
    expect(withoutThread.status).toBe(404);
    const edited = await send(`${inForum.url}/messages/${created.id}?thread_id=${created.id}`, { content: 'resolved' }, { method: 'PATCH' });
    expect(edited.status).toBe(200);
    expect(fake.messages({ channelId: created.id })[0]?.content).toBe('resolved');
  });

  it('refuses unknown tags, a thread_name outside a forum, and a thread of another channel', async () => {
    const badTag = await send(`${inForum.url}?wait=true`, { content: 'x', thread_name: 'A', applied_tags: ['123456789012345678'] });
    expect(badTag.status).toBe(400);
    const outside = await send(`${hook.url}?wait=true`, { content: 'x', thread_name: 'A' });
    expect(outside.status).toBe(400);
    const created = await json<ApiMessage>(await send(`${inForum.url}?wait=true`, { content: 'x', thread_name: 'A' }));
    const elsewhere = await send(`${hook.url}?wait=true&thread_id=${created.id}`, { content: 'y' });
    expect(elsewhere.status).toBe(404);
    expect(await json<DiscordErrorBody>(elsewhere)).toMatchObject({ code: 10003 });
  });

  it('lets only the bot re-tag and archive a thread; archived, its messages are read-only until a post unarchives it', async () => {
    const created = await json<ApiMessage>(await send(`${inForum.url}?wait=true`, { content: 'firing', thread_name: 'DiskFull', applied_tags: [tag('firing')] }));
    expect((await patchThread(created.id, { archived: true }, '')).status).toBe(401);
    const patched = await patchThread(created.id, { applied_tags: [tag('resolved')], archived: true });
    expect(patched.status).toBe(200);
    expect(fake.threads()[0]).toMatchObject({ appliedTags: [tag('resolved')], archived: true, updates: 1 });
    expect((await patchThread(created.id, { applied_tags: ['123456789012345678'] })).status).toBe(400);

    const edit = await send(`${inForum.url}/messages/${created.id}?thread_id=${created.id}`, { content: 'x' }, { method: 'PATCH' });
    expect(await json<DiscordErrorBody>(edit)).toMatchObject({ code: 50083 });
    expect((await send(`${inForum.url}?wait=true&thread_id=${created.id}`, { content: 'again' })).status).toBe(200);
    expect(fake.threads()[0]?.archived).toBe(false);
  });

  it('answers Unknown Channel for a deleted thread', async () => {
    const created = await json<ApiMessage>(await send(`${inForum.url}?wait=true`, { content: 'x', thread_name: 'A' }));
    expect(fake.deleteThread(created.id)).toBe(true);
    expect(fake.messages({ channelId: created.id })).toEqual([]);
    expect(await json<DiscordErrorBody>(await send(`${inForum.url}?wait=true&thread_id=${created.id}`, { content: 'y' }))).toMatchObject({ code: 10003 });
    expect((await patchThread(created.id, { archived: true })).status).toBe(404);
  });
});

describe('threads started from messages in a text channel', () => {
  const channelId = '223456789012345678';
  const asBot = (path: string, body: unknown, method = 'POST'): Promise<Response> =>
    fetch(`${fake.apiBase}/v10${path}`, { method, headers: { 'content-type': 'application/json', authorization: 'Bot one' }, body: JSON.stringify(body) });
  const postInChannel = async (id: string, content: string): Promise<ApiMessage> => json<ApiMessage>(await asBot(`/channels/${id}/messages`, { content }));

  it('starts one thread per message, named 1-100 characters, with the message id; the bot then posts in it', async () => {
    const summary = await postInChannel(channelId, 'firing');
    expect((await asBot(`/channels/${channelId}/messages/${summary.id}/threads`, { name: '' })).status).toBe(400);
    expect((await asBot(`/channels/${channelId}/messages/${summary.id}/threads`, { name: 'x'.repeat(101) })).status).toBe(400);
    expect((await asBot(`/channels/${channelId}/messages/${summary.id}/threads`, {})).status).toBe(400);

    const started = await asBot(`/channels/${channelId}/messages/${summary.id}/threads`, { name: 'DiskFull' });
    expect(started.status).toBe(201);
    expect(await json<{ id: string; parent_id: string; name: string }>(started)).toMatchObject({ id: summary.id, parent_id: channelId, name: 'DiskFull' });
    expect(fake.threads({ parentId: channelId })).toEqual([{ id: summary.id, parentId: channelId, starterMessageId: summary.id, name: 'DiskFull', appliedTags: [], archived: false, updates: 0 }]);

    clock += 2000; // past the rate limit window of the requests above
    const again = await asBot(`/channels/${channelId}/messages/${summary.id}/threads`, { name: 'DiskFull' });
    expect(again.status).toBe(400);
    expect(await json<DiscordErrorBody>(again)).toMatchObject({ code: 160004, message: 'A thread has already been created for this message' });

    const update = await postInChannel(summary.id, 'still firing');
    expect(update.channel_id).toBe(summary.id);
    expect(fake.messages({ channelId: summary.id }).map((message) => message.content)).toEqual(['still firing']);
  });

  it('refuses a message of another channel and needs the bot', async () => {
    const summary = await postInChannel(channelId, 'firing');
    const elsewhere = await asBot(`/channels/323456789012345678/messages/${summary.id}/threads`, { name: 'A' });
    expect(await json<DiscordErrorBody>(elsewhere)).toMatchObject({ code: 10008 });
    const anonymous = await fetch(`${fake.apiBase}/v10/channels/${channelId}/messages/${summary.id}/threads`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'A' }) });
    expect(anonymous.status).toBe(401);
    expect(fake.threads()).toEqual([]);
  });

  it('answers Unknown Channel in a deleted thread, lets the message start a new one, and unarchives on a post', async () => {
    const summary = await postInChannel(channelId, 'firing');
    await asBot(`/channels/${channelId}/messages/${summary.id}/threads`, { name: 'A' });
    expect(fake.deleteThread(summary.id)).toBe(true);
    expect(await json<DiscordErrorBody>(await asBot(`/channels/${summary.id}/messages`, { content: 'y' }))).toMatchObject({ code: 10003 });

    expect((await asBot(`/channels/${channelId}/messages/${summary.id}/threads`, { name: 'A' })).status).toBe(201);
    expect((await asBot(`/channels/${summary.id}`, { archived: true }, 'PATCH')).status).toBe(200);
    expect(fake.threads()[0]?.archived).toBe(true);
    expect((await asBot(`/channels/${summary.id}/messages`, { content: 'again' })).status).toBe(200);
    expect(fake.threads()[0]?.archived).toBe(false);
  });
});

describe('fault injection', () => {
  it('fails the next requests with failNext', async () => {
    fake.failNext(2, { status: 502 });
    const first = await send(hook.url, { content: 'x' });
    expect(first.status).toBe(502);
    expect(await json<DiscordErrorBody>(first)).toEqual({ message: 'Bad Gateway', code: 0 });
    expect((await send(hook.url, { content: 'x' })).status).toBe(502);
    expect((await send(hook.url, { content: 'x' })).status).toBe(204);
    expect(fake.stats().byWebhook[hook.id]).toMatchObject({ serverErrors: 2, ok: 1 });
    expect(fake.messages()).toHaveLength(1);
  });

  it('fails only the chosen webhook, with Retry-After and a raw body', async () => {
    const other = fake.createWebhook();
    fake.failNext(1, { status: 503, webhookId: other.id, retryAfter: 3, body: '<html>upstream</html>' });
    expect((await send(hook.url, { content: 'x' })).status).toBe(204);
    const failed = await send(other.url, { content: 'x' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('3');
    expect(failed.headers.get('content-type')).toContain('text/html');
    expect(await failed.text()).toBe('<html>upstream</html>');
  });

  it('holds requests with hangNext until the client gives up', async () => {
    fake.hangNext(1);
    await expect(send(hook.url, { content: 'x' }, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(fake.requests[0]).toMatchObject({ method: 'POST', status: undefined, hung: true });
    expect((await send(hook.url, { content: 'y' })).status).toBe(204);
    expect(fake.requests[1]?.hung).toBeUndefined();
    expect(fake.messages().map((m) => m.content)).toEqual(['y']);
  });

  it('answers 2xx with garbage after creating the message, with garbleNext', async () => {
    fake.garbleNext(1);
    const garbled = await send(`${hook.url}?wait=true`, { content: 'x' });
    expect(garbled.status).toBe(200);
    expect(garbled.headers.get('content-type')).toBe('application/json');
    await expect(garbled.json()).rejects.toThrow(SyntaxError);
    expect(fake.messages().map((m) => m.content)).toEqual(['x']);
    // Errors are not garbled, and the fault is used up by the request it applied to.
    fake.garbleNext(1, { body: '<html>proxy</html>' });
    expect((await send(hook.url, {})).status).toBe(400);
    expect(await (await send(`${hook.url}?wait=true`, { content: 'y' })).text()).toMatch(/^\{"id"/);
  });

  it('garbles or fails only requests to the chosen channel', async () => {
    const channelId = '345678901234567890';
    fake.failNext(1, { status: 503, channelId });
    expect((await send(hook.url, { content: 'webhook' })).status).toBe(204);
    const asBot = await fetch(`${fake.apiBase}/v10/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bot one' },
      body: JSON.stringify({ content: 'bot' }),
    });
    expect(asBot.status).toBe(503);
  });

  it('handles a request late with slowNext, creating the message even when the client gave up', async () => {
    fake.slowNext(1, 300);
    const started = performance.now();
    await expect(send(hook.url, { content: 'late' }, { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(fake.messages()).toEqual([]);
    await vi.waitFor(() => expect(fake.messages().map((m) => m.content)).toEqual(['late']), { timeout: 2000, interval: 20 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // Answered in the end when the client waits long enough.
    fake.slowNext(1, 100);
    expect((await send(`${hook.url}?wait=true`, { content: 'patient' })).status).toBe(200);
  });

  it('closes promptly while a request hangs', async () => {
    fake.hangNext(1);
    const pending = send(hook.url, { content: 'x' }).catch((error: unknown) => error);
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1));
    const started = performance.now();
    await fake.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('records', () => {
  it('records every request, including rejected ones, and resets', async () => {
    await send(`${hook.url}?wait=true`, { content: 'ok' });
    await send(`${fake.apiBase}/v10/webhooks/1/nope`, { content: 'x' });
    expect(fake.requests).toMatchObject([
      {
        method: 'POST',
        path: `/api/webhooks/${hook.id}/${hook.token}`,
        query: { wait: 'true' },
        body: { content: 'ok' },
        status: 200,
        at: START,
        route: 'POST /webhooks/:id/:token',
        webhookId: hook.id,
      },
      { path: '/api/v10/webhooks/1/nope', status: 404, webhookId: '1' },
    ]);
    expect(fake.requests[0]?.headers['content-type']).toBe('application/json');
    expect(fake.stats().totals).toEqual({ total: 2, ok: 1, clientErrors: 1, rateLimited: 0, serverErrors: 0 });

    fake.reset();
    expect(fake.requests).toEqual([]);
    expect(fake.messages()).toEqual([]);
    expect(fake.stats().totals.total).toBe(0);
    expect(fake.getWebhook(hook.id)).toEqual(hook);
  });
});

describe('files (multipart bodies)', () => {
  const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

  function multipart(payload: unknown, files: Array<{ name: string; data: Buffer; field?: string }>): FormData {
    const form = new FormData();
    form.append('payload_json', JSON.stringify(payload));
    files.forEach((file, index) => form.append(file.field ?? `files[${index}]`, new Blob([file.data], { type: 'image/png' }), file.name));
    return form;
  }

  const post = (form: FormData, url = `${hook.url}?wait=true`, method = 'POST') => fetch(url, { method, body: form });

  it('stores the files of a message, readable by tests, and shows an embed image from attachment://', async () => {
    const response = await post(
      multipart({ embeds: [{ title: 'with graph', image: { url: 'attachment://graph.png' } }], attachments: [{ id: 0, filename: 'graph.png', description: 'a graph' }] }, [{ name: 'graph.png', data: PNG }]),
    );
    expect(response.status).toBe(200);
    const answer = await json<{ attachments: Array<{ filename: string; size: number; url: string }>; embeds: Array<{ image?: { url: string } }> }>(response);
    expect(answer.attachments).toMatchObject([{ filename: 'graph.png', size: PNG.length }]);
    expect(answer.embeds[0]?.image?.url).toBe(answer.attachments[0]?.url);
    const [stored] = fake.messages();
    expect(Buffer.from(stored?.attachments[0]?.data ?? []).equals(PNG)).toBe(true);
    expect(stored?.attachments[0]?.description).toBe('a graph');
    expect(fake.requests[0]?.files?.map((file) => file.field)).toEqual(['files[0]']);
    expect(fake.requests[0]?.body).toMatchObject({ embeds: [{ title: 'with graph' }] });
  });

  it('refuses attachment:// that names no uploaded file', async () => {
    const response = await post(multipart({ embeds: [{ title: 'x', image: { url: 'attachment://other.png' } }] }, [{ name: 'graph.png', data: PNG }]));
    expect(response.status).toBe(400);
    const body = await json<DiscordErrorBody>(response);
    expect(body.code).toBe(50035);
    expect(JSON.stringify(body.errors)).toContain('attachment://other.png');
    expect(fake.messages()).toHaveLength(0);
  });

  it('refuses an attachments entry that names no uploaded file', async () => {
    const response = await post(multipart({ content: 'x', attachments: [{ id: 1, filename: 'graph.png' }] }, [{ name: 'graph.png', data: PNG }]));
    expect(response.status).toBe(400);
    expect((await json<DiscordErrorBody>(response)).code).toBe(50035);
  });

  it('takes at most 10 files and 10 MiB in all', async () => {
    const ten = Array.from({ length: 10 }, (_, index) => ({ name: `f${index}.png`, data: PNG }));
    expect((await post(multipart({ content: 'ten' }, ten))).status).toBe(200);
    const eleven = await post(multipart({ content: 'eleven' }, [...ten, { name: 'f10.png', data: PNG }]));
    expect(eleven.status).toBe(400);
    expect((await json<DiscordErrorBody>(eleven)).code).toBe(50035);
    const large = await post(multipart({ content: 'large' }, [{ name: 'big.png', data: Buffer.alloc(10 * 1024 * 1024 + 1) }]));
    expect(large.status).toBe(413);
    expect((await json<DiscordErrorBody>(large)).code).toBe(40005);
    expect(fake.messages().map((message) => message.content)).toEqual(['ten']);
  });

  it('on edit keeps the files the attachments list names and drops the others', async () => {
    const created = await json<{ id: string; attachments: Array<{ id: string }> }>(
      await post(multipart({ embeds: [{ title: 'v1', image: { url: 'attachment://graph.png' } }] }, [{ name: 'graph.png', data: PNG }])),
    );
    const messageUrl = `${hook.url}/messages/${created.id}`;
    // Without a list the file stays.
    expect((await send(messageUrl, { content: 'still with file' }, { method: 'PATCH' })).status).toBe(200);
    expect(fake.messages()[0]?.attachments).toHaveLength(1);
    // A new file replaces the old one when only the new one is listed.
    const replaced = await post(
      multipart({ embeds: [{ title: 'v2', image: { url: 'attachment://graph.png' } }], attachments: [{ id: 0, filename: 'graph.png' }] }, [{ name: 'graph.png', data: Buffer.concat([PNG, PNG]) }]),
      messageUrl,
      'PATCH',
    );
    expect(replaced.status).toBe(200);
    const [message] = fake.messages();
    expect(message?.attachments.map((file) => file.size)).toEqual([PNG.length * 2]);
    expect(message?.attachments[0]?.id).not.toBe(created.attachments[0]?.id);
    expect(message?.embeds[0]?.image?.url).toBe(message?.attachments[0]?.url);
    // An empty list drops every file.
    expect((await send(messageUrl, { embeds: [{ title: 'v3' }], attachments: [] }, { method: 'PATCH' })).status).toBe(200);
    expect(fake.messages()[0]?.attachments).toEqual([]);
    expect(fake.messages()[0]?.versions.map((version) => version.attachments)).toEqual([['graph.png'], ['graph.png'], ['graph.png'], []]);
  });

  it('takes files from the bot through discord.js', async () => {
    const rest = new REST({ api: fake.apiBase, version: '10' }).setToken('bot-token');
    const channelId = '123456789012345678';
    const created = (await rest.post(`/channels/${channelId}/messages`, {
      body: { embeds: [{ title: 'bot', image: { url: 'attachment://graph.png' } }], attachments: [{ id: 0, filename: 'graph.png' }] },
      files: [{ name: 'graph.png', data: PNG, contentType: 'image/png' }],
    })) as { id: string };
    const [message] = fake.messages({ channelId });
    expect(message?.id).toBe(created.id);
    expect(Buffer.from(message?.attachments[0]?.data ?? []).equals(PNG)).toBe(true);
  });
});
