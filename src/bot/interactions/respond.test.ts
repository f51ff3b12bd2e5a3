import { describe, expect, it } from 'vitest';
import { settleWithin } from './respond.js';

describe('settleWithin', () => {
  it('returns a value that is ready in time', async () => {
    await expect(settleWithin(Promise.resolve(42), 1000)).resolves.toEqual({ done: true, value: 42 });
  });

  it('reports a value that is not ready in time, leaving it to finish', async () => {
    let finish: (value: string) => void = () => undefined;
    const pending = new Promise<string>((resolve) => {
      finish = resolve;
    });
    await expect(settleWithin(pending, 5)).resolves.toEqual({ done: false });
    finish('late');
    await expect(pending).resolves.toBe('late');
  });

  it('throws an early failure', async () => {
    await expect(settleWithin(Promise.reject(new Error('broken')), 1000)).rejects.toThrow('broken');
  });
});
