import type { AutocompleteInteraction, ButtonInteraction, ChatInputCommandInteraction, Interaction } from 'discord.js';
import { truncate } from '../../discord/limits.js';
import type { Logger } from '../../log/logger.js';
import { type Actor, actorOf } from './actor.js';
import type { BotClients } from '../clients.js';
import type { BotCommand, CommandContext } from '../commands/command.js';
import { type BotPermissions, decide, mayAcknowledge, maySilence } from './permissions.js';
import { type Choice, problemReply, toChoices } from './reply.js';
import { loggableError } from '../redact.js';
import { answerButton, answerCommand, answerFailure, settleWithin, toReplyOptions } from './respond.js';
import { type ButtonSilence, parseSilenceButtonId, silenceButtonReply, type SilenceTargetResolver } from '../silences/silence-buttons.js';
import { acknowledgeStateIn, parseAcknowledgeButtonId } from '../../incidents/ack-button.js';
import { acknowledgeReply, type Acknowledgements } from '../incidents/acknowledge.js';
import type { SubscriptionRepository } from '../../incidents/subscriptions.js';
import type { ChannelRouting } from '../../routing/channel-routes.js';
import type { AskedIn } from '../commands/scope.js';

/** Routes each interaction to its command or button handler; never throws. */

export interface DispatchContext {
  commands: ReadonlyMap<string, BotCommand>;
  clients: BotClients;
  permissions: BotPermissions;
  logger: Logger;
  now: () => Date;
  deferAfterMs: number;
  resolveSilenceTarget: SilenceTargetResolver | undefined;
  onSilenced?: ((silence: ButtonSilence) => void | Promise<void>) | undefined;
  /** The Acknowledge button and /ack; without it both say they are not set up. */
  acknowledgements?: Acknowledgements | undefined;
  /** /subscribe and its kin; without it they say they are not set up. */
  subscriptions?: SubscriptionRepository | undefined;
  /** Which channels the routes deliver to: /alerts and /silences list a channel's part first. */
  channelRouting?: ChannelRouting | undefined;
  /** Told how each command and button ended, for metrics. */
  onHandled?: ((name: string, outcome: InteractionOutcome) => void) | undefined;
  /** Removes secrets from text shown to users or logged. */
  scrub: (text: string) => string;
}

/** How an interaction ended, for amcord_commands_total. */
export const INTERACTION_OUTCOMES = ['answered', 'refused', 'failed'] as const;
export type InteractionOutcome = (typeof INTERACTION_OUTCOMES)[number];

/** The names the buttons' clicks are counted under. */
export const SILENCE_BUTTON = 'silence-button';
export const ACKNOWLEDGE_BUTTON = 'acknowledge-button';

export async function handleInteraction(interaction: Interaction, context: DispatchContext): Promise<void> {
  const button = (id: string): string => (parseAcknowledgeButtonId(id) === undefined ? SILENCE_BUTTON : ACKNOWLEDGE_BUTTON);
  const name = interaction.isChatInputCommand() ? interaction.commandName : interaction.isButton() ? button(interaction.customId) : undefined;
  try {
    let outcome: InteractionOutcome = 'answered';
    if (interaction.isChatInputCommand()) outcome = await onCommand(interaction, context);
    else if (interaction.isAutocomplete()) await onAutocomplete(interaction, context);
    else if (interaction.isButton()) outcome = await onButton(interaction, context);
    if (name) context.onHandled?.(name, outcome);
  } catch (error) {
    if (name) context.onHandled?.(name, 'failed');
    await reportFailure(interaction, error, context);
  }
}

function commandContext(interaction: ChatInputCommandInteraction | AutocompleteInteraction, actor: Actor, context: DispatchContext): CommandContext {
  return {
    clients: context.clients,
    actor,
    logger: context.logger,
    now: context.now(),
    acknowledgements: context.acknowledgements,
    subscriptions: context.subscriptions,
    askedIn: askedIn(interaction),
    channelRouting: context.channelRouting,
  };
}

/** A command outside any guild was asked in a DM with the bot (the only other context commands allow). */
export function askedIn(interaction: { guildId: string | null; channelId: string | null }): AskedIn {
  if (interaction.guildId === null) return { kind: 'dm' };
  return interaction.channelId ? { kind: 'channel', channelId: interaction.channelId } : { kind: 'unknown' };
}

async function onCommand(interaction: ChatInputCommandInteraction, context: DispatchContext): Promise<InteractionOutcome> {
  const actor = actorOf(interaction);
  const command = context.commands.get(interaction.commandName);
  context.logger.debug({ command: interaction.commandName, userId: actor.id }, 'slash command received');
  if (command === undefined) {
    await interaction.reply(
      toReplyOptions(problemReply(`amcord does not know /${interaction.commandName}. The registered commands may be outdated: run \`amcord register-commands\`.`)),
    );
    return 'failed';
  }
  const decision = decide(command.access, actor, context.permissions);
  if (!decision.allowed) {
    logRefusal(context.logger, actor, `/${interaction.commandName}`, command.access);
    await interaction.reply(toReplyOptions(problemReply(decision.reason)));
    return 'refused';
  }
  await answerCommand(interaction, command.execute(interaction, commandContext(interaction, actor, context)), context.deferAfterMs);
  return 'answered';
}

/**
 * Autocomplete cannot be deferred or show errors: a lookup that fails or is not done in time
 * (a slow Alertmanager, say) offers no choices rather than letting Discord's 3 s pass.
 */
async function onAutocomplete(interaction: AutocompleteInteraction, context: DispatchContext): Promise<void> {
  const actor = actorOf(interaction);
  const command = context.commands.get(interaction.commandName);
  let choices: Choice[] = [];
  if (command?.autocomplete && decide('read', actor, context.permissions).allowed) {
    try {
      const lookup = await settleWithin(command.autocomplete(interaction, commandContext(interaction, actor, context)), context.deferAfterMs);
      if (lookup.done) choices = toChoices(lookup.value);
      else context.logger.warn({ command: interaction.commandName }, 'autocomplete too slow; offering no choices');
    } catch (error) {
      context.logger.warn({ err: loggableError(error, context.scrub), command: interaction.commandName }, 'autocomplete failed; offering no choices');
    }
  }
  await interaction.respond(choices);
}

async function onButton(interaction: ButtonInteraction, context: DispatchContext): Promise<InteractionOutcome> {
  const acknowledged = parseAcknowledgeButtonId(interaction.customId);
  if (acknowledged !== undefined) return onAcknowledgeButton(interaction, acknowledged, context);
  const click = parseSilenceButtonId(interaction.customId);
  if (click === undefined) {
    await interaction.reply(toReplyOptions(problemReply('amcord does not know this button.')));
    return 'failed';
  }
  const actor = actorOf(interaction);
  const decision = maySilence(actor, context.permissions);
  if (!decision.allowed) {
    logRefusal(context.logger, actor, `button ${click.duration}`, 'silence');
    await interaction.reply(toReplyOptions(problemReply(decision.reason)));
    return 'refused';
  }
  const answer = silenceButtonReply(
    {
      ...click,
      messageContent: interaction.message.content,
      acknowledge: acknowledgeStateIn(interaction.message.components.map((row) => row.toJSON())),
    },
    { clients: context.clients, actor, logger: context.logger, resolveSilenceTarget: context.resolveSilenceTarget, onSilenced: context.onSilenced },
    context.now(),
  );
  await answerButton(interaction, answer, context.deferAfterMs);
  return 'answered';
}

async function onAcknowledgeButton(interaction: ButtonInteraction, ref: string, context: DispatchContext): Promise<InteractionOutcome> {
  const actor = actorOf(interaction);
  const decision = mayAcknowledge(actor, context.permissions);
  if (!decision.allowed) {
    logRefusal(context.logger, actor, 'button acknowledge', 'acknowledge');
    await interaction.reply(toReplyOptions(problemReply(decision.reason)));
    return 'refused';
  }
  const reply = acknowledgeReply(ref, { actor, logger: context.logger, acknowledgements: context.acknowledgements }, 'button');
  // The living message is edited through the outbox; the clicker alone hears that it worked.
  await answerButton(interaction, reply.then((answer) => ({ kind: 'message' as const, reply: answer })), context.deferAfterMs);
  return 'answered';
}

const REFUSALS: Record<string, string> = {
  silence: 'silence action refused: user not permitted',
  acknowledge: 'acknowledge refused: user not permitted',
};

function logRefusal(logger: Logger, actor: Actor, action: string, access: string): void {
  const message = REFUSALS[access] ?? 'command refused: user not permitted';
  logger.warn({ userId: actor.id, userName: actor.tag, action }, message);
}

async function reportFailure(interaction: Interaction, error: unknown, context: DispatchContext): Promise<void> {
  const what = interaction.isCommand() || interaction.isAutocomplete() ? `/${interaction.commandName}` : 'this button';
  context.logger.error({ err: loggableError(error, context.scrub), interaction: what, userId: interaction.user.id }, 'interaction failed');
  if (!interaction.isRepliable()) return;
  const reason = truncate(context.scrub(error instanceof Error ? error.message : String(error)), 1500);
  try {
    await answerFailure(interaction, `⚠️ Something went wrong while answering ${what}: ${reason}`);
  } catch (secondError) {
    // Typically the interaction expired (answered too late); the user sees Discord's own notice.
    context.logger.warn({ err: loggableError(secondError, context.scrub), interaction: what }, 'could not tell the user about the failure');
  }
}
