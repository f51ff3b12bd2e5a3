import { GuildMember, type BaseInteraction } from 'discord.js';

/** The Discord user behind an interaction, as permissions and silence records need them. */
export interface Actor {
  id: string;
  /** `name` for new-style usernames, `name#1234` for old ones. */
  tag: string;
  /** What people see in the guild: nickname, global display name or username. */
  displayName: string;
  /** Role ids, including the guild id, which is the @everyone role. */
  roleIds: readonly string[];
}

export function actorOf(interaction: BaseInteraction): Actor {
  const { user, member, guildId } = interaction;
  const everyone = guildId === null ? [] : [guildId];
  if (member instanceof GuildMember) {
    return { id: user.id, tag: user.tag, displayName: member.displayName, roleIds: [...new Set([...everyone, ...member.roles.cache.keys()])] };
  }
  // Without a cached guild discord.js hands over the raw API member, whose roles are plain ids.
  const roles = member === null ? [] : member.roles;
  const nick = member === null ? null : (member.nick ?? null);
  return { id: user.id, tag: user.tag, displayName: nick ?? user.globalName ?? user.username, roleIds: [...new Set([...everyone, ...roles])] };
}

/** The `createdBy` of a silence: readable in Alertmanager's UI and traceable to one Discord account. */
export function silenceAuthor(actor: Actor): string {
  return `${actor.tag} (Discord ${actor.id})`;
}
