import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { MatcherParseError } from '../../alertmanager/matchers.js';
import { inlineCode } from '../../discord/markup.js';
import { canonicalMatchers, DEFAULT_SUBSCRIPTION, type SubscriptionRepository } from '../../incidents/subscriptions.js';
import type { Logger } from '../../log/logger.js';
import type { Actor } from '../interactions/actor.js';
import { type BotReply, type Choice, matchesTyped, problemReply } from '../interactions/reply.js';
import type { BotCommand, CommandContext } from './command.js';

/** What the subscription commands need besides the actor. */
interface SubscriptionContext {
  actor: Actor;
  logger: Logger;
  now: Date;
  subscriptions: SubscriptionRepository | undefined;
}

const NOT_SET_UP = 'Subscriptions are not set up in this amcord.';

const contextOf = (context: CommandContext): SubscriptionContext => ({ actor: context.actor, logger: context.logger, now: context.now, subscriptions: context.subscriptions });

/** /subscribe: DMs of new firing groups matching the matchers (default severity="critical"). */
export async function subscribeReply(typed: string | null, context: SubscriptionContext): Promise<BotReply> {
  const { subscriptions, actor, logger } = context;
  if (!subscriptions) return problemReply(NOT_SET_UP);
  let matchers: string;
  try {
    matchers = canonicalMatchers(typed);
  } catch (error) {
    if (error instanceof MatcherParseError || error instanceof RangeError) return problemReply(`Those matchers do not parse: ${error.message}`);
    throw error;
  }
  const subscription = await subscriptions.subscribe(actor.id, matchers, context.now.getTime());
  logger.info({ userId: actor.id, userName: actor.tag, matchers, subscription: subscription.id }, 'subscribed to DMs of new firing groups');
  return {
    content: `🔔 Subscribed: I will DM you each new firing group matching ${inlineCode(matchers)}, with its buttons. \`/unsubscribe\` stops it. (If your DMs are closed to me, the subscription is dropped.)`,
    ephemeral: true,
  };
}

/** /unsubscribe: one subscription (chosen), or all of them. */
export async function unsubscribeReply(chosen: string | null, context: SubscriptionContext): Promise<BotReply> {
  const { subscriptions, actor, logger } = context;
  if (!subscriptions) return problemReply(NOT_SET_UP);
  const id = chosen === null || chosen === 'all' ? undefined : Number(chosen);
  if (id !== undefined && !Number.isSafeInteger(id)) return problemReply('Pick one of your subscriptions, or all.');
  const removed = await subscriptions.unsubscribe(actor.id, id);
  logger.info({ userId: actor.id, userName: actor.tag, removed, subscription: id ?? 'all' }, 'unsubscribed from DMs');
  if (removed === 0) return { content: 'You had no such subscription: nothing changed.', ephemeral: true };
  return { content: `🔕 Unsubscribed (${removed} subscription${removed === 1 ? '' : 's'} removed): no more DMs for ${id === undefined ? 'anything' : 'those'}.`, ephemeral: true };
}

/** /subscriptions: the member's own. */
export async function subscriptionsReply(context: SubscriptionContext): Promise<BotReply> {
  const { subscriptions, actor } = context;
  if (!subscriptions) return problemReply(NOT_SET_UP);
  const mine = await subscriptions.ofUser(actor.id);
  if (mine.length === 0) return { content: `You have no subscriptions. \`/subscribe\` DMs you new firing groups (by default ${inlineCode(DEFAULT_SUBSCRIPTION)}).`, ephemeral: true };
  const lines = mine.map((subscription) => `• ${inlineCode(subscription.matchers)} since <t:${Math.floor(subscription.createdAt / 1000)}:R>`);
  return { content: `🔔 Your subscriptions (DMs of new firing groups):\n${lines.join('\n')}`, ephemeral: true };
}

async function subscriptionChoices(typed: string, context: SubscriptionContext): Promise<Choice[]> {
  const mine = (await context.subscriptions?.ofUser(context.actor.id)) ?? [];
  const choices = mine.map((subscription) => ({ name: subscription.matchers, value: String(subscription.id) }));
  return [{ name: 'all of them', value: 'all' }, ...choices].filter((choice) => matchesTyped(choice.name, typed));
}

/** Work in the server and in a DM with the bot; the answer is only for the asker. */
const CONTEXTS = [InteractionContextType.Guild, InteractionContextType.BotDM];

export const subscriptionCommands: readonly BotCommand[] = [
  {
    access: 'read',
    data: new SlashCommandBuilder()
      .setName('subscribe')
      .setDescription('DM me each new firing alert group that matches')
      .setContexts(...CONTEXTS)
      .addStringOption((option) => option.setName('matchers').setDescription(`Alertmanager matchers; default ${DEFAULT_SUBSCRIPTION}`).setMaxLength(500))
      .toJSON(),
    execute: (interaction, context) => subscribeReply(interaction.options.getString('matchers'), contextOf(context)),
  },
  {
    access: 'read',
    data: new SlashCommandBuilder()
      .setName('unsubscribe')
      .setDescription('Stop DMs of new firing alert groups')
      .setContexts(...CONTEXTS)
      .addStringOption((option) => option.setName('subscription').setDescription('Which one; default all').setAutocomplete(true))
      .toJSON(),
    execute: (interaction, context) => unsubscribeReply(interaction.options.getString('subscription'), contextOf(context)),
    autocomplete: (interaction, context) => subscriptionChoices(interaction.options.getFocused(), contextOf(context)),
  },
  {
    access: 'read',
    data: new SlashCommandBuilder().setName('subscriptions').setDescription('List your DM subscriptions').setContexts(...CONTEXTS).toJSON(),
    execute: (_interaction, context) => subscriptionsReply(contextOf(context)),
  },
];
