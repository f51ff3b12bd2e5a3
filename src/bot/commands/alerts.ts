import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { AlertmanagerAlert } from '../../alertmanager/api.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import type { DiscordEmbed, DiscordEmbedField } from '../../discord/types.js';
import { timestamp } from '../../discord/markup.js';
import { COLORS, EMOJI, highestSeverity, type Severity, severityOf } from '../../severity/severity.js';
import { type BotClients, describeError } from '../clients.js';
import type { BotCommand } from './command.js';
import { appendFittingFields } from '../views/embed-fit.js';
import { type BotReply, problemReply } from '../interactions/reply.js';
import { bySeverity, isNotifying } from '../views/firing.js';

export const SEVERITY_FILTERS = ['critical', 'warning', 'info'] as const satisfies readonly Severity[];
export type SeverityFilter = (typeof SEVERITY_FILTERS)[number] | 'all';

export interface AlertsOptions {
  severity?: SeverityFilter;
}

const MAX_LISTED = 20;

/** Firing alerts that notify (not silenced or inhibited), most severe first. */
export async function alertsReply(options: AlertsOptions, clients: BotClients, now: Date): Promise<BotReply> {
  let alerts: AlertmanagerAlert[];
  try {
    alerts = await clients.alertmanager.getAlerts();
  } catch (error) {
    return problemReply(`Could not list alerts. ${describeError(error)}`);
  }
  const severity = options.severity ?? 'all';
  // The level the channel shows the alert at, whatever the label spells it (`high` is critical).
  const wanted = (alert: AlertmanagerAlert): boolean => severity === 'all' || severityOf(alert.labels) === severity;
  const firing = alerts.filter((alert) => isNotifying(alert) && wanted(alert)).sort(bySeverity);
  const muted = alerts.filter((alert) => alert.status.state === 'suppressed' && wanted(alert)).length;
  const mutedNote = muted > 0 ? `${muted} more ${muted === 1 ? 'is' : 'are'} silenced or inhibited.` : '';
  const scope = severity === 'all' ? '' : ` (${severity})`;

  if (firing.length === 0) {
    return { embeds: [{ title: `${EMOJI.resolved} No alerts firing${scope}`, description: mutedNote || undefined, color: COLORS.resolved, timestamp: now.toISOString() }] };
  }
  const highest = highestSeverity(firing);
  const embed: DiscordEmbed = {
    title: `${EMOJI[highest]} ${firing.length} alert${firing.length === 1 ? '' : 's'} firing${scope}`,
    url: `${clients.alertmanagerUiUrl.replace(/\/+$/, '')}/#/alerts`,
    color: COLORS[highest],
    timestamp: now.toISOString(),
  };
  const shown = appendFittingFields(embed, firing.map(alertField), MAX_LISTED);
  const more = firing.length - shown;
  const footer = [more > 0 ? `and ${more} more` : '', mutedNote].filter(Boolean).join(' · ');
  if (footer) embed.footer = { text: footer };
  return { embeds: [embed] };
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
    .setContexts(InteractionContextType.Guild)
    .addStringOption((option) =>
      option
        .setName('severity')
        .setDescription('Only this severity')
        .addChoices(...SEVERITY_FILTERS.map((value) => ({ name: value, value })), { name: 'all', value: 'all' }),
    )
    .toJSON(),
  execute: (interaction, context) => alertsReply({ severity: toSeverity(interaction.options.getString('severity')) }, context.clients, context.now),
};

function toSeverity(value: string | null): SeverityFilter {
  return SEVERITY_FILTERS.find((known) => known === value) ?? 'all';
}
