import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectingGarbageUntil } from '../../test/support/garbage-collection.js';
import { isDeadlineExceeded, withDeadline } from './deadline.js';

/** A loopback server that takes requests and, depending on the path, never answers or stalls the body. */
let server: Server;
let url: string;

beforeEach(async () => {
  server = createServer((request, response) => {
    if (request.url === '/stall-body') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"id":'); // and nothing more
    }
    // any other path: never answered
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Times the request from before it starts: its first fetch() can take a while to set up. */
const outcome = (start: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> => {
  const started = performance.now();
  return start().then(
    () => ({ error: undefined, ms: performance.now() - started }),
    (error: unknown) => ({ error, ms: performance.now() - started }),
  );
};

describe('withDeadline', () => {
  it('ends a request nobody answers at its timeout while garbage is collected, with a caller signal too', async () => {
    // The caller's signal is what made AbortSignal.any() drop the timeout on Node 20.
    const shutdown = new AbortController();
    const { error, ms } = await collectingGarbageUntil(outcome(() => withDeadline(300, shutdown.signal, (signal) => fetch(`${url}/hang`, { signal }))));
    expect(isDeadlineExceeded(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
  });

  it('bounds reading the body, not only the headers', async () => {
    const exchange = () => withDeadline(300, undefined, async (signal) => (await fetch(`${url}/stall-body`, { signal })).text());
    const { error, ms } = await collectingGarbageUntil(outcome(exchange));
    expect(isDeadlineExceeded(error)).toBe(true);
    expect(ms).toBeLessThan(2000);
  });

  it('settles at its timeout even when the exchange ignores its signal', async () => {
    const { error } = await outcome(() => withDeadline(100, undefined, () => new Promise<never>(() => undefined)));
    expect(isDeadlineExceeded(error)).toBe(true);
  });

  it("ends at once with the caller's reason when the caller aborts", async () => {
    const shutdown = new AbortController();
    const pending = outcome(() => withDeadline(10_000, shutdown.signal, (signal) => fetch(`${url}/hang`, { signal })));
    const reason = new Error('stopping');
    setTimeout(() => shutdown.abort(reason), 50);
    const { error, ms } = await pending;
    expect(error).toBe(reason);
    expect(ms).toBeLessThan(2000);
  });

  it('does not start when the caller has already aborted', async () => {
    const shutdown = new AbortController();
    shutdown.abort(new Error('stopped'));
    let started = false;
    const { error } = await outcome(() => withDeadline(1000, shutdown.signal, () => ((started = true), Promise.resolve())));
    expect((error as Error).message).toBe('stopped');
    expect(started).toBe(false);
  });

  it('returns the result and leaves no timer or listener behind', async () => {
    const shutdown = new AbortController();
    const timersBefore = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    expect(await withDeadline(60_000, shutdown.signal, () => Promise.resolve('done'))).toBe('done');
    const timersAfter = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    expect(timersAfter).toBe(timersBefore);
    // A later shutdown must not reach the finished exchange's controller.
    let aborted = false;
    await withDeadline(60_000, shutdown.signal, (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      return Promise.resolve();
    });
    shutdown.abort();
    expect(aborted).toBe(false);
  });

  it('passes on the failure of the exchange itself', async () => {
    const { error } = await outcome(() => withDeadline(1000, undefined, () => fetch('http://127.0.0.1:1/')));
    expect(isDeadlineExceeded(error)).toBe(false);
    expect(error).toBeInstanceOf(TypeError);
  });
});
