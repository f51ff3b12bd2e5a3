import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { collectingGarbageUntil } from '../../test/support/garbage-collection.js';
import { describeFailure, JsonHttpClient, type RequestFailure } from './json-http-client.js';

class TestError extends Error {
  constructor(readonly failure: RequestFailure) {
    super(describeFailure('Service', failure));
  }
}

async function failureOf(promise: Promise<unknown>): Promise<RequestFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TestError) return error.failure;
    throw error;
  }
  throw new Error('expected the request to fail');
}

function clientAnswering(response: () => Response, seenUrls: string[] = []): JsonHttpClient {
  return new JsonHttpClient(
    {
      baseUrl: 'http://service.invalid',
      fetch: (input) => {
        seenUrls.push(String(input));
        return Promise.resolve(response());
      },
    },
    (failure) => new TestError(failure),
  );
}

describe('JsonHttpClient', () => {
  it('encodes query values: repeated arrays, dates as RFC 3339, undefined left out', async () => {
    const seen: string[] = [];
    const client = clientAnswering(() => Response.json({ ok: true }), seen);
    await client.request({
      method: 'GET',
      path: '/x',
      query: { list: ['a b', 'c&d'], at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), flag: false, step: 15, none: undefined },
      schema: z.object({ ok: z.boolean() }),
    });
    expect(seen).toEqual([
      'http://service.invalid/x?list=a+b&list=c%26d&at=2026-01-02T03%3A04%3A05.000Z&flag=false&step=15',
    ]);
  });

  it('passes an empty 2xx body to the schema as undefined', async () => {
    const client = clientAnswering(() => new Response(null, { status: 200 }));
    await expect(client.request({ method: 'DELETE', path: '/x', schema: z.undefined() })).resolves.toBeUndefined();
  });

  it.each([
    ['a JSON string', () => new Response('"silence not found"', { status: 500 }), 'silence not found'],
    ['an {error} object', () => Response.json({ status: 'error', error: 'bad' }, { status: 400 }), 'bad'],
    ['a {message} object', () => Response.json({ code: 601, message: 'wrong type' }, { status: 422 }), 'wrong type'],
    ['plain text', () => new Response('404 page not found\n', { status: 404 }), '404 page not found'],
    ['an empty body', () => new Response('', { status: 502 }), 'empty body'],
  ])('takes the error text from %s', async (_label, response, detail) => {
    const failure = await failureOf(clientAnswering(response).request({ method: 'GET', path: '/x', schema: z.unknown() }));
    expect(failure.kind).toBe('http');
    expect(failure.detail).toBe(detail);
  });

  it('uses a per-request error factory when given', async () => {
    const client = clientAnswering(() => new Response('"no"', { status: 400 }));
    await expect(
      client.request({ method: 'GET', path: '/x', schema: z.unknown(), toError: () => new RangeError('custom') }),
    ).rejects.toThrow(RangeError);
  });

  it('says where a response does not fit the schema', async () => {
    const client = clientAnswering(() => Response.json({ items: [{ id: 1 }, { id: 'two' }] }));
    const failure = await failureOf(
      client.request({ method: 'GET', path: '/x', schema: z.object({ items: z.array(z.object({ id: z.number() })) }) }),
    );
    expect(failure.kind).toBe('invalid-response');
    expect(failure.detail).toMatch(/^items\.1\.id: /);
  });

  describe('deadline', () => {
    let server: Server;
    let baseUrl: string;

    beforeAll(async () => {
      // Sends headers and half a body, then stalls: the deadline must cover the body too.
      server = createServer((_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"partial":');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('covers a body that stops arriving', async () => {
      const client = new JsonHttpClient({ baseUrl, timeoutMs: 200 }, (failure) => new TestError(failure));
      const failure = await failureOf(client.request({ method: 'GET', path: '/slow', schema: z.unknown() }));
      expect(failure.kind).toBe('timeout');
      expect(describeFailure('Service', failure)).toBe(`Service at ${baseUrl} did not answer within 0.2 s (GET /slow).`);
    });

    it('holds while garbage is collected during the wait', async () => {
      const client = new JsonHttpClient({ baseUrl, timeoutMs: 300 }, (failure) => new TestError(failure));
      const started = performance.now();
      const failure = await collectingGarbageUntil(failureOf(client.request({ method: 'GET', path: '/slow', schema: z.unknown() })));
      expect(failure.kind).toBe('timeout');
      expect(performance.now() - started).toBeLessThan(2000);
    });

    it('holds when the transport ignores the abort', async () => {
      const stuck = new JsonHttpClient(
        { baseUrl, timeoutMs: 100, fetch: () => new Promise<Response>(() => undefined) },
        (failure) => new TestError(failure),
      );
      expect((await failureOf(stuck.request({ method: 'GET', path: '/x', schema: z.unknown() }))).kind).toBe('timeout');
    });
  });
});
