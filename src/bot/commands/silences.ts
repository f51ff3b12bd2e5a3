import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { AlertmanagerAlert, Silence } from '../../alertmanager/api.js';
import { formatMatchers } from '../../alertmanager/matchers.js';
import { DISCORD_LIMITS, embedLength, truncate } from '../../discord/limits.js';
import type { DiscordEmbed, DiscordEmbedField } from '../../discord/types.js';
import { inlineCode, maskedLink, timestamp } from '../../discord/markup.js';
import { COLORS } from '../../severity/severity.js';
import { type BotClients, describeError } from '../clients.js';
import type { BotCommand } from './command.js';
import { appendFittingFields } from '../views/embed-fit.js';
import { type BotReply, problemReply } from '../interactions/reply.js';
import { currentSilences, silenceUrl } from '../silences/silencing.js';
import { channelPlace, type ListingScope, type Place, SCOPE_CHOICES, splitByPlace, toScope } from './scope.js';

const MAX_LISTED = 15;

export interface SilencesOptions {
  /** How the place's silences are set apart; default `first`. */
  scope?: ListingScope;
  /** A routed channel: its silences are those muting an alert routed there. */
  place?: Place | undefined;
}

/**
 * Active and pending silences, soonest ending first, with who made them and what they match;
 * asked in a routed channel, the ones muting that channel's alerts first (or only them).
 */
export async function silencesReply(clients: BotClients, now: Date, options: SilencesOptions = {}): Promise<BotReply> {
  const scope = options.scope ?? 'first';
  let silences: Silence[];
  let alerts: AlertmanagerAlert[] = [];
  try {
    silences = currentSilences(await clients.alertmanager.getSilences());
    if (options.place && scope !== 'all') alerts = await clients.alertmanager.getAlerts();
  } catch (error) {
    return problemReply(`Could not list silences. ${describeError(error)}`);
  }
  const { place } = options;
  // A silence is the place's when it mutes one of the place's alerts right now.
  const mutingHere = new Set(place ? alerts.filter((alert) => place.includes(alert.labels)).flatMap((alert) => alert.status.silencedBy) : []);
  const parts = splitByPlace(silences, place && ((silence: Silence) => mutingHere.has(silence.id)), scope);
  const list = { uiUrl: clients.alertmanagerUiUrl, now };

  if (parts.here === undefined || place === undefined || (parts.here.length === 0 && parts.rest.length === 0 && scope !== 'here')) {
    return { embeds: [silencesEmbed([...(parts.here ?? []), ...parts.rest], '', list, { max: MAX_LISTED, used: 0 })] };
  }
  const here = silencesEmbed(parts.here, ` ${place.here}`, list, { max: MAX_LISTED, used: 0 });
  if (parts.rest.length === 0) return { embeds: [here] };
  const rest = silencesEmbed(parts.rest, ` ${place.elsewhere}`, list, { max: MAX_LISTED - (here.fields?.length ?? 0), used: embedLength(here) });
  return { embeds: [here, rest] };
}

function silencesEmbed(silences: readonly Silence[], heading: string, list: { uiUrl: string; now: Date }, room: { max: number; used: number }): DiscordEmbed {
  if (silences.length === 0) return { title: `🔕 Silences${heading}`, description: 'No active silences.', color: COLORS.resolved };
  const embed: DiscordEmbed = {
    title: `🔕 Silences${heading} (${silences.length})`,
    url: `${list.uiUrl.replace(/\/+$/, '')}/#/silences`,
    color: COLORS.none,
  };
  const shown = appendFittingFields(embed, silences.map((silence) => silenceField(silence, list.uiUrl, list.now)), Math.max(room.max, 0), room.used);
  if (shown < silences.length) embed.footer = { text: `and ${silences.length - shown} more: see Alertmanager` };
  return embed;
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
    .addStringOption((option) => option.setName('scope').setDescription("The silences of this channel's alerts first, only, or not apart").addChoices(...SCOPE_CHOICES))
    .toJSON(),
  execute: (interaction, context) => {
    const where = context.askedIn;
    const place = where?.kind === 'channel' ? channelPlace(where.channelId, context.channelRouting) : undefined;
    return silencesReply(context.clients, context.now, { scope: toScope(interaction.options.getString('scope')), place });
  },
};
