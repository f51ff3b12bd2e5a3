import { timestamp, userMention } from '../../discord/markup.js';
import { truncate } from '../../discord/limits.js';
import type { AcknowledgeOutcome } from '../../incidents/incidents.js';
import type { Incident, IncidentSummary } from '../../incidents/ports.js';
import type { Logger } from '../../log/logger.js';
import { groupName } from '../../render/alert-facts.js';
import { notificationPayload } from '../../render/notification-payload.js';
import type { Actor } from '../interactions/actor.js';
import { type BotReply, type Choice, matchesTyped, problemReply, toChoices } from '../interactions/reply.js';

/** What the bot needs of incident handling (incidents/incidents.ts). */
export interface Acknowledgements {
  acknowledge(ref: string, userId: string): Promise<AcknowledgeOutcome>;
  open(): Promise<IncidentSummary[]>;
  /** Told of every acknowledgement recorded, for metrics: a first one, or one taken over. */
  onAcknowledged?: (kind: 'acknowledged' | 'taken_over') => void;
}

export interface AcknowledgeContext {
  actor: Actor;
  logger: Logger;
  acknowledgements: Acknowledgements | undefined;
}

const nameOf = (incident: Incident): string => groupName(notificationPayload(incident.notification));

/**
 * "I've got it" for one firing group, from its button or /ack: recorded with who and when (the
 * living message is edited to show it, and its escalation stops), logged with the user. It does
 * not silence anything: the alerts stay visible and resolve as usual.
 */
export async function acknowledgeReply(ref: string, context: AcknowledgeContext, via: 'button' | '/ack'): Promise<BotReply> {
  const { actor, logger, acknowledgements } = context;
  if (!acknowledgements) return problemReply('Acknowledging is not set up in this amcord.');
  const outcome = await acknowledgements.acknowledge(ref, actor.id);
  if (outcome.kind === 'unknown') {
    return problemReply('That group is not firing any more (or amcord never saw it), so there is nothing to acknowledge.');
  }
  const { incident } = outcome;
  const name = truncate(nameOf(incident), 200);
  if (outcome.kind === 'already') {
    return { content: `You acknowledged **${name}** ${timestamp(incident.acknowledgement?.at ?? 0, 'R')} already.`, ephemeral: true };
  }
  const previous = incident.acknowledgement?.tookOverFrom;
  logger.info(
    { userId: actor.id, userName: actor.tag, ref, route: incident.route, groupKey: incident.groupKey, tookOverFrom: previous?.userId, via },
    previous ? 'alert group taken over from Discord' : 'alert group acknowledged from Discord',
  );
  acknowledgements.onAcknowledged?.(previous ? 'taken_over' : 'acknowledged');
  const takeover = previous ? `, taking over from ${userMention(previous.userId)}` : '';
  return {
    content: `👀 You acknowledged **${name}**${takeover}. Its escalation stops; the alerts stay visible and resolve as usual.`,
    ephemeral: true,
  };
}

/** /ack's choices: the firing groups whose name contains what was typed, unacknowledged first. */
export async function acknowledgeChoices(typed: string, acknowledgements: Acknowledgements | undefined): Promise<Choice[]> {
  if (!acknowledgements) return [];
  const open = await acknowledgements.open();
  return toChoices(
    open
      .map((incident) => {
        const name = Object.values(incident.groupLabels).filter(Boolean).join(' · ') || incident.groupKey;
        return { name: `${name}${incident.acknowledgement ? ' · acknowledged' : ''}`, value: incident.ref, taken: incident.acknowledgement !== undefined };
      })
      .filter((choice) => matchesTyped(choice.name, typed))
      .sort((a, b) => Number(a.taken) - Number(b.taken))
      .map(({ name, value }) => ({ name, value })),
  );
}
