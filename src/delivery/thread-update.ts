import type { DiscordMessage } from '../discord/types.js';

const ATTACHED = 'attachment://';

/**
 * What a group's thread in a text channel gets on each notification: the summary's content,
 * embeds and picture, as a message of its own. Buttons stay on the summary (they act on the
 * group, and the summary is the message they update), and nothing in the thread replies.
 */
export function threadUpdateOf(message: DiscordMessage): DiscordMessage {
  const { components: _buttons, message_reference: _reply, thread: _placement, attachments, files, ...rest } = message;
  if (files && files.length > 0) return { ...rest, files, ...(attachments ? { attachments } : {}) };
  // Without the files an embed's `attachment://` picture would point at nothing.
  const embeds = rest.embeds?.map((embed) => (embed.image?.url.startsWith(ATTACHED) ? withoutImage(embed) : embed));
  return embeds ? { ...rest, embeds } : rest;
}

function withoutImage<T extends { image?: unknown }>(embed: T): Omit<T, 'image'> {
  const { image: _image, ...rest } = embed;
  return rest;
}
