import { StorageUnavailableError } from '../util/storage-unavailable.js';
import { isStorageUnavailable, storageErrorReason } from './storage-errors.js';
import type { StorageHealth } from './storage-health.js';

/**
 * A synchronous SQLite call as the promise a storage port returns: its result, or its error as a
 * rejection (never a throw). Storage conditions become StorageUnavailableError, so callers handle
 * every backend alike.
 */
export function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    if (isStorageUnavailable(error)) return Promise.reject(new StorageUnavailableError(storageErrorReason(error), { cause: error }));
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** settle() for a write (or a write and its wait for the disk), whose outcome tells `health` whether storage takes writes. */
export async function commit(health: StorageHealth, work: () => void | Promise<void>): Promise<void> {
  try {
    await settle(work);
    health.succeeded();
  } catch (error) {
    health.failed(error);
    throw error;
  }
}
