import { NO_PINGS } from '../discord/mentions.js';
import type { DiscordMessage } from '../discord/types.js';
import type { Notification } from '../engine/notification.js';
import { severityOf } from '../severity/severity.js';
import { notificationPayload } from '../render/notification-payload.js';
import { notificationReason, renderPayload } from '../render/render.js';
import { isDigest, renderDigest } from '../render/storm-digest.js';
import type { RenderSettings } from '../render/settings.js';
import { mentionsFor } from '../routing/mentions.js';
import type { MentionPolicy } from '../routing/routes.js';
import type { Destination } from './destination.js';
import type { GraphStage } from './graph-stage.js';
import type { RenderStage } from './outbox-worker.js';

/** Adds what only the bot's own messages may carry (silence buttons), for destinations that carry them. */
export type MessageControls = (message: DiscordMessage, notification: Notification) => Promise<DiscordMessage>;

export interface RenderStageOptions {
  settings: RenderSettings;
  /** The mention policy of each route, by name. */
  mentions: (route: string) => MentionPolicy | undefined;
  destinations: ReadonlyMap<string, Destination>;
  controls?: MessageControls | undefined;
  /** The picture of the alerts' expression, when graphs are on (graph-stage.ts). */
  graphs?: GraphStage | undefined;
}

/**
 * The render stage: a queued notification through its route's template, with the name, avatar
 * and mentions its destination and route ask for, to the message Discord will accept. The
 * template places the mentions; the message names who may be pinged (nobody, unless given).
 */
export function createRenderStage(options: RenderStageOptions): RenderStage {
  return async (entry) => {
    const { notification, destination, kind } = entry;
    const look = options.settings.lookFor(destination, notification.route);
    if (isDigest(notification)) return renderDigest(notification, look.username);
    const mentions = mentionsFor(options.mentions(notification.route), notification, kind, severityOf);
    const { message } = renderPayload(notificationPayload(notification), {
      ...look,
      templates: options.settings.templates,
      reason: notificationReason(notification),
      mentions,
    });
    const controls = options.destinations.get(destination)?.carriesButtons ? options.controls : undefined;
    const controlled = controls ? await controls(message, notification) : message;
    const shown = options.graphs ? await options.graphs(controlled, notification, kind) : controlled;
    return { ...shown, allowed_mentions: shown.allowed_mentions ?? NO_PINGS };
  };
}
