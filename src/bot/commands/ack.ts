import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { acknowledgeChoices, acknowledgeReply } from '../incidents/acknowledge.js';
import type { BotCommand } from './command.js';

/** /ack: the Acknowledge button, for a group chosen by name (from anywhere in the guild). */
export const ackCommand: BotCommand = {
  access: 'acknowledge',
  data: new SlashCommandBuilder()
    .setName('ack')
    .setDescription("Acknowledge a firing alert group: \"I've got it\"; stops its escalation, silences nothing")
    .setContexts(InteractionContextType.Guild)
    .addStringOption((option) => option.setName('group').setDescription('The firing group').setRequired(true).setAutocomplete(true))
    .toJSON(),
  execute: (interaction, context) =>
    acknowledgeReply(interaction.options.getString('group', true), { actor: context.actor, logger: context.logger, acknowledgements: context.acknowledgements }, '/ack'),
  autocomplete: (interaction, context) => acknowledgeChoices(interaction.options.getFocused(), context.acknowledgements),
};
