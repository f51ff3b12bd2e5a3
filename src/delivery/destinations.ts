import { defaultDiscordTarget, listInWords, printedOnly, type Config } from '../config/schema.js';
import type { DiscordWebhookClient } from '../discord/webhook-client.js';
import { parseWebhookUrl } from '../discord/webhook-url.js';
import type { Destination, ThreadControl } from './destination.js';
import { PreviewDestination } from './preview-destination.js';
import { WebhookDestination } from './webhook-destination.js';

/** The destination routes fall back to; `discord.webhook_url`, or preview mode without one. */
export const DEFAULT_DESTINATION = 'default';

export interface DestinationDeps {
  client: DiscordWebhookClient;
  /** Re-tags and archives forum posts; only when the bot runs. */
  threadControl?: ThreadControl | undefined;
  /** Makes a destination that posts as the bot into a channel; only when the bot runs. */
  botChannel: ((name: string, channelId: string, options?: { threads: boolean }) => Destination) | undefined;
  previewOutput: (text: string) => void;
}

interface DestinationTarget {
  webhook_url?: string | undefined;
  channel_id?: string | undefined;
  threads?: boolean;
  thread_tags?: { firing?: string | undefined; resolved?: string | undefined };
}

function destinationFor(name: string, target: DestinationTarget, deps: DestinationDeps): Destination | undefined {
  if (target.webhook_url) {
    const threads = target.threads ? { firingTag: target.thread_tags?.firing, resolvedTag: target.thread_tags?.resolved } : undefined;
    return new WebhookDestination(name, deps.client, parseWebhookUrl(target.webhook_url), { threads, threadControl: deps.threadControl });
  }
  if (target.channel_id && deps.botChannel) return deps.botChannel(name, target.channel_id, { threads: target.threads === true });
  return undefined;
}

/** Every configured destination by name: `default` (webhook, bot channel, or preview) plus the named ones. */
export function createDestinations(config: Config, deps: DestinationDeps): Map<string, Destination> {
  const destinations = new Map<string, Destination>();
  const fallback = destinationFor(DEFAULT_DESTINATION, { webhook_url: config.discord.webhook_url, channel_id: config.bot.channel_id }, deps);
  destinations.set(DEFAULT_DESTINATION, fallback ?? new PreviewDestination(DEFAULT_DESTINATION, deps.previewOutput));
  for (const [name, entry] of Object.entries(config.destinations)) {
    const destination = destinationFor(name, entry, deps);
    // The schema makes sure each has a webhook, or a channel and a running bot.
    if (destination) destinations.set(name, destination);
  }
  return destinations;
}

/**
 * The start-up warning for a default destination that only prints while named ones send
 * (`discord.preview: true`); undefined when everything configured reaches Discord, or in plain
 * preview mode, which the start-up message already announces.
 */
export function printedOnlyWarning(config: Config): string | undefined {
  const printed = printedOnly(config);
  if (printed.length === 0) return undefined;
  return `the default destination has no Discord webhook or channel (discord.preview: true): ${listInWords(printed)} are only printed on stdout, not sent to Discord`;
}

/** How the configuration delivers, in a few words, for check-config. */
export function deliverySummary(config: Config): string {
  const named = Object.keys(config.destinations);
  const routes = named.length > 0 ? `, and routes deliver to ${named.join(', ')}` : '';
  switch (defaultDiscordTarget(config)) {
    case 'webhook':
      return `delivers to a Discord webhook${routes}`;
    case 'bot-channel':
      return `delivers as the bot to channel ${config.bot.channel_id ?? ''}${routes}`;
    case undefined:
      if (named.length === 0) return 'preview mode (no Discord destination): messages are printed, not sent';
      return `routes deliver to ${named.join(', ')}; ${printedOnlyWarning(config) ?? 'nothing reaches the default destination, which only prints'}`;
  }
}
