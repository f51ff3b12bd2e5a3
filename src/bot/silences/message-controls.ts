import type { DiscordMessage } from '../../discord/types.js';
import { DISCORD_LIMITS, truncate } from '../../discord/limits.js';
import type { Notification } from '../../engine/notification.js';
import type { SilenceTargets } from '../../delivery/silence-targets.js';
import { acknowledgeButton } from '../../incidents/ack-button.js';
import { silenceButtons, silencedLine, silenceLinkRow } from './silence-buttons.js';

/**
 * The Acknowledge button ("Take over" once someone has) and the silence buttons under a group's
 * message while it fires; once someone used the latter, the line saying who silenced it until
 * when and a link to the silence, on every later edit too. A resolved group has nothing left to
 * acknowledge or silence: no buttons.
 */
export async function withSilenceControls(
  message: DiscordMessage,
  notification: Notification,
  targets: SilenceTargets,
  now: number,
  acknowledged = false,
): Promise<DiscordMessage> {
  if (notification.firing.length === 0) return { ...message, components: [] };
  const ref = await targets.refFor(notification);
  const acknowledge = acknowledgeButton(ref, acknowledged);
  const silence = await targets.active(ref, now);
  if (!silence) {
    const row = silenceButtons(ref);
    return { ...message, components: [{ ...row, components: [acknowledge, ...row.components] }] };
  }
  const line = silencedLine(silence);
  const content = message.content ? `${truncate(message.content, DISCORD_LIMITS.content - line.length - 1)}\n${line}` : line;
  const link = silenceLinkRow(silence.link);
  return { ...message, content, components: [{ ...link, components: [acknowledge, ...link.components] }] };
}
