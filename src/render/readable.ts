import { replaceTimestamps } from '../discord/markup.js';
import type { DiscordMessage } from '../discord/types.js';
import { COLORS } from '../severity/severity.js';

const COLOR_NAMES: Record<number, string> = {
  [COLORS.critical]: 'red',
  [COLORS.warning]: 'orange',
  [COLORS.info]: 'blue',
  [COLORS.resolved]: 'green',
  [COLORS.none]: 'grey',
};

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `│ ${line}`)
    .join('\n');
}

/** Discord shows <t:unix:style> in the reader's time zone; a terminal gets UTC. */
function plainTimes(text: string): string {
  return replaceTimestamps(text, (ms) => new Date(ms).toISOString().replace('.000Z', 'Z'));
}

/** A Discord message as plain text for a terminal: what preview mode prints instead of sending. */
export function readableMessage(message: DiscordMessage): string {
  return plainTimes(layout(message));
}

function layout(message: DiscordMessage): string {
  const out: string[] = [];
  if (message.content) out.push(message.content);
  for (const embed of message.embeds ?? []) {
    const color = embed.color === undefined ? '' : ` [${COLOR_NAMES[embed.color] ?? `#${embed.color.toString(16).padStart(6, '0')}`}]`;
    const lines: string[] = [];
    if (embed.title) lines.push(`${embed.title}${color}`);
    if (embed.url) lines.push(`<${embed.url}>`);
    // An embed that continues a list has no title to set its text apart from.
    if (embed.description) lines.push(...(lines.length > 0 ? [''] : []), embed.description);
    if (embed.fields?.length) {
      lines.push('');
      for (const field of embed.fields) lines.push(`${field.name}: ${field.value}`);
    }
    const footer = [embed.footer?.text, embed.timestamp].filter(Boolean).join(' · ');
    if (footer) lines.push('', footer);
    out.push(`┌${'─'.repeat(60)}\n${indent(lines.join('\n'))}\n└${'─'.repeat(60)}`);
  }
  return out.join('\n');
}
