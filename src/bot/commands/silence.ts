import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import type { AlertmanagerAlert } from '../../alertmanager/api.js';
import { formatMatchers, type Matcher, MatcherParseError, parseMatchers } from '../../alertmanager/matchers.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import { inlineCode, maskedLink, timestamp, userMention } from '../../discord/markup.js';
import { COLORS } from '../../severity/severity.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import type { BotAlertmanager } from '../clients.js';
import { describeError } from '../clients.js';
import type { BotCommand } from './command.js';
import { type BotReply, type Choice, matchesTyped, problemReply, toChoices } from '../interactions/reply.js';
import { type CreatedSilence, createSilenceAs, describeSilenceFailure, type SilenceActionContext, unsilenceableReason } from '../silences/silencing.js';

export interface SilenceOptions {
  alertname?: string;
  instance?: string;
  /** Matcher text such as `{alertname="X",instance=~"gw.*"}`; combined with alertname and instance. */
  matchers?: string;
  /** `30m`, `2h`, `1d`; default 2h. */
  duration?: string;
  comment?: string;
}

export const DEFAULT_SILENCE_DURATION = '2h';
const DURATION_SUGGESTIONS = ['30m', '1h', '2h', '4h', '8h', '1d', '3d', '1w'];
const MAX_LISTED_ALERTS = 5;

type Built = { ok: true; matchers: Matcher[]; durationMs: number } | { ok: false; problem: string };

/** Validates everything before anything is changed. */
export function buildSilence(options: SilenceOptions): Built {
  let matchers: Matcher[];
  try {
    matchers = options.matchers === undefined ? [] : parseMatchers(options.matchers);
  } catch (error) {
    if (error instanceof MatcherParseError) return { ok: false, problem: `${error.message}. Example: {alertname="DiskFull",instance=~"gw.*"}` };
    throw error;
  }
  for (const name of ['alertname', 'instance'] as const) {
    const value = options[name];
    if (value !== undefined && value !== '') matchers.push({ name, value, isRegex: false, isEqual: true });
  }
  const unsilenceable = unsilenceableReason(matchers);
  if (unsilenceable !== undefined) return { ok: false, problem: unsilenceable };
  const durationText = options.duration ?? DEFAULT_SILENCE_DURATION;
  const durationMs = parseDuration(durationText);
  if (durationMs === undefined || durationMs <= 0) {
    return { ok: false, problem: `"${durationText}" is not a duration. Use e.g. 30m, 2h or 1d.` };
  }
  return { ok: true, matchers, durationMs };
}

export async function silenceReply(options: SilenceOptions, context: SilenceActionContext, now: Date): Promise<BotReply> {
  const built = buildSilence(options);
  if (!built.ok) return problemReply(built.problem);
  const { matchers, durationMs } = built;

  let muted: AlertmanagerAlert[];
  try {
    muted = await context.clients.alertmanager.getAlerts({ filter: matchers });
  } catch (error) {
    return problemReply(`No silence was created. ${describeError(error)}`);
  }
  let created: CreatedSilence;
  try {
    const comment = options.comment?.trim() || `Silenced from Discord by ${context.actor.displayName}`;
    created = await createSilenceAs(context, { matchers, durationMs, comment, now, via: '/silence' });
  } catch (error) {
    return problemReply(describeSilenceFailure(error));
  }

  return {
    embeds: [
      {
        title: '🔕 Silence created',
        url: created.link,
        color: COLORS.none,
        description: truncate(
          `Silenced ${inlineCode(formatMatchers(matchers))} for **${formatDuration(durationMs)}**, ` +
            `until ${timestamp(created.endsAt, 'f')} (${timestamp(created.endsAt, 'R')}).\n${describeMuted(muted)}`,
          DISCORD_LIMITS.description,
        ),
        fields: [
          { name: 'Silence ID', value: inlineCode(created.id), inline: true },
          { name: 'Created by', value: userMention(context.actor.id), inline: true },
          { name: 'Alertmanager', value: maskedLink('Open the silence', created.link) ?? created.link, inline: true },
        ],
      },
    ],
  };
}

function describeMuted(alerts: readonly AlertmanagerAlert[]): string {
  if (alerts.length === 0) return 'No alert matches right now; matching alerts that fire before it ends will be muted.';
  const alreadySilenced = alerts.filter((alert) => alert.status.silencedBy.length > 0).length;
  const names = alerts
    .slice(0, MAX_LISTED_ALERTS)
    .map((alert) => [alert.labels['alertname'], alert.labels['instance']].filter(Boolean).join(' on '))
    .join(', ');
  const more = alerts.length > MAX_LISTED_ALERTS ? ` and ${alerts.length - MAX_LISTED_ALERTS} more` : '';
  const already = alreadySilenced > 0 ? ` (${alreadySilenced} of them already silenced)` : '';
  return `It mutes **${alerts.length}** alert${alerts.length === 1 ? '' : 's'} firing now${already}: ${names}${more}.`;
}

/** Suggestions for alertname and instance from the alerts Alertmanager holds now, narrowed by each other. */
export async function silenceChoices(
  focused: { name: string; value: string },
  options: SilenceOptions,
  alertmanager: BotAlertmanager,
): Promise<Choice[]> {
  if (focused.name === 'duration') return durationChoices(focused.value);
  if (focused.name !== 'alertname' && focused.name !== 'instance') return [];
  const other = focused.name === 'alertname' ? 'instance' : 'alertname';
  const otherValue = options[other];
  const alerts = await alertmanager.getAlerts();
  const counts = new Map<string, { count: number; related: Set<string> }>();
  for (const alert of alerts) {
    const value = alert.labels[focused.name];
    if (value === undefined || value === '') continue;
    if (otherValue && !matchesTyped(alert.labels[other] ?? '', otherValue)) continue;
    const entry = counts.get(value) ?? { count: 0, related: new Set<string>() };
    entry.count += 1;
    const related = alert.labels[other];
    if (related) entry.related.add(related);
    counts.set(value, entry);
  }
  const candidates = [...counts.entries()]
    .filter(([value]) => matchesTyped(value, focused.value))
    .sort(([a, x], [b, y]) => y.count - x.count || a.localeCompare(b))
    .map(([value, { count, related }]) => ({ name: `${value} · ${count} firing · ${[...related].join(', ')}`, value }));
  return toChoices(candidates);
}

function durationChoices(typed: string): Choice[] {
  const trimmed = typed.trim();
  const custom = trimmed !== '' && parseDuration(trimmed) !== undefined ? [trimmed] : [];
  const values = [...custom, ...DURATION_SUGGESTIONS.filter((value) => value.startsWith(trimmed))];
  return toChoices(values.map((value) => ({ name: `${value} (${formatDuration(parseDuration(value) ?? 0)})`, value })));
}

export const silenceCommand: BotCommand = {
  access: 'silence',
  data: new SlashCommandBuilder()
    .setName('silence')
    .setDescription('Silence alerts in Alertmanager')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((option) => option.setName('alertname').setDescription('Alert name (from the alerts firing now)').setAutocomplete(true))
    .addStringOption((option) => option.setName('instance').setDescription('Instance (from the alerts firing now)').setAutocomplete(true))
    .addStringOption((option) =>
      option.setName('matchers').setDescription('Matchers, e.g. {alertname="DiskFull",instance=~"gw.*"}').setMaxLength(1000),
    )
    .addStringOption((option) => option.setName('duration').setDescription('How long: 30m, 2h, 1d (default 2h)').setAutocomplete(true))
    .addStringOption((option) => option.setName('comment').setDescription('Why (shown in Alertmanager)').setMaxLength(500))
    .toJSON(),
  execute: (interaction, context) => silenceReply(readSilenceOptions(interaction.options), context, context.now),
  autocomplete: (interaction, context) =>
    silenceChoices(interaction.options.getFocused(true), readSilenceOptions(interaction.options), context.clients.alertmanager),
};

interface StringOptions {
  getString(name: string): string | null;
}

function readSilenceOptions(options: StringOptions): SilenceOptions {
  const read = (name: string): string | undefined => options.getString(name) ?? undefined;
  return { alertname: read('alertname'), instance: read('instance'), matchers: read('matchers'), duration: read('duration'), comment: read('comment') };
}
