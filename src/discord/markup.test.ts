import { describe, expect, it } from 'vitest';
import { codeBlock, inlineCode, isTimestampStyle, maskedLink, replaceTimestamps, roleMention, timestamp, userMention } from './markup.js';

describe('timestamp', () => {
  it('renders Discord timestamps in seconds', () => {
    expect(timestamp(new Date('2026-05-01T12:00:00.900Z'), 'f')).toBe('<t:1777636800:f>');
    expect(timestamp(new Date('2026-05-01T12:00:00Z'), 'R')).toBe('<t:1777636800:R>');
    expect(timestamp(1795614825145, 'D')).toBe('<t:1795614825:D>');
  });

  it('knows the styles Discord has', () => {
    expect(['t', 'T', 'd', 'D', 'f', 'F', 'R'].every(isTimestampStyle)).toBe(true);
    expect([undefined, 'x', 'r', 1, ''].some(isTimestampStyle)).toBe(false);
  });

  it('reads back what it writes', () => {
    const text = `from ${timestamp(1_000_000, 'f')} to ${timestamp(61_000_000, 'R')}, not <t:x:R>`;
    expect(replaceTimestamps(text, (ms) => `[${ms}]`)).toBe('from [1000000] to [61000000], not <t:x:R>');
    expect(replaceTimestamps('<t:5>', (ms) => String(ms))).toBe('5000');
  });
});

describe('maskedLink', () => {
  it('links http(s) URLs, keeping brackets in the text and parentheses in the URL from ending it', () => {
    expect(maskedLink('Runbook', 'https://runbooks.example/a_(b)')).toBe('[Runbook](https://runbooks.example/a_%28b%29)');
    expect(maskedLink('see [docs]', ' HTTP://x.example/ ')).toBe('[see \\[docs\\]](HTTP://x.example/)');
  });

  it('refuses what Discord would not make a link of', () => {
    for (const url of ['javascript:alert(1)', '', 'ftp://x', 'https://a b', '/relative']) expect(maskedLink('x', url)).toBeUndefined();
  });

  it('falls back to the bare URL without text to click', () => {
    expect(maskedLink('', 'https://am.example/#/silences/1')).toBe('https://am.example/#/silences/1');
  });
});

describe('code', () => {
  it('keeps code spans closed', () => {
    expect(inlineCode('a`b')).toBe('`aˋb`');
    expect(inlineCode('node:9100')).toBe('`node:9100`');
  });

  it('keeps whole lines of a code block within the length, and the block closed', () => {
    expect(codeBlock(['CPU 12%', 'MEM 52%'], 1024)).toBe('```\nCPU 12%\nMEM 52%\n```');
    expect(codeBlock(['a```b'], 1024)).toBe('```\naˋˋˋb\n```');
    const lines = Array.from({ length: 100 }, (_, index) => `${index}`.padEnd(20, '.'));
    const block = codeBlock(lines, 200);
    expect(block.length).toBeLessThanOrEqual(200);
    expect(block.length).toBeGreaterThan(200 - 21);
    expect(block.startsWith('```\n0...')).toBe(true);
    expect(block.endsWith('.\n```')).toBe(true);
    expect(codeBlock(['x'.repeat(20)], 10)).toBe('```\n\n```');
  });

  it('fits exactly at the limit', () => {
    expect(codeBlock(['ab', 'cd'], '```\nab\ncd\n```'.length)).toBe('```\nab\ncd\n```');
    expect(codeBlock(['ab', 'cd'], '```\nab\ncd\n```'.length - 1)).toBe('```\nab\n```');
  });
});

describe('mentions', () => {
  it('writes user and role mentions', () => {
    expect(userMention('80351110224678912')).toBe('<@80351110224678912>');
    expect(roleMention('165511591545143296')).toBe('<@&165511591545143296>');
  });
});
