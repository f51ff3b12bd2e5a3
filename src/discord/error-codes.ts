/**
 * Discord's JSON error codes that amcord acts on. "Unknown Message" means someone deleted the
 * message: the next update posts a new one. "Unknown Webhook" (10015) means the webhook itself is
 * gone, which the HTTP status (404) already says.
 */
export const UNKNOWN_MESSAGE = 10008;

/** The channel or thread is gone: with threads, someone deleted the group's forum post. */
export const UNKNOWN_CHANNEL = 10003;

/** The user takes no DMs from the bot: they block them, or share no server with it any more. */
export const CANNOT_MESSAGE_USER = 50007;

/** The user does not exist (a deleted account). */
export const UNKNOWN_USER = 10013;

/** Start Thread from Message on a message that has a thread already: a message gets one. */
export const THREAD_ALREADY_CREATED = 160004;
