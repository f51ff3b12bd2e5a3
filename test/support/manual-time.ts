import type { Clock, Sleep } from '../../src/util/sleep.js';

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** Lets every promise callback that is ready run (several rounds: chains of awaits). */
export async function settle(): Promise<void> {
  for (let round = 0; round < 20; round += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Time that moves only when the test says: `sleep(ms)` waits until advance() has passed its
 * end, so code with its own timing loop (a lease renewed every few seconds) can be stepped
 * through, waking each sleeper at its moment.
 */
export class ManualTime implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((other) => other !== sleeper);
        reject(signal?.reason as Error);
      };
      const sleeper: Sleeper = {
        at: this.current + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  /** Moves time forward by `ms`, waking each sleeper in turn at its own moment. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    for (;;) {
      await settle();
      const due = this.sleepers.filter((sleeper) => sleeper.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.current = Math.max(this.current, due.at);
      this.sleepers = this.sleepers.filter((sleeper) => sleeper !== due);
      due.resolve();
    }
    this.current = end;
    await settle();
  }
}
