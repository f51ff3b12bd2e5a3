import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { AlertmanagerAlert } from '../../alertmanager/api.js';
import { DISCORD_LIMITS, embedLength, truncate } from '../../discord/limits.js';
import type { DiscordEmbed, DiscordEmbedField } from '../../discord/types.js';
import { timestamp } from '../../discord/markup.js';
import { COLORS, EMOJI, highestSeverity, type Severity, severityOf } from '../../severity/severity.js';
import { type BotClients, describeError } from '../clients.js';
import { appendFittingFields } from '../views/embed-fit.js';
import { type BotReply, problemReply } from '../interactions/reply.js';
import { bySeverity, isNotifying } from '../views/firing.js';
import { channelPlace, type ListingScope, type Place, SCOPE_CHOICES, splitByPlace, subscriptionPlace, toScope } from './scope.js';
import type { BotCommand, CommandContext } from './command.js';

export const SEVERITY_FILTERS = ['critical', 'warning', 'info'] as const satisfies readonly Severity[];
export type SeverityFilter = (typeof SEVERITY_FILTERS)[number] | 'all';

export interface AlertsOptions {
  severity?: SeverityFilter;
  /** How the place's alerts are set apart; default `first`. */
  scope?: ListingScope;
  /** Where it was asked, when that place has alerts of its own (a routed channel, a DM). */
  place?: Place | undefined;
}

const MAX_LISTED = 20;

/**
 * Firing alerts that notify (not silenced or inhibited), most severe first; asked in a place,
 * the place's alerts first (or only them), each part under its own heading.
 */
export async function alertsReply(options: AlertsOptions, clients: BotClients, now: Date): Promise<BotReply> {
  let alerts: AlertmanagerAlert[];
  try {
    alerts = await clients.alertmanager.getAlerts();
  } catch (error) {
    return problemReply(`Could not list alerts. ${describeError(error)}`);
  }
  const severity = options.severity ?? 'all';
  const scope = options.scope ?? 'first';
  const { place } = options;
  // The level the channel shows the alert at, whatever the label spells it (`high` is critical).
  const wanted = (alert: AlertmanagerAlert): boolean => severity === 'all' || severityOf(alert.labels) === severity;
  const includes = place && ((alert: AlertmanagerAlert): boolean => place.includes(alert.labels));
  const firing = splitByPlace(alerts.filter((alert) => isNotifying(alert) && wanted(alert)).sort(bySeverity), includes, scope);
  const mutedParts = splitByPlace(alerts.filter((alert) => alert.status.state === 'suppressed' && wanted(alert)), includes, scope);
  const muted = (mutedParts.here?.length ?? 0) + mutedParts.rest.length;
  const mutedNote = muted > 0 ? `${muted} more ${muted === 1 ? 'is' : 'are'} silenced or inhibited.` : '';
  const filter = severity === 'all' ? '' : ` (${severity})`;
  const list = { uiUrl: clients.alertmanagerUiUrl, now };

  // Nothing firing anywhere reads as before; narrowed to the place, an empty place says so.
  if (firing.here === undefined || place === undefined || (firing.here.length === 0 && firing.rest.length === 0 && scope !== 'here')) {
    return { embeds: [firingEmbed([...(firing.here ?? []), ...firing.rest], filter, list, { max: MAX_LISTED, used: 0, note: mutedNote })] };
  }
  const last = firing.rest.length === 0;
  const here = firingEmbed(firing.here, ` ${place.here}${filter}`, list, { max: MAX_LISTED, used: 0, note: last ? mutedNote : '' });
  if (last) return { embeds: [here] };
  const rest = firingEmbed(firing.rest, ` ${place.elsewhere}${filter}`, list, { max: MAX_LISTED - (here.fields?.length ?? 0), used: embedLength(here), note: mutedNote });
  return { embeds: [here, rest] };
}

/** One heading's alerts: at most `max` fields, within what the message's other embeds (`used`) leave. */
function firingEmbed(
  firing: readonly AlertmanagerAlert[],
  heading: string,
  list: { uiUrl: string; now: Date },
  room: { max: number; used: number; note: string },
): DiscordEmbed {
  if (firing.length === 0) {
    return { title: `${EMOJI.resolved} No alerts firing${heading}`, description: room.note || undefined, color: COLORS.resolved, timestamp: list.now.toISOString() };
  }
  const highest = highestSeverity(firing);
  const embed: DiscordEmbed = {
    title: `${EMOJI[highest]} ${firing.length} alert${firing.length === 1 ? '' : 's'} firing${heading}`,
    url: `${list.uiUrl.replace(/\/+$/, '')}/#/alerts`,
    color: COLORS[highest],
    timestamp: list.now.toISOString(),
  };
  const shown = appendFittingFields(embed, firing.map(alertField), Math.max(room.max, 0), room.used);
  const more = firing.length - shown;
  const footer = [more > 0 ? `and ${more} more` : '', room.note].filter(Boolean).join(' · ');
  if (footer) embed.footer = { text: footer };
  return embed;
}

function alertField(alert: AlertmanagerAlert): DiscordEmbedField {
  const { alertname = 'unnamed alert', instance, severity } = alert.labels;
  const summary = alert.annotations['summary'] ?? alert.annotations['description'] ?? '';
  const where = [instance, severity].filter(Boolean).join(' · ');
  const lines = [`${where ? `${where} · ` : ''}since ${timestamp(alert.startsAt, 'R')}`, summary];
  return {
    name: truncate(`${EMOJI[severityOf(alert.labels)]} ${alertname}`, DISCORD_LIMITS.fieldName),
    value: truncate(lines.filter(Boolean).join('\n'), DISCORD_LIMITS.fieldValue),
  };
}

export const alertsCommand: BotCommand = {
  access: 'read',
  data: new SlashCommandBuilder()
    .setName('alerts')
    .setDescription('List the alerts firing now')
    .setContexts(InteractionContextType.Guild, InteractionContextType.BotDM)
    .addStringOption((option) =>
      option
        .setName('severity')
        .setDescription('Only this severity')
        .addChoices(...SEVERITY_FILTERS.map((value) => ({ name: value, value })), { name: 'all', value: 'all' }),
    )
    .addStringOption((option) => option.setName('scope').setDescription("This channel's alerts (in a DM: your subscriptions') first, only them, or not apart").addChoices(...SCOPE_CHOICES))
    .toJSON(),
  execute: async (interaction, context) =>
    alertsReply(
      { severity: toSeverity(interaction.options.getString('severity')), scope: toScope(interaction.options.getString('scope')), place: await alertsPlace(context) },
      context.clients,
      context.now,
    ),
};

/** A routed channel's alerts, or in a DM the member's subscriptions; no place anywhere else. */
export async function alertsPlace(context: Pick<CommandContext, 'askedIn' | 'channelRouting' | 'subscriptions' | 'actor'>): Promise<Place | undefined> {
  const where = context.askedIn;
  if (where?.kind === 'channel') return channelPlace(where.channelId, context.channelRouting);
  if (where?.kind === 'dm') return subscriptionPlace(context.actor.id, context.subscriptions);
  return undefined;
}

function toSeverity(value: string | null): SeverityFilter {
  return SEVERITY_FILTERS.find((known) => known === value) ?? 'all';
}
