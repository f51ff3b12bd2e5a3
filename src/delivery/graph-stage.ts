import { DISCORD_LIMITS, messageEmbedsLength } from '../discord/limits.js';
import type { DiscordMessage } from '../discord/types.js';
import type { Notification } from '../engine/notification.js';
import { alertGraphRequest, GraphUnavailableError, type AlertGraphRequest } from '../graphs/alert-graph.js';
import { outcomeOf } from '../graphs/counted-grapher.js';
import type { Grapher, GraphPicture } from '../graphs/grapher.js';
import type { GraphFailure, GraphOutcome } from '../graphs/outcomes.js';
import type { Logger } from '../log/logger.js';
import type { OutboxKind } from './ports.js';

export interface GraphStageOptions {
  grapher: Grapher;
  logger: Logger;
  /** Counted in amcord_graphs_total. */
  onOutcome: (outcome: GraphOutcome) => void;
}

/** Adds the picture of a notification's alerts to its rendered message, or says why there is none. */
export type GraphStage = (message: DiscordMessage, notification: Notification, kind: OutboxKind) => Promise<DiscordMessage>;

/**
 * The picture beside the render stage. It is drawn for every attempt from the notification, never
 * stored in the outbox (a retry asks Prometheus again), and it never holds a message back: when
 * Prometheus is slow or down, the expression cannot be read or returns nothing, or drawing fails,
 * the message goes without it, with a short line saying so, and the cause is logged and counted.
 *
 * Edits replace the picture deliberately: `attachments` lists only the new file, so a message
 * turned green shows the last picture (the line back under the threshold); an edit without a new
 * picture sends `attachments: []`, so no stale picture of the firing state stays beside it.
 */
export function createGraphStage(options: GraphStageOptions): GraphStage {
  return async (message, notification, kind) => {
    const request = requestFor(notification);
    if (!request) return kind === 'edit' ? { ...message, attachments: [] } : message;
    try {
      const picture = await options.grapher.forAlerts(request);
      options.onOutcome('drawn');
      return withPicture(message, picture);
    } catch (error) {
      const failure = failureOf(error);
      options.onOutcome(failure.reason);
      // Alerts that do not come from a Prometheus rule have nothing to draw; that is no news.
      if (failure.reason === 'no_expression') return kind === 'edit' ? { ...message, attachments: [] } : message;
      options.logger.warn({ groupKey: notification.groupKey, reason: failure.reason, err: causeText(error) }, 'the message goes without its graph');
      const noted = withNote(message, failure.text);
      return kind === 'edit' ? { ...noted, attachments: [] } : noted;
    }
  };
}

function requestFor(notification: Notification): AlertGraphRequest | undefined {
  return alertGraphRequest(notification.firing, notification.resolved);
}

function withPicture(message: DiscordMessage, picture: GraphPicture): DiscordMessage {
  const [first, ...rest] = message.embeds ?? [];
  const image = { url: `attachment://${picture.fileName}` };
  return {
    ...message,
    // A message without an embed shows the file on its own.
    embeds: first ? [{ ...first, image }, ...rest] : message.embeds,
    attachments: [{ id: 0, filename: picture.fileName, description: picture.description }],
    files: [{ name: picture.fileName, contentType: 'image/png', data: picture.png }],
  };
}

/** The line goes in the last embed's footer, small and grey; in the content when that is full. */
function withNote(message: DiscordMessage, note: string): DiscordMessage {
  const embeds = message.embeds ?? [];
  const last = embeds.at(-1);
  if (last) {
    const footer = last.footer?.text ? `${last.footer.text} · ${note}` : note;
    const grows = footer.length - (last.footer?.text.length ?? 0);
    if (footer.length <= DISCORD_LIMITS.footer && messageEmbedsLength(message) + grows <= DISCORD_LIMITS.embedsTotal) {
      return { ...message, embeds: [...embeds.slice(0, -1), { ...last, footer: { ...last.footer, text: footer } }] };
    }
  }
  const content = message.content ? `${message.content}\n-# ${note}` : `-# ${note}`;
  return content.length <= DISCORD_LIMITS.content ? { ...message, content } : message;
}

function failureOf(error: unknown): { reason: GraphFailure; text: string } {
  if (error instanceof GraphUnavailableError) return { reason: error.reason, text: error.shortText };
  return { reason: outcomeOf(error), text: 'no graph: it could not be drawn' };
}

function causeText(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}
