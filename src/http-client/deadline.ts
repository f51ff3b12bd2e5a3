/**
 * A deadline for one outgoing HTTP exchange: request, headers and body.
 *
 * Not `AbortSignal.timeout()` combined through `AbortSignal.any()`: on Node 20 the combined
 * signal holds its sources only weakly, so a timeout signal nothing else refers to can be
 * garbage-collected before it fires, and the request then waits for the socket's own timeout
 * (minutes). Here a plain timer owns the controller, so the deadline holds under memory pressure.
 */

/** What an exchange that ran out of time rejects with; the same name `AbortSignal.timeout()` uses. */
export function deadlineExceeded(timeoutMs: number): DOMException {
  return new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError');
}

/** True for the rejection of an exchange that ran out of time (ours, or an `AbortSignal.timeout()`). */
export function isDeadlineExceeded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'name' in error && error.name === 'TimeoutError';
}

/**
 * Runs `exchange` with a signal that aborts after `timeoutMs` or when `signal` (the caller's,
 * e.g. shutdown) aborts, whichever comes first, and settles by then even if the exchange ignores
 * its signal. Time runs out with a TimeoutError; the caller's abort rejects with its reason. The
 * timer and the listener on the caller's signal are removed as soon as the exchange settles.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  exchange: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  if (signal?.aborted) throw abortReason(signal);
  const timer = setTimeout(() => controller.abort(deadlineExceeded(timeoutMs)), timeoutMs);
  const forward = (): void => controller.abort(abortReason(signal));
  signal?.addEventListener('abort', forward, { once: true });

  let stop: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    // The reason is our TimeoutError or the caller's own abort reason, passed on as it is.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    stop = () => reject(controller.signal.reason);
    controller.signal.addEventListener('abort', stop, { once: true });
  });
  // Called inside an async function, so a synchronous throw also ends up as a rejection.
  const running = (async () => exchange(controller.signal))();
  // Whichever loses the race must not surface as an unhandled rejection.
  running.catch(() => undefined);
  stopped.catch(() => undefined);
  try {
    return await Promise.race([running, stopped]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', forward);
    if (stop) controller.signal.removeEventListener('abort', stop);
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
}
