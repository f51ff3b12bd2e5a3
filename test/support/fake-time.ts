import type { Clock, Sleep } from '../../src/util/sleep.js';

/**
 * Time that moves only when code under test waits: `sleep(ms)` advances it by `ms` at once and
 * records the wait. Shared by the fake Discord and the client, rate-limit windows pass instantly.
 */
export class FakeTime implements Clock {
  readonly waits: number[] = [];
  constructor(private current = Date.UTC(2026, 10, 25, 12)) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  readonly sleep: Sleep = (ms) => {
    this.waits.push(ms);
    this.current += Math.max(0, ms);
    return Promise.resolve();
  };
}
