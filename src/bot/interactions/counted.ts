import { COMMANDS } from '../commands/registry.js';
import { ACKNOWLEDGE_BUTTON, INTERACTION_OUTCOMES, SILENCE_BUTTON, type InteractionOutcome } from './dispatch.js';

/**
 * Every command and button name with every outcome, so amcord_commands_total can start each
 * series at 0 and increase() sees the very first command.
 */
export function countedInteractions(): Array<{ command: string; outcome: InteractionOutcome }> {
  const names = [...COMMANDS.map((command) => command.data.name), SILENCE_BUTTON, ACKNOWLEDGE_BUTTON];
  return names.flatMap((command) => INTERACTION_OUTCOMES.map((outcome) => ({ command, outcome })));
}
