import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { Silence } from '../../alertmanager/api.js';
import { formatMatchers } from '../../alertmanager/matchers.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import type { DiscordEmbed, DiscordEmbedField } from '../../discord/types.js';
import { inlineCode, maskedLink, timestamp } from '../../discord/markup.js';
import { COLORS } from '../../severity/severity.js';
import { type BotClients, describeError } from '../clients.js';
import type { BotCommand } from './command.js';
import { appendFittingFields } from '../views/embed-fit.js';
import { type BotReply, problemReply } from '../interactions/reply.js';
import { currentSilences, silenceUrl } from '../silences/silencing.js';

const MAX_LISTED = 15;

/** Active and pending silences, soonest ending first, with who made them and what they match. */
export async function silencesReply(clients: BotClients, now: Date): Promise<BotReply> {
  let silences: Silence[];
  try {
    silences = currentSilences(await clients.alertmanager.getSilences());
  } catch (error) {
    return problemReply(`Could not list silences. ${describeError(error)}`);
  }
  if (silences.length === 0) return { embeds: [{ title: '🔕 Silences', description: 'No active silences.', color: COLORS.resolved }] };

  const embed: DiscordEmbed = {
    title: `🔕 Silences (${silences.length})`,
    url: `${clients.alertmanagerUiUrl.replace(/\/+$/, '')}/#/silences`,
    color: COLORS.none,
  };
  const shown = appendFittingFields(embed, silences.map((silence) => silenceField(silence, clients.alertmanagerUiUrl, now)), MAX_LISTED);
  if (shown < silences.length) embed.footer = { text: `and ${silences.length - shown} more: see Alertmanager` };
  return { embeds: [embed] };
}

function silenceField(silence: Silence, uiUrl: string, now: Date): DiscordEmbedField {
  const pending = silence.status.state === 'pending' || silence.startsAt > now;
  const when = pending
    ? `starts ${timestamp(silence.startsAt, 'R')}, ends ${timestamp(silence.endsAt, 'f')}`
    : `until ${timestamp(silence.endsAt, 'f')} (${timestamp(silence.endsAt, 'R')})`;
  const lines = [
    `${when} · by ${silence.createdBy}`,
    silence.comment ? `“${truncate(silence.comment, 300)}”` : '',
    maskedLink(silence.id, silenceUrl(uiUrl, silence.id)) ?? inlineCode(silence.id),
  ];
  return {
    name: truncate(formatMatchers(silence.matchers), DISCORD_LIMITS.fieldName),
    value: truncate(lines.filter(Boolean).join('\n'), DISCORD_LIMITS.fieldValue),
  };
}

export const silencesCommand: BotCommand = {
  access: 'read',
  data: new SlashCommandBuilder()
    .setName('silences')
    .setDescription('List the active silences')
    .setContexts(InteractionContextType.Guild)
    .toJSON(),
  execute: (_interaction, context) => silencesReply(context.clients, context.now),
};

