/**
 * Forces garbage collection while a request is pending, so a timer that only a weak reference
 * keeps alive is collected before it fires. Needs `--expose-gc` (vitest.config.ts passes it).
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('global gc() is missing: run the tests with node --expose-gc (see vitest.config.ts)');
  gc();
}

/** Collects garbage every `everyMs` until `pending` settles; returns what it settled with. */
export async function collectingGarbageUntil<T>(pending: Promise<T>, everyMs = 20): Promise<T> {
  collectGarbage();
  const timer = setInterval(collectGarbage, everyMs);
  try {
    return await pending;
  } finally {
    clearInterval(timer);
  }
}
