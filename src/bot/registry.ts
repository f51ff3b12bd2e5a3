import type { BotCommand } from './command.js';
import { alertsCommand } from './commands/alerts.js';
import { silenceCommand } from './commands/silence.js';
import { silencesCommand } from './commands/silences.js';
import { statusCommand } from './commands/status.js';
import { unsilenceCommand } from './commands/unsilence.js';

/** Every slash command amcord offers; registration and dispatch both read this list. */
export const COMMANDS: readonly BotCommand[] = [statusCommand, alertsCommand, silenceCommand, silencesCommand, unsilenceCommand];

export const commandRegistry: ReadonlyMap<string, BotCommand> = new Map(COMMANDS.map((command) => [command.data.name, command]));
