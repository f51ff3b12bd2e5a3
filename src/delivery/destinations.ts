import type { Config } from '../config/schema.js';
import type { DiscordWebhookClient } from '../discord/webhook-client.js';
import { parseWebhookUrl } from '../discord/webhook-url.js';
import type { Destination } from './destination.js';
import { PreviewDestination } from './preview-destination.js';
import { WebhookDestination } from './webhook-destination.js';

/** The destination routes fall back to; `discord.webhook_url`, or preview mode without one. */
export const DEFAULT_DESTINATION = 'default';

export interface DestinationDeps {
  client: DiscordWebhookClient;
  previewOutput: (text: string) => void;
}

/** Every configured destination by name: `default` plus the named ones. */
export function createDestinations(config: Config, deps: DestinationDeps): Map<string, Destination> {
  const destinations = new Map<string, Destination>();
  const defaultUrl = config.discord.webhook_url;
  destinations.set(
    DEFAULT_DESTINATION,
    defaultUrl ? new WebhookDestination(DEFAULT_DESTINATION, deps.client, parseWebhookUrl(defaultUrl)) : new PreviewDestination(DEFAULT_DESTINATION, deps.previewOutput),
  );
  for (const [name, entry] of Object.entries(config.destinations)) {
    // The schema guarantees a URL for every named destination.
    if (entry.webhook_url) destinations.set(name, new WebhookDestination(name, deps.client, parseWebhookUrl(entry.webhook_url)));
  }
  return destinations;
}
