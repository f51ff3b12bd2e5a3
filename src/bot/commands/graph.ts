import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import { codeBlock, inlineCode } from '../../discord/markup.js';
import { GraphUnavailableError } from '../../graphs/alert-graph.js';
import type { Grapher } from '../../graphs/grapher.js';
import { PromqlSyntaxError } from '../../graphs/promql.js';
import { COLORS } from '../../severity/severity.js';
import { formatDuration, parseDuration } from '../../util/duration.js';
import type { BotCommand } from './command.js';
import { type BotReply, problemReply } from '../interactions/reply.js';

/** `/graph query:<PromQL> range:<duration>`: any expression drawn over the last while. */

export const DEFAULT_GRAPH_RANGE = '1h';
/** As far back as the alert pictures go: beyond it a step of ~40 min hides what happened. */
const MAX_RANGE_MS = 7 * 86_400_000;
const MIN_RANGE_MS = 60_000;
/** More lines than this are no longer told apart, and their legend crowds the chart. */
export const GRAPH_MAX_SERIES = 10;

export interface GraphOptions {
  query: string;
  range?: string | undefined;
}

export async function graphReply(options: GraphOptions, grapher: Grapher | undefined): Promise<BotReply> {
  if (!grapher) {
    return problemReply('Graphs are turned off: set prometheus.url (and leave graphs.enabled unset or true) in amcord\'s config.');
  }
  const rangeText = options.range?.trim() || DEFAULT_GRAPH_RANGE;
  const rangeMs = parseDuration(rangeText);
  if (rangeMs === undefined || rangeMs < MIN_RANGE_MS || rangeMs > MAX_RANGE_MS) {
    return problemReply(`${codeSpan(rangeText)} is no range /graph can draw: give a duration from 1m to 7d, such as 30m, 6h or 2d.`);
  }
  const query = options.query.trim();
  try {
    const picture = await grapher.forQuery({ query, rangeMs, title: query, maxSeries: GRAPH_MAX_SERIES });
    const cut = picture.cut > 0
      ? `Showing the highest ${GRAPH_MAX_SERIES} of ${picture.series} series (at most ${GRAPH_MAX_SERIES} are drawn): narrow the query with a label matcher or topk().`
      : undefined;
    return {
      embeds: [
        {
          title: truncate(query, DISCORD_LIMITS.title),
          ...(cut ? { description: cut } : {}),
          color: COLORS.info,
          image: { url: `attachment://${picture.fileName}` },
          footer: { text: `last ${formatDuration(rangeMs)} · UTC` },
        },
      ],
      files: [{ name: picture.fileName, contentType: 'image/png', data: picture.png, description: picture.description }],
    };
  } catch (error) {
    if (error instanceof PromqlSyntaxError) return problemReply(syntaxErrorText(query, error));
    if (error instanceof GraphUnavailableError) return problemReply(`No graph of ${codeSpan(query)}: ${error.shortText}.`);
    throw error;
  }
}

/** The parser's message, and the expression with a caret under the place it stopped. */
function syntaxErrorText(query: string, error: PromqlSyntaxError): string {
  const line = truncate(query.split('\n')[error.line - 1] ?? '', 900);
  const caret = error.column - 1 <= line.length ? [`${' '.repeat(error.column - 1)}^`] : [];
  return `The query cannot be read: ${error.message}\n${codeBlock([line, ...caret], 1900)}`;
}

function codeSpan(text: string): string {
  return inlineCode(truncate(text, 200));
}

export const graphCommand: BotCommand = {
  access: 'read',
  data: new SlashCommandBuilder()
    .setName('graph')
    .setDescription('Draw a PromQL expression over the last while')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((option) => option.setName('query').setDescription('A PromQL expression, e.g. rate(node_cpu_seconds_total[5m])').setRequired(true).setMaxLength(1000))
    .addStringOption((option) => option.setName('range').setDescription(`How far back, e.g. 30m, 6h, 2d (default ${DEFAULT_GRAPH_RANGE})`))
    .toJSON(),
  execute: (interaction, context) =>
    graphReply({ query: interaction.options.getString('query', true), range: interaction.options.getString('range') ?? undefined }, context.clients.grapher),
};
