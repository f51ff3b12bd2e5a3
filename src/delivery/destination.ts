import type { DiscordMessage } from '../discord/types.js';

/** Where a group's messages go: a Discord webhook, a bot channel, or the terminal (preview). */
export interface Destination {
  readonly name: string;
  /** Only the bot's own messages may carry buttons (silence buttons). */
  readonly carriesButtons?: boolean;
  /** Posts a new message and returns its id. */
  post(message: DiscordMessage, deadline: number): Promise<string>;
  /** Replaces an earlier message. Rejects with MessageGoneError when it no longer exists. */
  edit(messageId: string, message: DiscordMessage, deadline: number): Promise<void>;
}

/** The message to edit was deleted (someone removed it in Discord): post anew instead. */
export class MessageGoneError extends Error {
  override name = 'MessageGoneError';
}
