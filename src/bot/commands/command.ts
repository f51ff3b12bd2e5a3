import type { AutocompleteInteraction, ChatInputCommandInteraction, RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type { Logger } from '../../log/logger.js';
import type { Actor } from '../interactions/actor.js';
import type { BotClients } from '../clients.js';
import type { Acknowledgements } from '../incidents/acknowledge.js';
import type { SubscriptionRepository } from '../../incidents/subscriptions.js';
import type { ChannelRouting } from '../../routing/channel-routes.js';
import type { Access } from '../interactions/permissions.js';
import type { BotReply, Choice } from '../interactions/reply.js';
import type { AskedIn } from './scope.js';

/** What a command may use besides its options. `now` is fixed per interaction. */
export interface CommandContext {
  clients: BotClients;
  actor: Actor;
  logger: Logger;
  now: Date;
  /** Present when amcord tracks incidents (it does whenever it delivers). */
  acknowledgements?: Acknowledgements | undefined;
  /** Present when the bot may DM subscribers (/subscribe). */
  subscriptions?: SubscriptionRepository | undefined;
  /** Where the command was asked; unset reads as unknown, and listings stay unscoped. */
  askedIn?: AskedIn | undefined;
  /** Which channels the routes deliver to, for listings scoped to the channel. */
  channelRouting?: ChannelRouting | undefined;
}

/**
 * A slash command: its registration data and a handler that turns the interaction's options into a
 * reply. Sending (and deferring when slow) is the dispatcher's job, so handlers never talk to Discord.
 */
export interface BotCommand {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  /** Checked before `execute` runs; autocomplete needs 'read'. */
  access: Access;
  execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<BotReply>;
  autocomplete?(interaction: AutocompleteInteraction, context: CommandContext): Promise<Choice[]>;
}
