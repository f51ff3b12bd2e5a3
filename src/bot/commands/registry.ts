import type { BotCommand } from './command.js';
import { ackCommand } from './ack.js';
import { alertsCommand } from './alerts.js';
import { graphCommand } from './graph.js';
import { silenceCommand } from './silence.js';
import { silencesCommand } from './silences.js';
import { statusCommand } from './status.js';
import { subscriptionCommands } from './subscribe.js';
import { unsilenceCommand } from './unsilence.js';

/** Every slash command amcord offers; registration and dispatch both read this list. */
export const COMMANDS: readonly BotCommand[] = [statusCommand, alertsCommand, silenceCommand, silencesCommand, unsilenceCommand, ackCommand, ...subscriptionCommands, graphCommand];

export const commandRegistry: ReadonlyMap<string, BotCommand> = new Map(COMMANDS.map((command) => [command.data.name, command]));
