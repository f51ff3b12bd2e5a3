import type { DiscordActionRow } from '../discord/types.js';

/**
 * The Acknowledge button under a firing group's message (and its escalation pings). Plain
 * component objects, no discord.js: the render stage builds them, the bot reads the clicks.
 * The button carries only the group's reference (`amcord:ack:<ref>`).
 */

const PREFIX = 'amcord:ack:';
/** Discord allows 100 characters of custom_id. */
const MAX_REF_LENGTH = 100 - PREFIX.length;

/** Button styles, as Discord numbers them. */
const PRIMARY = 1;
const SECONDARY = 2;
const BUTTON = 2;
const ACTION_ROW = 1;

export interface ButtonComponent {
  type: number;
  style: number;
  label: string;
  emoji: { name: string };
  custom_id: string;
}

/** "Acknowledge" while nobody has; "Take over" once someone has, for whoever comes next. */
export function acknowledgeButton(ref: string, acknowledged: boolean): ButtonComponent {
  if (ref.length === 0 || ref.length > MAX_REF_LENGTH) throw new RangeError(`An acknowledge button reference must be 1 to ${MAX_REF_LENGTH} characters`);
  return {
    type: BUTTON,
    style: acknowledged ? SECONDARY : PRIMARY,
    label: acknowledged ? 'Take over' : 'Acknowledge',
    emoji: { name: '👀' },
    custom_id: `${PREFIX}${ref}`,
  };
}

export function acknowledgeRow(ref: string, acknowledged: boolean): DiscordActionRow {
  return { type: ACTION_ROW, components: [acknowledgeButton(ref, acknowledged)] };
}

/** The group reference of an Acknowledge button; undefined for any other button. */
export function parseAcknowledgeButtonId(customId: string): string | undefined {
  if (!customId.startsWith(PREFIX)) return undefined;
  const ref = customId.slice(PREFIX.length);
  return ref === '' ? undefined : ref;
}
