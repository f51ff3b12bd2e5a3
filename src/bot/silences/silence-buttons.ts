import { type APIActionRowComponent, type APIButtonComponent, ButtonStyle, ComponentType } from 'discord.js';
import type { Matcher } from '../../alertmanager/matchers.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import { acknowledgeButton } from '../../incidents/ack-button.js';
import { inlineCode, timestamp, userMention } from '../../discord/markup.js';
import { type BotReply, problemReply } from '../interactions/reply.js';
import { type CreatedSilence, createSilenceAs, describeSilenceFailure, type SilenceActionContext, unsilenceableReason } from './silencing.js';

/**
 * "Silence 1h" / "Silence 1d" buttons under an alert message. The button carries only a reference
 * (`amcord:silence:<duration>:<ref>`); which alerts it means is looked up when it is clicked, by
 * whoever delivered the message (see `SilenceTargetResolver`).
 */

/**
 * Turns a button's reference back into the matchers to silence, e.g. the group's labels stored
 * when the alert was delivered. undefined when the reference is unknown (or forgotten).
 */
export type SilenceTargetResolver = (ref: string) => Promise<Matcher[] | undefined>;

/** What a silence made with a button is, so later renderings of the message keep saying so. */
export interface ButtonSilence {
  ref: string;
  id: string;
  endsAt: Date;
  link: string;
  actorId: string;
}

export interface SilenceButtonOptions {
  resolveSilenceTarget: SilenceTargetResolver;
  /** Told after a button created a silence. */
  onSilenced?: (silence: ButtonSilence) => void | Promise<void>;
}

/** The line an alert message carries once silenced from its button. */
export function silencedLine(silence: Pick<ButtonSilence, 'actorId' | 'endsAt' | 'id'>): string {
  return `🔕 Silenced by ${userMention(silence.actorId)} until ${timestamp(silence.endsAt, 'f')} (${timestamp(silence.endsAt, 'R')}) · silence ${inlineCode(silence.id)}`;
}

/** The silence buttons give way to a link to the silence that was made. */
export function silenceLinkRow(link: string): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [{ type: ComponentType.Button, style: ButtonStyle.Link, label: 'Open the silence', url: link }],
  };
}

const PREFIX = 'amcord:silence:';
export const SILENCE_BUTTON_DURATIONS = { '1h': 3_600_000, '1d': 86_400_000 } as const;
export type SilenceButtonDuration = keyof typeof SILENCE_BUTTON_DURATIONS;
const CUSTOM_ID_MAX = 100;
/** Discord allows 100 characters of custom_id; the longest prefix is `amcord:silence:1d:`. */
export const MAX_SILENCE_REF_LENGTH = CUSTOM_ID_MAX - `${PREFIX}1d:`.length;

export function silenceButtonId(duration: SilenceButtonDuration, ref: string): string {
  return `${PREFIX}${duration}:${ref}`;
}

/** The action row to attach to an alert message. `ref` must be 1 to 82 characters. */
export function silenceButtons(ref: string): APIActionRowComponent<APIButtonComponent> {
  if (ref.length === 0 || ref.length > MAX_SILENCE_REF_LENGTH) {
    throw new RangeError(`A silence button reference must be 1 to ${MAX_SILENCE_REF_LENGTH} characters, got ${ref.length}`);
  }
  return {
    type: ComponentType.ActionRow,
    components: (Object.keys(SILENCE_BUTTON_DURATIONS) as SilenceButtonDuration[]).map((duration) => ({
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      label: `Silence ${duration}`,
      emoji: { name: '🔕' },
      custom_id: silenceButtonId(duration, ref),
    })),
  };
}

export interface SilenceButtonClick {
  duration: SilenceButtonDuration;
  ref: string;
}

/** undefined for buttons that are not amcord's silence buttons. */
export function parseSilenceButtonId(customId: string): SilenceButtonClick | undefined {
  if (!customId.startsWith(PREFIX)) return undefined;
  const rest = customId.slice(PREFIX.length);
  const separator = rest.indexOf(':');
  const duration = rest.slice(0, separator);
  const ref = rest.slice(separator + 1);
  if (separator < 0 || ref === '' || !Object.hasOwn(SILENCE_BUTTON_DURATIONS, duration)) return undefined;
  return { duration: duration as SilenceButtonDuration, ref };
}

/** Either the clicked message is updated, or only the clicker gets a message. */
export type ButtonOutcome = { kind: 'update'; reply: BotReply } | { kind: 'message'; reply: BotReply };

export interface SilenceButtonContext extends SilenceActionContext {
  resolveSilenceTarget: SilenceTargetResolver | undefined;
  onSilenced?: ((silence: ButtonSilence) => void | Promise<void>) | undefined;
}

/** Creates the silence and says on the alert message who silenced it and until when. */
export async function silenceButtonReply(
  click: SilenceButtonClick & {
    messageContent: string;
    /** The Acknowledge button the message showed, kept next to the silence's link. */
    acknowledge?: { acknowledged: boolean } | undefined;
  },
  context: SilenceButtonContext,
  now: Date,
): Promise<ButtonOutcome> {
  const refuse = (text: string): ButtonOutcome => ({ kind: 'message', reply: problemReply(text) });
  if (context.resolveSilenceTarget === undefined) {
    return refuse('Silence buttons are not set up in this amcord. Use /silence instead.');
  }
  let matchers: Matcher[] | undefined;
  let created: CreatedSilence;
  try {
    matchers = await context.resolveSilenceTarget(click.ref);
    if (matchers === undefined) {
      return refuse('amcord no longer knows which alerts this message is about (it may be long resolved). Use /silence instead.');
    }
    const unsilenceable = unsilenceableReason(matchers);
    if (unsilenceable !== undefined) return refuse(unsilenceable);
    created = await createSilenceAs(context, {
      matchers,
      durationMs: SILENCE_BUTTON_DURATIONS[click.duration],
      comment: `Silenced from Discord by ${context.actor.displayName} (button on the alert message)`,
      now,
      via: 'button',
    });
  } catch (error) {
    return refuse(describeSilenceFailure(error));
  }
  // The silence exists in Alertmanager either way; remembering it only lets later edits say so.
  await Promise.resolve(context.onSilenced?.({ ref: click.ref, id: created.id, endsAt: created.endsAt, link: created.link, actorId: context.actor.id })).catch(
    (error: unknown) => context.logger.warn({ err: error }, 'could not remember the silence made with a button'),
  );
  const line = silencedLine({ actorId: context.actor.id, endsAt: created.endsAt, id: created.id });
  const previous = click.messageContent.trimEnd();
  const room = DISCORD_LIMITS.content - line.length - 1;
  const content = previous === '' ? line : `${truncate(previous, room)}\n${line}`;
  return {
    kind: 'update',
    reply: {
      content,
      components: [withAcknowledge(silenceLinkRow(created.link), click.ref, click.acknowledge)],
    },
  };
}

/** The silence's link row, with the Acknowledge button first when the message had one. */
function withAcknowledge(
  row: APIActionRowComponent<APIButtonComponent>,
  ref: string,
  acknowledge: { acknowledged: boolean } | undefined,
): APIActionRowComponent<APIButtonComponent> {
  if (!acknowledge) return row;
  const { label, emoji, custom_id } = acknowledgeButton(ref, acknowledge.acknowledged);
  const button: APIButtonComponent = {
    type: ComponentType.Button,
    style: acknowledge.acknowledged ? ButtonStyle.Secondary : ButtonStyle.Primary,
    label,
    emoji,
    custom_id,
  };
  return { ...row, components: [button, ...row.components] };
}
