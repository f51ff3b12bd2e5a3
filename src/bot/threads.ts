import { Routes, type REST } from 'discord.js';
import type { ThreadControl } from '../delivery/destination.js';
import type { Logger } from '../log/logger.js';
import { loggableError } from './redact.js';

/**
 * Re-tagging and archiving a resolved group's forum post, which only the bot may do. The
 * message itself is already edited by then, so a refusal (no Manage Threads, a deleted post) is
 * logged and left at that rather than retried.
 */
export function threadControlFor(rest: REST, logger: Logger, scrub: (text: string) => string): ThreadControl {
  return async (threadId, change) => {
    try {
      await rest.patch(Routes.channel(threadId), { body: change });
    } catch (error) {
      logger.warn({ err: loggableError(error, scrub), threadId }, 'could not re-tag and archive the forum post of a resolved group');
    }
  };
}
