/** The parts of Discord's message objects amcord sends (webhook execute and message edit bodies). */
export interface DiscordEmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

export interface DiscordEmbed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  timestamp?: string;
  fields?: DiscordEmbedField[];
  footer?: { text: string; icon_url?: string };
  author?: { name: string; url?: string; icon_url?: string };
  /** `attachment://<filename>` shows a file uploaded with the message. */
  image?: { url: string };
}

export interface AllowedMentions {
  parse?: Array<'roles' | 'users' | 'everyone'>;
  roles?: string[];
  users?: string[];
}

/** Buttons under a message (an action row); only bot and application-owned messages may carry them. */
export interface DiscordActionRow {
  type: number;
  components: readonly object[];
}

/** A file uploaded with a message, as the multipart part `files[n]` (n is its index). */
export interface DiscordFile {
  name: string;
  contentType: string;
  data: Uint8Array;
}

/** An entry of a message's `attachments`: new files by their index n, kept ones by their id. */
export interface DiscordAttachment {
  id: number | string;
  filename?: string;
  /** Alt text, up to 1024 characters. */
  description?: string;
}

export interface DiscordMessage {
  content?: string;
  components?: DiscordActionRow[];
  username?: string;
  avatar_url?: string;
  embeds?: DiscordEmbed[];
  allowed_mentions?: AllowedMentions;
  /** Makes the message a reply to another in the same channel (the bot's messages only; webhooks cannot reply). */
  message_reference?: { message_id: string; fail_if_not_exists?: boolean };
  /** On an edit: every attachment to keep; those left out are removed. */
  attachments?: DiscordAttachment[];
  /** Webhook execute in a forum channel: creates a post (thread) of this name, with these tag ids. */
  thread_name?: string;
  applied_tags?: string[];
  /** Where a destination with threads puts the message. Never part of the JSON (see WebhookDestination). */
  thread?: ThreadPlacement;
  /**
   * Files to upload with the message. Never part of the JSON: a message with files is sent as
   * multipart, the rest of it in `payload_json` (see messageBody in webhook-client.ts).
   */
  files?: readonly DiscordFile[];
}

/**
 * A message's place in a forum: inside the group's post (`id`), or in a new post named `name`
 * (also when the post was deleted), tagged `tags`. `close` re-tags the post and archives it
 * after the message went in, once the group resolved.
 */
export interface ThreadPlacement {
  id?: string;
  /** The group's living message beside `id`: in a text channel, the summary the thread started from. */
  messageId?: string;
  name: string;
  tags: string[];
  close?: { tags: string[] };
}
