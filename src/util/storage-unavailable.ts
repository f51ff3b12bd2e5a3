/**
 * Storage could not commit right now (a full disk, a read-only file system, a locked or
 * unreachable database): nothing changed, and the same write may succeed later. Every storage
 * backend reports such conditions with this error, so the layers above answer the same way
 * whatever the backend: 503 to a webhook, a paused delivery, a retry at the next tick.
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}
