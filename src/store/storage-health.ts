import { StorageUnavailableError } from '../util/storage-unavailable.js';
import { isStorageUnavailable, storageErrorReason } from './storage-errors.js';

/**
 * Whether the state database is taking writes, as the last write found it. Whoever writes
 * reports its outcome; /readyz and the webhook receiver read status() to tell Alertmanager and
 * the orchestrator to hold off while the disk is full or read-only, instead of failing silently.
 */
export class StorageHealth {
  #reason: string | undefined;

  /** `onFailure` hears of every write storage could not take (for a metric). */
  constructor(private readonly onFailure?: () => void) {}

  /** Records a failed write. Only storage conditions count: a bug says nothing about the disk. */
  failed(error: unknown): void {
    if (error instanceof StorageUnavailableError) this.#reason = error.message;
    else if (isStorageUnavailable(error)) this.#reason = storageErrorReason(error);
    else return;
    this.onFailure?.();
  }

  /** A write committed: storage works again. */
  succeeded(): void {
    this.#reason = undefined;
  }

  /** Why storage is not accepting writes, or undefined while it is. */
  status(): string | undefined {
    return this.#reason;
  }
}
