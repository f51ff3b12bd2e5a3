import { REST, Routes } from 'discord.js';
import type { Config } from '../../config/schema.js';
import type { Logger } from '../../log/logger.js';
import type { BotCommand } from './command.js';
import { makeScrubber } from '../../log/scrub.js';
import { COMMANDS } from './registry.js';

export interface RegisterCommandsOptions {
  config: Config;
  logger: Logger;
  /** Default: every amcord command. */
  commands?: readonly BotCommand[];
}

/**
 * Replaces the guild's slash commands with amcord's (`PUT .../guilds/:guild/commands`). Guild
 * commands update at once; Discord allows 200 creations a day per guild, so this is its own step
 * rather than something done on every start. Returns the registered names.
 */
export async function registerCommands(options: RegisterCommandsOptions): Promise<string[]> {
  const { config } = options;
  const logger = options.logger.child({ module: 'bot' });
  const { token, application_id: applicationId, guild_id: guildId, api_base: apiBase } = config.bot;
  const missing = Object.entries({ token, application_id: applicationId, guild_id: guildId })
    .filter(([, value]) => value === undefined || value === '')
    .map(([key]) => `bot.${key}`);
  if (token === undefined || applicationId === undefined || guildId === undefined || missing.length > 0) {
    throw new Error(`Cannot register slash commands: ${missing.join(', ')} must be set`);
  }

  const rest = new REST({ api: apiBase, timeout: config.discord.request_timeout }).setToken(token);
  const body = (options.commands ?? COMMANDS).map((command) => command.data);
  let registered: unknown;
  try {
    registered = await rest.put(Routes.applicationGuildCommands(applicationId, guildId), { body });
  } catch (error) {
    const reason = makeScrubber([token])(error instanceof Error ? error.message : String(error));
    throw new Error(
      `Registering slash commands with guild ${guildId} failed: ${reason}. ` +
        'Check bot.application_id and bot.guild_id, and that the bot was invited with the applications.commands scope.',
      { cause: error },
    );
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
  const names = Array.isArray(registered) ? registered.map((command: { name?: unknown }) => String(command.name)) : [];
  logger.info({ guildId, commands: names }, 'slash commands registered');
  return names;
}
