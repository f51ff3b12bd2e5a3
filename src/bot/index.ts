/** The bot's public surface: what main and the CLI call. */
export { startBot, type RunningBot, type StartBotOptions } from './client.js';
export { registerCommands, type RegisterCommandsOptions } from './register.js';
export {
  MAX_SILENCE_REF_LENGTH,
  silenceButtons,
  silencedLine,
  silenceLinkRow,
  type ButtonSilence,
  type SilenceButtonOptions,
  type SilenceTargetResolver,
} from './silence-buttons.js';
export { COMMANDS } from './registry.js';
