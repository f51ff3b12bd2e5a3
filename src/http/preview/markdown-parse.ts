import { safeUrl } from './html.js';
import { isTimeStyle, type TimeStyle } from './time.js';

/**
 * The part of Discord's markdown that messages and embeds use, parsed into blocks of inline
 * nodes. Everything that is not markup stays text; links are kept only when they are http(s), as
 * in Discord. markdown.ts writes the nodes as the preview's elements.
 */

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'bold' | 'italic' | 'underline' | 'strike' | 'spoiler'; children: Inline[] }
  | { kind: 'code'; text: string }
  | { kind: 'link'; href: string; children: Inline[] }
  | { kind: 'mention'; type: 'user' | 'role' | 'channel'; name: string }
  | { kind: 'time'; unix: number; style: TimeStyle; raw: string };

export type Block =
  | { kind: 'line' | 'quote' | 'h1' | 'h2' | 'h3' | 'subtext' | 'item'; children: Inline[] }
  | { kind: 'codeblock'; text: string };

/** ASCII punctuation: a backslash before one of these shows it as written. */
const ESCAPABLE = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}_]/u;

const TIME = /<t:(-?\d{1,13})(?::([tTdDfFR]))?>/y;
const USER_OR_ROLE = /<@([!&]?)(\d{1,20})>/y;
const CHANNEL = /<#(\d{1,20})>/y;
const EVERYONE = /@(everyone|here)\b/y;
const BARE_URL = /https?:\/\/[^\s<]*[^\s<.,:;"'\])!?*_~|]/y;
const LINK_TARGET = /\(\s*<?(https?:\/\/[^\s<>()]+(?:\([^\s<>()]*\)[^\s<>()]*)*)>?\s*\)/y;

/** Delimited spans, longest delimiter first so `**` is not read as two `*`. */
const SPANS: Array<{ mark: string; kind: 'bold' | 'italic' | 'underline' | 'strike' | 'spoiler' }> = [
  { mark: '**', kind: 'bold' },
  { mark: '__', kind: 'underline' },
  { mark: '~~', kind: 'strike' },
  { mark: '||', kind: 'spoiler' },
  { mark: '*', kind: 'italic' },
  { mark: '_', kind: 'italic' },
];

function matchAt(pattern: RegExp, text: string, at: number): RegExpExecArray | null {
  pattern.lastIndex = at;
  return pattern.exec(text);
}

/** Where `mark` closes the span opened just before `from`, skipping escapes; -1 when it does not. */
function closingIndex(text: string, mark: string, from: number): number {
  for (let at = from; at < text.length; at += 1) {
    if (text[at] === '\\') {
      at += 1;
      continue;
    }
    if (!text.startsWith(mark, at)) continue;
    // A single `*` or `_` skips over doubled ones, which belong to bold or underline inside it.
    if (mark.length === 1 && text[at + 1] === mark) {
      at += 1;
      continue;
    }
    if (mark === '_' && WORD.test(text[at + 1] ?? '')) continue;
    return at;
  }
  return -1;
}

/** The index of the `]` closing a link label that starts at `from`, or -1. */
function labelEnd(text: string, from: number): number {
  for (let at = from; at < text.length; at += 1) {
    if (text[at] === '\\') at += 1;
    else if (text[at] === ']') return at;
    else if (text[at] === '[') return -1;
  }
  return -1;
}

export function parseInline(text: string, inLink = false): Inline[] {
  const nodes: Inline[] = [];
  let buffer = '';
  const push = (node: Inline): void => {
    if (buffer) nodes.push({ kind: 'text', text: buffer });
    buffer = '';
    nodes.push(node);
  };

  let at = 0;
  while (at < text.length) {
    const char = text[at] ?? '';
    if (char === '\\' && ESCAPABLE.test(text[at + 1] ?? '')) {
      buffer += text[at + 1];
      at += 2;
      continue;
    }
    if (char === '`') {
      const ticks = text.startsWith('``', at) ? '``' : '`';
      const close = text.indexOf(ticks, at + ticks.length);
      if (close > at + ticks.length) {
        push({ kind: 'code', text: text.slice(at + ticks.length, close) });
        at = close + ticks.length;
        continue;
      }
    }
    if (char === '<') {
      const time = matchAt(TIME, text, at);
      if (time) {
        const style = time[2] ?? 'f';
        push({ kind: 'time', unix: Number(time[1]), style: isTimeStyle(style) ? style : 'f', raw: time[0] });
        at += time[0].length;
        continue;
      }
      const mention = matchAt(USER_OR_ROLE, text, at);
      if (mention) {
        push({ kind: 'mention', type: mention[1] === '&' ? 'role' : 'user', name: mention[2] ?? '' });
        at += mention[0].length;
        continue;
      }
      const channel = matchAt(CHANNEL, text, at);
      if (channel) {
        push({ kind: 'mention', type: 'channel', name: channel[1] ?? '' });
        at += channel[0].length;
        continue;
      }
    }
    if (char === '@' && !WORD.test(text[at - 1] ?? '')) {
      const everyone = matchAt(EVERYONE, text, at);
      if (everyone) {
        push({ kind: 'mention', type: 'role', name: everyone[1] ?? '' });
        at += everyone[0].length;
        continue;
      }
    }
    if (char === '[' && !inLink) {
      const end = labelEnd(text, at + 1);
      const target = end > at + 1 ? matchAt(LINK_TARGET, text, end + 1) : null;
      const href = safeUrl(target?.[1]);
      if (target && href) {
        push({ kind: 'link', href, children: parseInline(text.slice(at + 1, end), true) });
        at = end + 1 + target[0].length;
        continue;
      }
    }
    if (char === 'h' && !inLink && !WORD.test(text[at - 1] ?? '')) {
      const url = matchAt(BARE_URL, text, at);
      const href = safeUrl(url?.[0]);
      if (url && href) {
        push({ kind: 'link', href, children: [{ kind: 'text', text: url[0] }] });
        at += url[0].length;
        continue;
      }
    }
    const span = SPANS.find(({ mark }) => text.startsWith(mark, at));
    if (span && !(span.mark[0] === '_' && WORD.test(text[at - 1] ?? ''))) {
      const start = at + span.mark.length;
      let close = closingIndex(text, span.mark, start);
      // `***both***`: the bold closes one later, leaving `*both*` inside it for the italics.
      if (close >= 0 && span.mark === '**' && text[close + 2] === '*' && text[start] === '*') close += 1;
      // Discord does not open italics on a space: "2 * 3 * 4" stays as written.
      const opens = close > start && !(span.kind === 'italic' && /\s/.test(text[start] ?? ''));
      if (opens) {
        push({ kind: span.kind, children: parseInline(text.slice(start, close), inLink) });
        at = close + span.mark.length;
        continue;
      }
      buffer += span.mark;
      at = start;
      continue;
    }
    buffer += char;
    at += 1;
  }
  if (buffer) nodes.push({ kind: 'text', text: buffer });
  return nodes;
}

const LINE_BLOCKS: Array<{ prefix: RegExp; kind: Exclude<Block['kind'], 'codeblock' | 'line'> }> = [
  { prefix: /^### /, kind: 'h3' },
  { prefix: /^## /, kind: 'h2' },
  { prefix: /^# /, kind: 'h1' },
  { prefix: /^-# /, kind: 'subtext' },
  { prefix: /^> /, kind: 'quote' },
  { prefix: /^\s*[-*] /, kind: 'item' },
];

function parseLine(line: string): Block {
  for (const { prefix, kind } of LINE_BLOCKS) {
    const found = prefix.exec(line);
    if (found) return { kind, children: parseInline(line.slice(found[0].length)) };
  }
  return { kind: 'line', children: parseInline(line) };
}

/** Lines and fenced code blocks; a fence may start and end anywhere, as in Discord. */
export function parseMarkdown(text: string): Block[] {
  const blocks: Block[] = [];
  let rest = text;
  while (rest) {
    const open = rest.indexOf('```');
    const close = open < 0 ? -1 : rest.indexOf('```', open + 3);
    const before = close < 0 ? rest : rest.slice(0, open);
    if (before) blocks.push(...before.replace(/\n$/, '').split('\n').map(parseLine));
    if (close < 0) break;
    // The first line names the language when it is one word; Discord does not show it.
    const body = rest.slice(open + 3, close).replace(/^[\w+-]*\n/, '');
    blocks.push({ kind: 'codeblock', text: body.replace(/\n$/, '') });
    rest = rest.slice(close + 3).replace(/^\n/, '');
  }
  return blocks;
}
