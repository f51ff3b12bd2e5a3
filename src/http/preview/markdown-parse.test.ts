import { describe, expect, it } from 'vitest';
import { parseMarkdown } from './markdown-parse.js';

describe('parseMarkdown', () => {
  it('reads lines into blocks of inline nodes, and keeps only http(s) links', () => {
    expect(parseMarkdown('# Disk\n> **db-1** [graph](https://p/g) [x](javascript:alert(1))\n```\n*raw*\n```')).toEqual([
      { kind: 'h1', children: [{ kind: 'text', text: 'Disk' }] },
      {
        kind: 'quote',
        children: [
          { kind: 'bold', children: [{ kind: 'text', text: 'db-1' }] },
          { kind: 'text', text: ' ' },
          { kind: 'link', href: 'https://p/g', children: [{ kind: 'text', text: 'graph' }] },
          { kind: 'text', text: ' [x](javascript:alert(1))' },
        ],
      },
      { kind: 'codeblock', text: '*raw*' },
    ]);
  });

  it('reads Discord times and mentions as nodes', () => {
    const [line] = parseMarkdown('<t:1795614825:R> <@&42>');
    expect(line).toEqual({
      kind: 'line',
      children: [
        { kind: 'time', unix: 1795614825, style: 'R', raw: '<t:1795614825:R>' },
        { kind: 'text', text: ' ' },
        { kind: 'mention', type: 'role', name: '42' },
      ],
    });
  });
});
