import type { DiscordMessage } from '../discord/types.js';

/** Names one post across its retries, so a destination that can deduplicate a repeat does. */
export interface PostKey {
  /** Stable for the same post of the same outbox entry, different for every other post. */
  id: string;
  /** An earlier attempt of this post failed, so Discord may already hold an older version of it. */
  retry: boolean;
}

/** Where a group's messages go: a Discord webhook, a bot channel, or the terminal (preview). */
export interface Destination {
  readonly name: string;
  /** Only the bot's own messages may carry buttons (silence buttons). */
  readonly carriesButtons?: boolean;
  /** Set when each group gets a thread of its own (`threads: true`): a forum post, or a thread in a text channel. */
  readonly threads?: ThreadSettings;
  /**
   * Posts a new message and returns its id, never an empty one. Rejects with UnconfirmedPostError
   * when the message may have been posted but its id is unknown and posting again could show it
   * twice.
   */
  post(message: DiscordMessage, deadline: number, key?: PostKey): Promise<string>;
  /**
   * Replaces an earlier message. Rejects with MessageGoneError when it no longer exists. May
   * answer a new id for the living message (a text channel's group thread, started anew).
   */
  edit(messageId: string, message: DiscordMessage, deadline: number): Promise<string | void>;
}

/** A destination's forum posts: the tags for a firing and for a resolved group's post. */
export interface ThreadSettings {
  firingTag: string | undefined;
  resolvedTag: string | undefined;
}

/** Re-tags and archives a post: only the bot may (Manage Threads), never a webhook. */
export type ThreadControl = (threadId: string, change: { applied_tags: string[]; archived: boolean }) => Promise<void>;

/** The message to edit was deleted (someone removed it in Discord): post anew instead. */
export class MessageGoneError extends Error {
  override name = 'MessageGoneError';
}

/**
 * Discord took the message (it answered success) but not its id, and this destination can
 * neither find it nor post again without showing it twice. The post counts as done with no
 * message id: a later notification of the group posts a new message, since there is none to edit.
 */
export class UnconfirmedPostError extends Error {
  override name = 'UnconfirmedPostError';
}
