import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { Silence } from '../../alertmanager/api.js';
import { formatMatchers } from '../../alertmanager/matchers.js';
import { COLORS } from '../../severity/severity.js';
import { inlineCode, userMention } from '../../discord/markup.js';
import type { BotAlertmanager } from '../clients.js';
import { describeError } from '../clients.js';
import type { BotCommand } from './command.js';
import { type BotReply, type Choice, matchesTyped, problemReply, toChoices } from '../interactions/reply.js';
import { currentSilences, expireSilenceAs, type SilenceActionContext, silenceUrl } from '../silences/silencing.js';

export interface UnsilenceOptions {
  id: string;
}

/** Expires a silence now; alerts it muted notify again at their next group interval. */
export async function unsilenceReply(options: UnsilenceOptions, context: SilenceActionContext): Promise<BotReply> {
  const id = options.id.trim();
  let silence: Silence | undefined;
  try {
    silence = (await context.clients.alertmanager.getSilences()).find((candidate) => candidate.id === id);
    if (silence === undefined) return problemReply(`There is no silence with the id ${inlineCode(id)}. /silences lists the active ones.`);
    if (silence.status.state === 'expired') return problemReply(`The silence ${inlineCode(id)} has already expired.`);
    await expireSilenceAs(context, silence);
  } catch (error) {
    return problemReply(`The silence was not expired. ${describeError(error)}`);
  }
  return {
    embeds: [
      {
        title: '🔔 Silence expired',
        url: silenceUrl(context.clients.alertmanagerUiUrl, silence.id),
        color: COLORS.warning,
        description: `${inlineCode(formatMatchers(silence.matchers))} is no longer silenced; matching alerts will notify again.`,
        fields: [
          { name: 'Silence ID', value: inlineCode(silence.id), inline: true },
          { name: 'Created by', value: silence.createdBy || 'unknown', inline: true },
          { name: 'Expired by', value: userMention(context.actor.id), inline: true },
        ],
      },
    ],
  };
}

/** Active and pending silences whose matchers, author or id contain the typed text. */
export async function unsilenceChoices(typed: string, alertmanager: BotAlertmanager): Promise<Choice[]> {
  const silences = currentSilences(await alertmanager.getSilences());
  return toChoices(
    silences
      .map((silence) => ({ name: `${formatMatchers(silence.matchers)} · by ${silence.createdBy}`, value: silence.id }))
      .filter((choice) => matchesTyped(`${choice.name} ${choice.value}`, typed)),
  );
}

export const unsilenceCommand: BotCommand = {
  access: 'silence',
  data: new SlashCommandBuilder()
    .setName('unsilence')
    .setDescription('Expire a silence now')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((option) => option.setName('id').setDescription('The silence').setRequired(true).setAutocomplete(true))
    .toJSON(),
  execute: (interaction, context) => unsilenceReply({ id: interaction.options.getString('id', true) }, context),
  autocomplete: (interaction, context) => unsilenceChoices(interaction.options.getFocused(), context.clients.alertmanager),
};
