import { NO_PINGS } from '../discord/mentions.js';
import type { ShownIncident } from '../incidents/incidents.js';
import { escalationMessage } from '../incidents/ping-message.js';
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
import { parseLivingMessageId, threadPlacement } from './thread-placement.js';

/**
 * Adds what only the bot's own messages may carry (the Acknowledge and silence buttons), for
 * destinations that carry them; `acknowledged` says whether someone has the group already.
 */
export type MessageControls = (message: DiscordMessage, notification: Notification, acknowledged: boolean) => Promise<DiscordMessage>;

/** What the render stage tells incident handling (incidents/incidents.ts), and asks it. */
export interface IncidentTracking {
  /** Records what a group's message shows now (or that the group resolved); answers who acknowledged it. */
  shown(notification: Notification, destination: string): Promise<ShownIncident | undefined>;
}

export interface RenderStageOptions {
  settings: RenderSettings;
  /** The mention policy of each route, by name. */
  mentions: (route: string) => MentionPolicy | undefined;
  destinations: ReadonlyMap<string, Destination>;
  controls?: MessageControls | undefined;
  /** The picture of the alerts' expression, when graphs are on (graph-stage.ts). */
  graphs?: GraphStage | undefined;
  /** Acknowledgements shown on the group's message, and escalation. */
  incidents?: IncidentTracking | undefined;
  /** The id of a group's living message, which an escalation ping replies to. */
  livingMessage?: ((destination: string, groupKey: string) => Promise<string | undefined>) | undefined;
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
    const target = options.destinations.get(destination);
    const carriesButtons = target?.carriesButtons === true;
    const groupKey = notification.escalation?.groupKey ?? notification.groupKey;
    const living = target?.threads || (carriesButtons && notification.escalation) ? await options.livingMessage?.(destination, groupKey) : undefined;
    const placed = (message: DiscordMessage, startsIncident: boolean): DiscordMessage => {
      if (!target?.threads) return message;
      const thread = threadPlacement(notification, living, target.threads, startsIncident);
      // The bot's thread hangs off the summary in a text channel, which a later post edits.
      const summary = carriesButtons && thread.id !== undefined && living !== undefined ? { messageId: parseLivingMessageId(living).messageId } : {};
      return { ...message, thread: { ...thread, ...summary } };
    };
    if (notification.escalation) {
      // Only the bot can reply: in the channel, to the summary, where the ping is seen (also with
      // a thread); a webhook's ping stands on its own (in the group's post, with threads).
      const replyTo = carriesButtons && living !== undefined ? parseLivingMessageId(living).messageId : undefined;
      const ping = escalationMessage(notification.escalation, notification, { replyTo, buttons: carriesButtons, username: look.username, avatarUrl: look.avatarUrl });
      return carriesButtons ? ping : placed(ping, false);
    }
    const incident = await options.incidents?.shown(notification, destination);
    const acknowledgement = incident?.acknowledgement;
    const mentions = mentionsFor(options.mentions(notification.route), notification, kind, severityOf);
    const { message } = renderPayload(notificationPayload(notification), {
      ...look,
      templates: options.settings.templates,
      reason: notificationReason(notification),
      mentions,
      acknowledgement,
    });
    const controls = carriesButtons ? options.controls : undefined;
    const controlled = controls ? await controls(message, notification, acknowledgement !== undefined) : message;
    const shown = options.graphs ? await options.graphs(controlled, notification, kind) : controlled;
    // Without incident tracking, only the engine's first notification of a group starts one.
    const startsIncident = incident ? incident.started : notification.reason === 'first';
    return placed({ ...shown, allowed_mentions: shown.allowed_mentions ?? NO_PINGS }, startsIncident);
  };
}
