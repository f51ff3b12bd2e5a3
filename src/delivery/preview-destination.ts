import type { DiscordMessage } from '../discord/types.js';
import { readableMessage } from '../render/readable.js';
import type { Destination } from './destination.js';

/**
 * Preview mode: with no Discord destination configured, amcord prints what it would send.
 * Edits are printed too, marked as such, so the living-message behaviour is visible.
 */
export class PreviewDestination implements Destination {
  /** Nothing reaches Discord: deliveries here are counted as printed, never as sent. */
  readonly printsOnly = true;
  private sequence = 0;

  constructor(
    readonly name: string,
    private readonly output: (text: string) => void,
  ) {}

  post(message: DiscordMessage): Promise<string> {
    this.sequence += 1;
    const id = `preview-${this.sequence}`;
    this.output(`── new message ${id} ──\n${readableMessage(message)}\n`);
    return Promise.resolve(id);
  }

  edit(messageId: string, message: DiscordMessage): Promise<void> {
    this.output(`── message ${messageId} edited ──\n${readableMessage(message)}\n`);
    return Promise.resolve();
  }
}
