import { describe, expect, it } from 'vitest';
import type { Actor } from './actor.js';
import { type BotPermissions, mayRead, maySilence } from './permissions.js';

const GUILD = '100000000000000000';
const OPS = '100000000000000001';
const VIEWERS = '100000000000000002';

function actor(id: string, roles: string[] = []): Actor {
  return { id, tag: `user${id.slice(-2)}`, displayName: 'User', roleIds: [GUILD, ...roles] };
}

function permissions(overrides: Partial<BotPermissions> = {}): BotPermissions {
  return { silence_roles: [], silence_users: [], read_roles: [], ...overrides };
}

describe('maySilence', () => {
  it('allows nobody when no role or user is listed, and says how to change that', () => {
    const decision = maySilence(actor('200000000000000001', [OPS]), permissions());
    expect(decision).toEqual({ allowed: false, reason: expect.stringContaining('nobody is allowed yet') as unknown });
    expect(!decision.allowed && decision.reason).toContain('silence_roles');
  });

  it('allows members of a silence role and listed users', () => {
    const rules = permissions({ silence_roles: [OPS], silence_users: ['200000000000000009'] });
    expect(maySilence(actor('200000000000000001', [OPS]), rules).allowed).toBe(true);
    expect(maySilence(actor('200000000000000009'), rules).allowed).toBe(true);
    const refused = maySilence(actor('200000000000000002', [VIEWERS]), rules);
    expect(refused).toEqual({ allowed: false, reason: `You may not create or expire silences: that needs one of the roles <@&${OPS}> or to be listed by user.` });
  });

  it('treats the guild id as the @everyone role', () => {
    expect(maySilence(actor('200000000000000001'), permissions({ silence_roles: [GUILD] })).allowed).toBe(true);
  });
});

describe('mayRead', () => {
  it('is open to everyone unless read roles are set', () => {
    expect(mayRead(actor('200000000000000001'), permissions()).allowed).toBe(true);
    const rules = permissions({ read_roles: [VIEWERS], silence_roles: [OPS] });
    expect(mayRead(actor('200000000000000001', [VIEWERS]), rules).allowed).toBe(true);
    expect(mayRead(actor('200000000000000001', [OPS]), rules).allowed).toBe(true);
    expect(mayRead(actor('200000000000000001'), rules)).toEqual({ allowed: false, reason: `This command is limited to the roles <@&${VIEWERS}>.` });
  });
});
