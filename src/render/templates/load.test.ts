import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeAlert, makePayload } from '../../../test/support/payloads.js';
import { TemplateError } from './errors.js';
import { loadTemplates, templateNamed } from './load.js';
import { DEFAULT_TEMPLATES_DIR } from './paths.js';
import { renderWithTemplate } from './render.js';
import { mentionsOf } from '../../discord/mentions.js';

const DEFAULT_YML = readFileSync(join(DEFAULT_TEMPLATES_DIR, 'default.yml'), 'utf8');

/** A folder holding the given template files. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'amcord-templates-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The TemplateError loading this one template gives. */
function loadError(text: string): TemplateError {
  const dir = folder({ 'mine.yml': text });
  try {
    loadTemplates(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    const templateError = error as TemplateError;
    expect(templateError.file).toBe(join(dir, 'mine.yml'));
    expect(templateError.message.startsWith(`${join(dir, 'mine.yml')}:`)).toBe(true);
    return templateError;
  }
  throw new Error('the template loaded');
}

/** The 1-based line of the first occurrence of `needle` in `text`. */
const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

/** default.yml with one piece replaced: it must occur exactly once. */
function editDefault(from: string, to: string): string {
  expect(DEFAULT_YML.split(from)).toHaveLength(2);
  return DEFAULT_YML.replace(from, to);
}

const MINIMAL = `firing:
  embeds:
    - title: "{{ group.name }}"
      item: "{{ alert.subject }}"
`;

describe('loadTemplates', () => {
  it('loads the shipped templates', () => {
    const set = loadTemplates(DEFAULT_TEMPLATES_DIR);
    expect([...set.templates.keys()].sort()).toEqual(['compact', 'default']);
    expect(templateNamed(set, 'default').description).toMatch(/Severity colour/);
  });

  it('loads every *.yml and *.yaml file of a folder by name, and nothing else', () => {
    const set = loadTemplates(folder({ 'a.yml': MINIMAL, 'b.yaml': MINIMAL, 'README.md': '# not a template' }));
    expect([...set.templates.keys()]).toEqual(['a', 'b']);
  });

  it('names the folder when it is missing, empty, or the template is not in it', () => {
    expect(() => loadTemplates('/nonexistent/amcord-templates')).toThrow(/^\/nonexistent\/amcord-templates: cannot read the template folder/);
    const empty = folder({});
    expect(() => loadTemplates(empty)).toThrow(`${empty}: no templates (*.yml files) in this folder`);
    const set = loadTemplates(folder({ 'a.yml': MINIMAL }));
    expect(() => templateNamed(set, 'b')).toThrow(/no template named "b"; there are: a$/);
  });

  it('refuses two files that make the same name', () => {
    expect(() => loadTemplates(folder({ 'a.yml': MINIMAL, 'a.yaml': MINIMAL }))).toThrow(/a second template named "a"/);
  });
});

describe('a template with a mistake names the file, the line and the problem', () => {
  it('a Liquid syntax error', () => {
    const text = editDefault('{{ alert.subject | escape_md }}** — {{ alert.headline }} · since', '{{ alert.subject | escape_md }** — {{ alert.headline }} · since');
    const error = loadError(text);
    expect(error.line).toBe(lineOf(text, '**{{ alert.subject | escape_md }**'));
    expect(error.problem).toMatch(/^firing\.embeds\[0\]\.item: /);
  });

  it('an unclosed tag', () => {
    const error = loadError(`firing:\n  embeds:\n    - item: x\n      title: "{% if reason == 'new' %}new"\n`);
    expect(error.position).toEqual({ line: 4, column: 15 });
    expect(error.problem).toBe(`firing.embeds[0].title: tag {% if reason == 'new' %} not closed`);
  });

  it('an unknown variable, even in a branch the samples never take', () => {
    const text = editDefault('{{ group.name }}\n', '{{ grup.name }}\n');
    const error = loadError(text);
    expect(error.line).toBe(lineOf(text, '{{ grup.name }}'));
    expect(error.problem).toMatch(/^firing\.embeds\[0\]\.title: unknown variable "grup"; here you can use: .*\bgroup\b/);
    const branch = loadError(`firing:\n  embeds:\n    - item: x\n      title: "{% if reason == 'nope' %}{{ alert.subject }}{% endif %}"\n`);
    expect(branch.problem).toMatch(/unknown variable "alert"/);
    expect(branch.position).toEqual({ line: 4, column: 43 });
  });

  it('a misspelt property of a known object', () => {
    const text = editDefault('{{ alert.headline }} · fired', '{{ alert.headlin }} · fired');
    const error = loadError(text);
    expect(error.line).toBe(lineOf(text, '{{ alert.headlin }}'));
    expect(error.problem).toMatch(/^firing\.embeds\[1\]\.item: unknown variable "alert\.headlin"; alert has: .*\bheadline\b/);
  });

  it('a variable used outside its scope', () => {
    const error = loadError(`firing:\n  content: "{{ alert.subject }}"\n  embeds:\n    - item: x\n`);
    expect(error.position).toEqual({ line: 2, column: 16 });
    expect(error.problem).toMatch(/^firing\.content: unknown variable "alert"/);
  });

  it('an unknown filter', () => {
    const text = editDefault("discord_time: 'f'", "discord_tme: 'f'");
    const error = loadError(text);
    expect(error.line).toBe(lineOf(text, 'discord_tme'));
    expect(error.problem).toBe('firing.embeds[0].one.fields[1].value: undefined filter: discord_tme');
  });

  it('a label or annotation that not every alert has, with the sample that lacks it', () => {
    const text = `firing:\n  embeds:\n    - title: x\n      item: |\n        hello\n          {{ alert.annotations.summary }}\n`;
    const error = loadError(text);
    expect(error.position).toEqual({ line: 6, column: 14 });
    expect(error.problem).toMatch(/^firing\.embeds\[0\]\.item: undefined variable: alert\.annotations\.summary; not every alert has every label/);
    expect(error.problem).toMatch(/\(with the sample payload "an alert with nothing but a name", reason new\)$/);
    // Saying what happens without it is enough.
    expect(() => loadTemplates(folder({ 'ok.yml': text.replace('{{ alert.annotations.summary }}', "{{ alert.annotations.summary | default: '' }}") }))).not.toThrow();
  });

  it('invalid YAML', () => {
    const text = editDefault('  embeds:\n    # The alerts that fire', '  embeds:\n   - x\n    # The alerts that fire');
    const error = loadError(text);
    expect(error.line).toBe(lineOf(text, '    # The alerts that fire') + 1);
    expect(error.problem).toMatch(/^invalid YAML: /);
    expect(loadError('firing: [\n').problem).toMatch(/^invalid YAML: /);
    expect(loadError('firing:\n  content: a\n  content: b\n').line).toBe(3);
  });

  it('an unknown key', () => {
    const text = editDefault('      url: "{{ embed.url }}"\n      color: "{{ embed.color }}"\n      description: |-\n        {% if commonAnnotations.summary %}{{ commonAnnotations.summary }}{% endif %}\n        {% if commonAnnotations.description %}{{ commonAnnotations.description }}{% endif %}\n      item: >-\n        {% if embed.mixed', '      uri: "{{ embed.url }}"\n      color: "{{ embed.color }}"\n      description: |-\n        {% if commonAnnotations.summary %}{{ commonAnnotations.summary }}{% endif %}\n        {% if commonAnnotations.description %}{{ commonAnnotations.description }}{% endif %}\n      item: >-\n        {% if embed.mixed');
    const error = loadError(text);
    expect(error.position).toEqual({ line: lineOf(text, 'uri:'), column: 7 });
    expect(error.problem).toBe('firing.embeds[0]: unknown key "uri"');
  });

  it('a missing or mistyped value', () => {
    expect(loadError('firing:\n  content: hi\n')).toMatchObject({ position: { line: 2, column: 3 }, problem: 'firing.embeds: missing' });
    expect(loadError('firing:\n  embeds:\n    - title: x\n')).toMatchObject({
      position: { line: 3, column: 7 },
      problem: 'firing.embeds[0].item: missing: an embed that lists alerts needs an `item` line for each',
    });
    expect(loadError('firing:\n  embeds:\n    - item: x\n      alerts: some\n').problem).toMatch(/^firing\.embeds\[0\]\.alerts: Invalid option/);
    expect(loadError('firing:\n  embeds:\n    - item: x\n      fields:\n        - name: a\n          value: b\n          inline: yes please\n').line).toBe(7);
    expect(loadError('').problem).toBe('firing: missing');
  });

  it('a section that would leave alerts out', () => {
    const error = loadError('firing:\n  embeds:\n    - alerts: firing\n      item: x\n');
    expect(error.position).toEqual({ line: 3, column: 5 });
    expect(error.problem).toMatch(/^firing\.embeds: no embed lists the resolved alerts this section is given/);
    expect(loadError(`${MINIMAL}resolved:\n  embeds:\n    - alerts: firing\n      item: x\n`).problem).toMatch(/^resolved\.embeds: no embed lists the resolved alerts/);
  });

  it('a value that does not render to what it must be', () => {
    const colour = loadError(`${MINIMAL}      color: "{{ group.name }}"\n`);
    expect(colour.position).toEqual({ line: 5, column: 14 });
    expect(colour.problem).toMatch(/^firing\.embeds\[0\]\.color: "HighCPUUsage · gateway:9100" is not a colour/);
    expect(loadError(`${MINIMAL}      url: "{{ group.name }}"\n`).problem).toMatch(/\.url: ".*" is not an http\(s\) URL/);
    expect(loadError(`${MINIMAL}      timestamp: "soon"\n`).problem).toMatch(/\.timestamp: "soon" is not a time/);
    const list = loadError(`${MINIMAL}      fields:\n        - for_each: label in group.name\n          name: a\n          value: b\n`);
    expect(list).toMatchObject({ position: { line: 6, column: 21 } });
    expect(list.problem).toMatch(/fields\[0\]\.for_each: "group\.name" is not a list/);
    expect(loadError(`${MINIMAL}      fields:\n        - for_each: label of x\n          name: a\n          value: b\n`).problem).toMatch(/must read "NAME in LIST"/);
  });

  it('an attempt to read another file', () => {
    expect(loadError(`firing:\n  embeds:\n    - item: x\n      title: "{% include 'secrets.yml' %}"\n`).problem).toMatch(/Failed to lookup "secrets\.yml"/);
  });

  it('points into an anchor when the mistake is in shared YAML', () => {
    const shared = loadError(`x-shared:\n  line: &line "{{ alert.nope }}"\nfiring:\n  embeds:\n    - item: *line\n      alerts: all\n`);
    expect(shared).toMatchObject({ position: { line: 2, column: 19 } });
    expect(shared.problem).toMatch(/^firing\.embeds\[0\]\.item: unknown variable "alert\.nope"/);
    const aliased = loadError(`firing:\n  embeds:\n    - &embed\n      item: "{{ alert.nope }}"\n      title: x\nrepeat:\n  embeds:\n    - *embed\n`);
    expect(aliased).toMatchObject({ position: { line: 4, column: 17 } });
  });
});

describe('the example in templates/README.md', () => {
  it('loads, and names the team and pings only for new critical alerts', () => {
    const readme = readFileSync(join(DEFAULT_TEMPLATES_DIR, 'README.md'), 'utf8');
    const example = readme.slice(readme.indexOf('## Example'));
    const [item, content] = [...example.matchAll(/```yaml\n([^]*?)```/g)].map((match) => match[1] ?? '');
    const contentLine = /^ {2}content: .*$/m.exec(content ?? '')?.[0];
    expect(item).toMatch(/^ {6}item: >-\n/);
    expect(contentLine).toBeDefined();
    const firstItem = DEFAULT_YML.slice(DEFAULT_YML.indexOf('      item: >-'), DEFAULT_YML.indexOf('      fields:'));
    const mine = DEFAULT_YML.replace(firstItem, item ?? '').replace('  content: "{{ mentions }}"', contentLine ?? '');
    const set = loadTemplates(folder({ 'mine.yml': mine }));
    const alerts = ['a', 'b'].map((host) => makeAlert({ labels: { alertname: 'Down', instance: host, severity: 'critical', team: 'db_ops' } }));
    const fitted = renderWithTemplate(set, 'mine', makePayload(alerts), { reason: 'new', mentions: mentionsOf(['123456789012345678'], []) });
    expect(fitted?.message.content).toBe('<@&123456789012345678>');
    expect(fitted?.message.embeds?.[0]?.description).toContain('team db\\_ops');
    const reminder = renderWithTemplate(set, 'mine', makePayload(alerts), { reason: 'repeat', mentions: mentionsOf(['123456789012345678'], []) });
    expect(reminder?.message.content).toBeUndefined();
  });
});
