import {
  type AttachmentPayload,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  MessageFlags,
  type RepliableInteraction,
} from 'discord.js';
import type { BotReply } from './reply.js';
import type { ButtonOutcome } from '../silences/silence-buttons.js';

/**
 * Sending replies within Discord's deadline: the first response must arrive within 3 s, so an
 * answer that is not ready after `deferAfterMs` is deferred ("amcord is thinking…") and edited in
 * when ready. Fast answers go out directly, keeping their ephemeral flag.
 */

/** Leaves room for the REST round trip inside Discord's 3 s. */
export const DEFAULT_DEFER_AFTER_MS = 2000;

type Settled<T> = { done: true; value: T } | { done: false };

/** Whether `promise` settles within `ms`; a rejection within the window is thrown. */
export async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  try {
    return await Promise.race([promise.then((value): Settled<T> => ({ done: true, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function answerCommand(interaction: ChatInputCommandInteraction, answer: Promise<BotReply>, deferAfterMs: number): Promise<void> {
  const early = await settleWithin(answer, deferAfterMs);
  if (early.done) {
    await interaction.reply(toReplyOptions(early.value));
    return;
  }
  await interaction.deferReply();
  // The deferral fixed the visibility; a late ephemeral answer is shown in it all the same.
  await interaction.editReply(toEditOptions(await answer));
}

export async function answerButton(interaction: ButtonInteraction, answer: Promise<ButtonOutcome>, deferAfterMs: number): Promise<void> {
  const early = await settleWithin(answer, deferAfterMs);
  if (early.done) {
    const { kind, reply } = early.value;
    await (kind === 'update' ? interaction.update(toEditOptions(reply)) : interaction.reply(toReplyOptions(reply)));
    return;
  }
  await interaction.deferUpdate();
  const { kind, reply } = await answer;
  await (kind === 'update' ? interaction.editReply(toEditOptions(reply)) : interaction.followUp(toReplyOptions(reply)));
}

/** Tells the user something failed, in whatever state the interaction is in. */
export async function answerFailure(interaction: RepliableInteraction, text: string): Promise<void> {
  const reply = toReplyOptions({ content: text, ephemeral: true });
  if (!interaction.deferred && !interaction.replied) await interaction.reply(reply);
  else if (interaction.isButton() || interaction.replied) await interaction.followUp(reply);
  else await interaction.editReply({ content: text, embeds: [], components: [] });
}

/** Bot replies never ping: mentions in them only show names. */
const NO_PINGS = { parse: [] } as const;

export function toReplyOptions(reply: BotReply): InteractionReplyOptions {
  return {
    content: reply.content,
    embeds: reply.embeds,
    components: reply.components,
    allowedMentions: NO_PINGS,
    ...filesOf(reply),
    ...(reply.ephemeral ? { flags: MessageFlags.Ephemeral } : {}),
  };
}

function toEditOptions(reply: BotReply): InteractionEditReplyOptions {
  // With files, discord.js lists only the new ones in `attachments`: Discord drops any earlier file.
  return { content: reply.content, embeds: reply.embeds, components: reply.components, allowedMentions: NO_PINGS, ...filesOf(reply) };
}

/** discord.js uploads these as multipart `files[n]`, each listed in `attachments` with its alt text. */
function filesOf(reply: BotReply): { files?: AttachmentPayload[] } {
  if (!reply.files || reply.files.length === 0) return {};
  return { files: reply.files.map((file) => ({ attachment: Buffer.from(file.data), name: file.name, ...(file.description ? { description: file.description } : {}) })) };
}
