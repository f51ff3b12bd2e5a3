import type { Config } from '../../config/schema.js';
import { roleMention } from '../../discord/markup.js';
import type { Actor } from './actor.js';

/**
 * Who may do what. Silencing (create, expire, buttons) is closed unless roles or users are listed;
 * reading is open to the guild unless `read_roles` is set.
 */

export type BotPermissions = Config['bot']['permissions'];
export type Access = 'read' | 'silence' | 'acknowledge';
export type Decision = { allowed: true } | { allowed: false; reason: string };

export function decide(access: Access, actor: Actor, permissions: BotPermissions): Decision {
  if (access === 'acknowledge') return mayAcknowledge(actor, permissions);
  return access === 'silence' ? maySilence(actor, permissions) : mayRead(actor, permissions);
}

/** Whoever may silence may acknowledge: both say "this one is taken care of". */
export function mayAcknowledge(actor: Actor, permissions: BotPermissions): Decision {
  const decision = maySilence(actor, permissions);
  if (decision.allowed) return decision;
  const reason = decision.reason
    .replace('You may not create or expire silences', 'You may not acknowledge alerts')
    .replace('Silencing from Discord is turned off', 'Acknowledging and silencing from Discord are turned off');
  return { allowed: false, reason };
}

export function maySilence(actor: Actor, permissions: BotPermissions): Decision {
  const { silence_roles: roles, silence_users: users } = permissions;
  if (roles.length === 0 && users.length === 0) {
    return {
      allowed: false,
      reason:
        'Silencing from Discord is turned off: nobody is allowed yet. ' +
        "An admin can allow roles or users with bot.permissions.silence_roles / silence_users in amcord's config.",
    };
  }
  if (users.includes(actor.id) || actor.roleIds.some((role) => roles.includes(role))) return { allowed: true };
  const who = [roles.length > 0 ? `one of the roles ${roles.map(roleMention).join(', ')}` : '', users.length > 0 ? 'to be listed by user' : '']
    .filter(Boolean)
    .join(' or ');
  return { allowed: false, reason: `You may not create or expire silences: that needs ${who}.` };
}

export function mayRead(actor: Actor, permissions: BotPermissions): Decision {
  const roles = permissions.read_roles;
  // Whoever may silence may also look at what they would silence.
  if (roles.length === 0 || actor.roleIds.some((role) => roles.includes(role)) || maySilence(actor, permissions).allowed) {
    return { allowed: true };
  }
  return { allowed: false, reason: `This command is limited to the roles ${roles.map(roleMention).join(', ')}.` };
}
