import type { Sleep } from './sleep.js';

export interface RepeatingOptions {
  /** The pause after each pass, before the next one begins. */
  intervalMs: number;
  sleep: Sleep;
  /** A pass failed; the next one tries again. */
  onError: (error: unknown) => void;
}

/**
 * A pass run again and again until stop(): a loop the leader keeps (escalation, subscriptions),
 * where a failed pass is reported and the next one tries again. stop() waits for the pass under
 * way; a long pass may look at `signal` to end early.
 */
export class Repeating {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly pass: () => Promise<void>,
    private readonly options: RepeatingOptions,
  ) {}

  /** Aborted once stop() was called. */
  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('stopping'));
    await this.loop;
  }

  private async run(): Promise<void> {
    const { sleep, intervalMs, onError } = this.options;
    while (!this.stopping.signal.aborted) {
      try {
        await this.pass();
      } catch (error) {
        onError(error);
      }
      await sleep(intervalMs, this.stopping.signal).catch(() => undefined);
    }
  }
}
