/**
 * The bot's one entry point: everything amcord needs from it, and everything that needs
 * discord.js. main and the CLI import this module only when they use the bot (discord.js alone
 * adds some 35 MB to the process), so nothing else in amcord imports from inside src/bot.
 */
export { BotChannelDestination } from '../delivery/bot-channel-destination.js';
export { startBot, type RunningBot } from './client.js';
export { DirectMessageDestination } from './direct-messages.js';
export { registerCommands } from './commands/register.js';
export { countedInteractions } from './interactions/counted.js';
export { withSilenceControls } from './silences/message-controls.js';
export { startConfiguredBot } from './start-configured.js';
export { threadControlFor } from './threads.js';
export { statusBoardMessage } from './status-board-message.js';
