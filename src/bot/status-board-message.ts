import type { DiscordMessage } from '../discord/types.js';
import type { BotClients } from './clients.js';
import { overviewReply } from './commands/status.js';

/**
 * The status board's message: what /status answers, embed and picture. Its `attachments` list
 * only the new picture, so each edit replaces the last one, and an edit without a picture (Prometheus
 * unreachable) removes the old one rather than leaving a stale dashboard beside fresh text.
 */
export async function statusBoardMessage(clients: BotClients, now: Date): Promise<DiscordMessage> {
  const reply = await overviewReply(clients, now);
  const files = reply.files ?? [];
  return {
    content: '',
    embeds: reply.embeds ?? [],
    allowed_mentions: { parse: [] },
    components: [],
    attachments: files.map((file, index) => ({ id: index, filename: file.name, ...(file.description ? { description: file.description } : {}) })),
    files: files.map(({ name, contentType, data }) => ({ name, contentType, data })),
  };
}
