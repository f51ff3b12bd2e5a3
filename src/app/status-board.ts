import type { Config } from '../config/schema.js';
import { StatusBoard, type StatusBoardStore } from '../delivery/status-board.js';
import type { Logger } from '../log/logger.js';
import { sleep, type Clock } from '../util/sleep.js';
import type { BotParts } from './bot.js';
import type { CleanupStack } from './cleanup-stack.js';

export interface StatusBoardDeps {
  config: Config;
  /** The running bot; without it there is no board. */
  bot: BotParts | undefined;
  store: StatusBoardStore;
  clock: Clock;
  logger: Logger;
  mayAct: () => boolean;
}

/** Starts the status board when `bot.status_board.channel_id` is set; it stops when the stack unwinds. */
export function startStatusBoardIfConfigured(deps: StatusBoardDeps, cleanup: CleanupStack): StatusBoard | undefined {
  const { channel_id: channelId, interval } = deps.config.bot.status_board;
  if (!deps.bot || channelId === undefined) return undefined;
  const board = new StatusBoard({
    channelId,
    destination: deps.bot.channelDestination('status-board', channelId),
    store: deps.store,
    render: deps.bot.statusMessage,
    intervalMs: interval,
    requestTimeoutMs: deps.config.discord.delivery_timeout,
    clock: deps.clock,
    sleep,
    logger: deps.logger.child({ module: 'status-board' }),
    mayAct: deps.mayAct,
  });
  board.start();
  cleanup.defer('status board', () => board.stop());
  return board;
}
