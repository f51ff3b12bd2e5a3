import { describe, expect, it } from 'vitest';
import { LogCapture } from '../../test/support/log-capture.js';
import { createLogger } from '../log/logger.js';
import { CleanupStack } from './cleanup-stack.js';

describe('CleanupStack', () => {
  it('releases in reverse order, each once, and goes on past a step that fails', async () => {
    const logs = new LogCapture();
    const stack = new CleanupStack(createLogger({ level: 'info', format: 'json', destination: logs }));
    const released: string[] = [];
    stack.defer('database', () => void released.push('database'));
    stack.defer('bot', () => Promise.reject(new Error('gateway gone')));
    stack.defer('server', async () => {
      await Promise.resolve();
      released.push('server');
    });
    await stack.unwind();
    await stack.unwind();
    expect(released).toEqual(['server', 'database']);
    expect(logs.entries('could not release a resource while stopping').map((entry) => entry.step)).toEqual(['bot']);
  });
});
