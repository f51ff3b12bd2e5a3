import { EMPTY, h, type Html } from './html.js';
import { parseMarkdown, type Inline } from './markdown-parse.js';
import { formatDiscordTime } from './time.js';

/** Discord markdown, as markdown-parse.ts reads it, written as the preview's elements or as plain text. */

export interface MarkdownOptions {
  /** Now, for "3 minutes ago". */
  now: number;
  /** Inline code and code blocks look slightly different inside an embed. */
  inEmbed?: boolean;
}

function timeHtml(node: Extract<Inline, { kind: 'time' }>, now: number): Html {
  const text = formatDiscordTime(node.unix, node.style, now);
  if (text === undefined) return h`${node.raw}`;
  const iso = new Date(node.unix * 1000).toISOString();
  return h`<discord-time data-unix="${node.unix}" data-style="${node.style}" title="${iso}">${text}</discord-time>`;
}

function inlineHtml(nodes: readonly Inline[], options: MarkdownOptions): Html {
  return h`${nodes.map((node) => {
    switch (node.kind) {
      case 'text':
        return node.text;
      case 'code':
        return h`<discord-code${options.inEmbed ? h` embed` : EMPTY}>${node.text}</discord-code>`;
      case 'link':
        return h`<discord-link href="${node.href}" target="_blank" rel="noopener noreferrer">${inlineHtml(node.children, options)}</discord-link>`;
      case 'mention':
        return h`<discord-mention type="${node.type}">${node.name}</discord-mention>`;
      case 'time':
        return timeHtml(node, options.now);
      case 'bold':
        return h`<discord-bold>${inlineHtml(node.children, options)}</discord-bold>`;
      case 'italic':
        return h`<discord-italic>${inlineHtml(node.children, options)}</discord-italic>`;
      case 'underline':
        return h`<discord-underlined>${inlineHtml(node.children, options)}</discord-underlined>`;
      case 'strike':
        return h`<s>${inlineHtml(node.children, options)}</s>`;
      case 'spoiler':
        return h`<discord-spoiler>${inlineHtml(node.children, options)}</discord-spoiler>`;
    }
  })}`;
}

const BLOCK_CLASS = { h1: 'md-h1', h2: 'md-h2', h3: 'md-h3', subtext: 'md-subtext' } as const;

/** Discord markdown as the preview's markup. */
export function markdownHtml(text: string, options: MarkdownOptions): Html {
  const blocks = parseMarkdown(text);
  const parts: Html[] = [];
  blocks.forEach((block, index) => {
    const previous = blocks[index - 1];
    switch (block.kind) {
      case 'codeblock':
        parts.push(h`<discord-code multiline${options.inEmbed ? h` embed` : EMPTY}>${block.text}</discord-code>`);
        return;
      case 'line':
        if (previous?.kind === 'line') parts.push(h`<br>`);
        parts.push(inlineHtml(block.children, options));
        return;
      case 'quote':
        parts.push(h`<discord-quote>${inlineHtml(block.children, options)}</discord-quote>`);
        return;
      case 'item':
        parts.push(h`<div class="md-item">${inlineHtml(block.children, options)}</div>`);
        return;
      default:
        parts.push(h`<div class="${BLOCK_CLASS[block.kind]}">${inlineHtml(block.children, options)}</div>`);
    }
  });
  return h`${parts}`;
}

function inlineText(nodes: readonly Inline[], now: number): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
        case 'code':
          return node.text;
        case 'mention':
          return node.type === 'channel' ? `#${node.name}` : `@${node.name}`;
        case 'time':
          return formatDiscordTime(node.unix, node.style, now) ?? node.raw;
        default:
          return inlineText(node.children, now);
      }
    })
    .join('');
}

/** Markdown read as plain text, for places the preview shows as text (titles, field names). */
export function markdownText(text: string, now: number): string {
  return parseMarkdown(text)
    .map((block) => (block.kind === 'codeblock' ? block.text : inlineText(block.children, now)))
    .join('\n');
}
