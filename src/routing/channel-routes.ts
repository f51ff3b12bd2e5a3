import { DEFAULT_NAME, defaultDiscordTarget, type Config } from '../config/schema.js';
import { type Route, routesFor } from './routes.js';

/**
 * Which channel each route delivers to, so a command asked in a channel can put that channel's
 * alerts first. Only channels amcord knows are mapped: a destination's `channel_id` (the bot
 * posts there) and `bot.channel_id` for the default destination when no webhook replaces it. A
 * webhook's channel is Discord's secret, so its routes belong to no channel here.
 */
export interface ChannelRouting {
  /** The routes delivering to the channel, in config order; empty for any other channel. */
  routesIn(channelId: string): Route[];
  /** Whether an alert with these labels is routed to the channel. */
  reaches(labels: Readonly<Record<string, string>>, channelId: string): boolean;
}

type ChannelConfig = Pick<Config, 'destinations' | 'discord' | 'bot'>;

/** The channel each destination posts in, when amcord knows it (destination name → channel id). */
export function destinationChannels(config: ChannelConfig): Map<string, string> {
  const channels = new Map<string, string>();
  if (defaultDiscordTarget(config) === 'bot-channel' && config.bot.channel_id !== undefined) channels.set(DEFAULT_NAME, config.bot.channel_id);
  for (const [name, destination] of Object.entries(config.destinations)) {
    if (destination.channel_id !== undefined) channels.set(name, destination.channel_id);
  }
  return channels;
}

export function channelRouting(routes: readonly Route[], channels: ReadonlyMap<string, string>): ChannelRouting {
  const routesIn = (channelId: string): Route[] => routes.filter((route) => channels.get(route.destination) === channelId);
  return {
    routesIn,
    // The routes the alert actually takes: an earlier route without `continue` keeps it from later ones.
    reaches: (labels, channelId) => routesFor(labels, routes).some((route) => channels.get(route.destination) === channelId),
  };
}
