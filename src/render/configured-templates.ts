import { resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { builtinTemplates, loadTemplates, templateNamed, type TemplateSet } from './render.js';

/**
 * The templates the configuration asks for, loaded and checked: every template compiles and
 * renders its samples, and every name the configuration uses (templates.name, each route's
 * template) exists. Throws TemplateError naming the file, line and problem.
 */
export function configuredTemplates(loaded: LoadedConfig, extraNames: readonly string[] = []): TemplateSet {
  const { config, baseDir } = loaded;
  const set = config.templates.dir ? loadTemplates(resolve(baseDir, config.templates.dir)) : builtinTemplates();
  const names = [config.templates.name, ...config.routes.flatMap((route) => (route.template ? [route.template] : [])), ...extraNames];
  for (const name of names) templateNamed(set, name);
  return set;
}
