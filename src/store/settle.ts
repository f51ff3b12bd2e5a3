/**
 * A synchronous SQLite call as the promise a storage port returns: its result, or its error as
 * a rejection (never a throw), so callers handle both backends alike.
 */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
