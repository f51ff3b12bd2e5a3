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

/**
 * Whether a message's components (as Discord sends them: rows of buttons, among other kinds)
 * show an Acknowledge button, and in which state: what a later change of the buttons (a
 * silence) must keep.
 */
export function acknowledgeStateIn(rows: readonly unknown[]): { acknowledged: boolean } | undefined {
  const record = (value: unknown): Record<string, unknown> | undefined => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined);
  for (const row of rows) {
    const components = record(row)?.['components'];
    if (!Array.isArray(components)) continue;
    for (const component of components) {
      const button = record(component);
      const customId = button?.['custom_id'];
      if (typeof customId === 'string' && parseAcknowledgeButtonId(customId) !== undefined) return { acknowledged: button?.['label'] === 'Take over' };
    }
  }
  return undefined;
}
