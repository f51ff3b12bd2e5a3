import type { DiscordMessage } from '../../discord/types.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import type { Notification } from '../../engine/notification.js';
import type { SilenceTargets } from '../../delivery/silence-targets.js';
import { silenceButtons, silencedLine, silenceLinkRow } from './silence-buttons.js';

/**
 * Silence buttons under a group's message while it fires; once someone used them, the line saying
 * who silenced it until when and a link to the silence, on every later edit too. A resolved group
 * has nothing left to silence: no buttons.
 */
export async function withSilenceControls(
  message: DiscordMessage,
  notification: Notification,
  targets: SilenceTargets,
  now: number,
): Promise<DiscordMessage> {
  if (notification.firing.length === 0) return { ...message, components: [] };
  const ref = await targets.refFor(notification);
  const silence = await targets.active(ref, now);
  if (!silence) return { ...message, components: [silenceButtons(ref)] };
  const line = silencedLine(silence);
  const content = message.content ? `${truncate(message.content, DISCORD_LIMITS.content - line.length - 1)}\n${line}` : line;
  return { ...message, content, components: [silenceLinkRow(silence.link)] };
}
