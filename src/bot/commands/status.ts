import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import { inlineCode } from '../../discord/markup.js';
import { type BotClients, describeError } from '../clients.js';
import type { BotCommand } from './command.js';
import { type BotReply, problemReply } from '../interactions/reply.js';
import { gatherNode, nodeChoices, renderNode } from '../views/status/node-detail.js';
import { statusPicture } from '../views/status/dashboard.js';
import { gatherOverview, renderOverview } from '../views/status/overview.js';

export interface StatusOptions {
  /** A node_exporter `instance`; without it the whole dashboard. */
  node?: string;
}

/** "How are my servers right now?": the dashboard, or one node in detail. */
export async function statusReply(options: StatusOptions, clients: BotClients, now: Date): Promise<BotReply> {
  const instance = options.node?.trim();
  if (!instance) return overviewReply(clients, now);
  try {
    const node = await gatherNode(clients.prometheus, instance);
    if (node === undefined) {
      return problemReply(`Prometheus has no node_exporter metrics for ${inlineCode(instance)}. Pick a node from the suggestions, or run /status to see them all.`);
    }
    return renderNode(node, now);
  } catch (error) {
    return problemReply(`Could not show ${inlineCode(instance)}. ${describeError(error)}`);
  }
}

/** The text embed, with the dashboard picture when graphs are on (or a line saying why not). */
export async function overviewReply(clients: BotClients, now: Date): Promise<BotReply> {
  const overview = await gatherOverview(clients);
  const reply = renderOverview(overview, now);
  if (!clients.grapher) return reply;
  const picture = await statusPicture(overview, clients, clients.grapher);
  const [embed, ...rest] = reply.embeds ?? [];
  if (!embed) return reply;
  if (!picture.ok) {
    const footer = embed.footer?.text ? `${embed.footer.text} · ${picture.note}` : picture.note;
    return { ...reply, embeds: [{ ...embed, footer: { text: truncate(footer, DISCORD_LIMITS.footer) } }, ...rest] };
  }
  return { ...reply, embeds: [{ ...embed, image: { url: `attachment://${picture.file.name}` } }, ...rest], files: [picture.file] };
}

export const statusCommand: BotCommand = {
  access: 'read',
  data: new SlashCommandBuilder()
    .setName('status')
    .setDescription('How are the servers right now?')
    .setContexts(InteractionContextType.Guild)
    .addStringOption((option) => option.setName('node').setDescription('One node in detail').setAutocomplete(true))
    .toJSON(),
  execute: (interaction, context) => statusReply({ node: interaction.options.getString('node') ?? undefined }, context.clients, context.now),
  autocomplete: (interaction, context) => nodeChoices(context.clients.prometheus, interaction.options.getFocused()),
};
