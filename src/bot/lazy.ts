/**
 * Everything that needs discord.js, in one module that amcord imports only when the bot is
 * enabled: discord.js alone adds some 35 MB to the process.
 */
export { BotChannelDestination } from '../delivery/bot-channel-destination.js';
export { withSilenceControls } from './message-controls.js';
export { startConfiguredBot } from './start-configured.js';
