import type { Logger } from '../log/logger.js';

interface Step {
  name: string;
  run: () => void | Promise<void>;
}

/**
 * What start-up acquired, to be released in reverse order: by close(), and by a start that fails
 * half-way, so neither leaves a database open or a bot logged in. Each step runs once; one that
 * fails is logged and the rest still run.
 */
export class CleanupStack {
  private readonly steps: Step[] = [];

  constructor(private readonly logger?: Logger) {}

  /** Registers how to release something just acquired. */
  defer(name: string, run: () => void | Promise<void>): void {
    this.steps.push({ name, run });
  }

  async unwind(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step.run();
      } catch (error) {
        this.logger?.error({ err: error, step: step.name }, 'could not release a resource while stopping');
      }
    }
  }
}
