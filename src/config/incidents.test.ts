import { describe, expect, it } from 'vitest';
import { resolveRoutes } from '../routing/routes.js';
import { configSchema } from './schema.js';

const WEBHOOK = 'https://discord.com/api/webhooks/123456789012345678/token-abc';
const ROLE = '234567890123456789';

const issues = (input: unknown): string[] => {
  const parsed = configSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('routes[].escalation', () => {
  it('turns steps into delays with their mentions, none by default', () => {
    const config = configSchema.parse({
      discord: { webhook_url: WEBHOOK },
      routes: [{ name: 'critical', escalation: [{ after: '0s', roles: [ROLE] }, { after: '15m', roles: [ROLE], users: ['345678901234567890'] }] }, { name: 'quiet' }],
    });
    const [critical, quiet] = resolveRoutes(config);
    expect(critical?.escalation).toEqual([
      { afterMs: 0, roles: [ROLE], users: [] },
      { afterMs: 900_000, roles: [ROLE], users: ['345678901234567890'] },
    ]);
    expect(quiet?.escalation).toEqual([]);
  });

  it('refuses a step that pings nobody or does not come after the one before', () => {
    const problems = issues({ discord: { webhook_url: WEBHOOK }, routes: [{ escalation: [{ after: '15m', roles: [ROLE] }, { after: '15m', roles: [ROLE] }, { after: '1h' }] }] });
    expect(problems).toEqual(['routes.0.escalation.1.after: must be later than the step before it', 'routes.0.escalation.2: pings nobody: give roles or users']);
  });
});

describe('destinations.<name>.threads', () => {
  const bot = { enabled: true, token: 't', application_id: '123456789012345678', guild_id: '123456789012345679' };

  it('is off by default', () => {
    const config = configSchema.parse({ discord: { webhook_url: WEBHOOK }, destinations: { forum: { webhook_url: WEBHOOK } } });
    expect(config.destinations.forum).toMatchObject({ threads: false, thread_tags: {} });
  });

  it('takes a text channel of the bot, whose threads have no tags', () => {
    const config = configSchema.parse({ discord: { webhook_url: WEBHOOK }, bot, destinations: { text: { channel_id: '123456789012345670', threads: true } } });
    expect(config.destinations.text).toMatchObject({ channel_id: '123456789012345670', threads: true });
    const problems = issues({
      discord: { webhook_url: WEBHOOK },
      bot,
      destinations: { text: { channel_id: '123456789012345670', threads: true, thread_tags: { firing: '123456789012345671' } } },
    });
    expect(problems).toEqual(["destinations.text.thread_tags: thread tags are a forum's: threads in a channel_id (a text channel) have none"]);
  });
});
