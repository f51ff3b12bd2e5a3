import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { z } from 'zod';
import { mentionsOf } from '../../discord/mentions.js';
import { compileTemplate, type CompiledTemplate, type Shapes } from './compile.js';
import { embedScope, itemScope, messageScope, NOTIFICATION_REASONS, type NotificationReason } from './context.js';
import { reasonOf, templateDraft } from './draft.js';
import { TemplateError } from './errors.js';
import { SAMPLE_ACKNOWLEDGEMENT, SAMPLE_PAYLOADS } from './samples.js';
import { templateFileSchema, type TemplateFileSpec } from './schema.js';
import { TemplateSource, type YamlPath } from './source.js';
import { shapeOf } from './variables.js';

/** The templates of one folder, by name (the file name without `.yml`). */
export interface TemplateSet {
  dir: string;
  templates: ReadonlyMap<string, CompiledTemplate>;
}

const TEMPLATE_FILE = /\.ya?ml$/;

let cachedShapes: Shapes | undefined;

/** What templates may refer to, read off a real scope so it cannot drift from it. */
function shapes(): Shapes {
  if (cachedShapes) return cachedShapes;
  const sample = Object.values(SAMPLE_PAYLOADS)[0];
  if (!sample) throw new Error('no sample payloads');
  const message = messageScope(sample, { reason: 'new', mentions: '', externalUrl: sample.externalURL, acknowledgement: SAMPLE_ACKNOWLEDGEMENT });
  const embed = embedScope(message, 'all', message.alerts, 0, 1);
  const [alert] = message.alerts;
  if (!alert) throw new Error('a sample payload without alerts');
  cachedShapes = { message: shapeOf(message), embed: shapeOf(embed), item: shapeOf(itemScope(embed, alert)) };
  return cachedShapes;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): { path: YamlPath; problem: string; key?: string } {
  const path = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const [key = ''] = issue.keys;
    return { path, key, problem: `unknown key "${key}"` };
  }
  const present = path.reduce<unknown>((node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined), value);
  if (present === undefined && issue.code === 'invalid_type') return { path, problem: 'missing' };
  return { path, problem: issue.message };
}

/** Top-level keys starting with `x-` are the file's own, a place for YAML anchors to share. */
function withoutExtensions(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('x-')));
}

function parseTemplateFile(file: string): { source: TemplateSource; spec: TemplateFileSpec } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TemplateError(file, undefined, `cannot read: ${(error as Error).message}`);
  }
  const { source, value } = TemplateSource.parse(file, text);
  const parsed = templateFileSchema.safeParse(withoutExtensions(value ?? {}));
  if (parsed.success) return { source, spec: parsed.data };
  const [issue] = parsed.error.issues;
  if (!issue) throw new TemplateError(file, undefined, 'not a template');
  const { path, problem, key } = describeIssue(issue, value);
  throw source.error(path, problem, key === undefined ? {} : { key });
}

/** Renders the template against every sample payload, with every reason, as strictly as it can. */
function checkAgainstSamples(template: CompiledTemplate): void {
  let round = 0;
  for (const [sample, payload] of Object.entries(SAMPLE_PAYLOADS)) {
    const firing = reasonOf(payload, undefined) !== 'resolved';
    const reasons: NotificationReason[] = firing ? NOTIFICATION_REASONS.filter((reason) => reason !== 'resolved') : ['resolved', 'update'];
    for (const reason of reasons) {
      round += 1;
      const mentions = round % 2 === 0 ? mentionsOf(['123456789012345678'], []) : undefined;
      // Every other round acknowledged, a taken-over one among them, so both branches are checked.
      const acknowledgement = round % 3 === 0 ? undefined : round % 3 === 1 ? SAMPLE_ACKNOWLEDGEMENT : { userId: SAMPLE_ACKNOWLEDGEMENT.userId, at: SAMPLE_ACKNOWLEDGEMENT.at };
      try {
        templateDraft(template, payload, { reason, mentions, acknowledgement }, 'check');
      } catch (error) {
        const note = ` (with the sample payload "${sample}", reason ${reason})`;
        if (error instanceof TemplateError) throw new TemplateError(error.file, error.position, `${error.problem}${note}`);
        throw new TemplateError(template.file, undefined, `${(error as Error).message}${note}`);
      }
    }
  }
}

/** One template file, compiled and checked. */
export function loadTemplateFile(file: string, name = basename(file, extname(file))): CompiledTemplate {
  const { source, spec } = parseTemplateFile(file);
  const template = compileTemplate(name, source, spec, shapes());
  checkAgainstSamples(template);
  return template;
}

/**
 * Every `*.yml` (or `*.yaml`) file of a folder, compiled and rendered against the sample
 * payloads. Throws a TemplateError naming the file, the line and the problem.
 */
export function loadTemplates(dir: string): TemplateSet {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => TEMPLATE_FILE.test(file)).sort();
  } catch (error) {
    throw new TemplateError(dir, undefined, `cannot read the template folder: ${(error as Error).message}`);
  }
  if (files.length === 0) throw new TemplateError(dir, undefined, 'no templates (*.yml files) in this folder');
  const templates = new Map<string, CompiledTemplate>();
  for (const file of files) {
    const name = basename(file, extname(file));
    if (templates.has(name)) throw new TemplateError(join(dir, file), undefined, `a second template named "${name}"`);
    templates.set(name, loadTemplateFile(join(dir, file), name));
  }
  return { dir, templates };
}

/** The template of that name, or a TemplateError listing the ones there are. */
export function templateNamed(set: TemplateSet, name: string): CompiledTemplate {
  const template = set.templates.get(name);
  if (!template) {
    throw new TemplateError(set.dir, undefined, `no template named "${name}"; there are: ${[...set.templates.keys()].join(', ')}`);
  }
  return template;
}
