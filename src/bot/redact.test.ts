import { describe, expect, it } from 'vitest';
import { makeScrubber } from '../log/scrub.js';
import { loggableError } from './redact.js';

describe('the secret scrubber', () => {
  const scrub = makeScrubber(['MTIz.bot-token']);

  it('removes the bot token and interaction or webhook tokens', () => {
    expect(scrub('Bot MTIz.bot-token failed')).toBe('Bot <redacted> failed');
    expect(scrub('POST https://discord.com/api/v10/interactions/123/aW50ZXJhY3Rpb24.abc/callback')).toBe(
      'POST https://discord.com/api/v10/interactions/123/<redacted>/callback',
    );
    expect(scrub('PATCH /webhooks/456/aW50-x_y/messages/@original')).toBe('PATCH /webhooks/456/<redacted>/messages/@original');
  });
});

describe('loggableError', () => {
  it('keeps name, message, status and code, and drops request details', () => {
    const error = Object.assign(new Error('Unknown interaction'), {
      name: 'DiscordAPIError[10062]',
      status: 404,
      code: 10062,
      url: 'https://discord.com/api/v10/interactions/1/secret-token/callback',
      requestBody: { json: { content: 'x' } },
    });
    const logged = loggableError(error, makeScrubber(['MTIz.bot-token']));
    expect(logged).toMatchObject({ name: 'DiscordAPIError[10062]', message: 'Unknown interaction', status: 404, code: 10062 });
    expect(JSON.stringify(logged)).not.toContain('secret-token');
    expect(loggableError('plain', (text) => text)).toEqual({ name: 'Error', message: 'plain' });
  });
});
