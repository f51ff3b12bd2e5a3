import { Liquid, type Template } from 'liquidjs';
import type { TemplateError } from './errors.js';
import { registerFilters } from './filters.js';
import type { TemplateSource, YamlPath } from './source.js';

/**
 * The Liquid engine for templates: no file system (no include/render/layout of other files), no
 * access to prototypes, unknown filters fail at parse, unknown variables fail when checked.
 */
export const liquid = new Liquid({
  templates: {},
  strictFilters: true,
  strictVariables: true,
  lenientIf: true,
  ownPropertyOnly: true,
  renderLimit: 2_000,
  parseLimit: 1_000_000,
});
registerFilters(liquid);

/** One Liquid string of a template file, parsed, knowing where it came from. */
export interface CompiledText {
  source: string;
  template: Template[];
  origin: TemplateSource;
  path: YamlPath;
}

/** How rendering treats mistakes: `check` throws on any (at load), `lenient` renders what it can. */
export type RenderMode = 'check' | 'lenient';

interface LiquidErrorShape {
  message: string;
  token?: { getPosition?: () => [number, number] };
}

/** A Liquid error as a TemplateError at the file's line and column. */
export function liquidError(origin: TemplateSource, path: YamlPath, error: unknown, note = ''): TemplateError {
  const shaped = error as LiquidErrorShape;
  let message = (shaped.message ?? String(error)).replace(/(, file:[^,]*)?, line:\d+, col:\d+$/, '');
  if (/^undefined variable: \S*(labels|annotations|Labels|Annotations)\./.test(message)) {
    message += "; not every alert has every label and annotation, so write `{% if … %}` around it or add `| default: ''`";
  }
  const position = shaped.token?.getPosition?.();
  const where = position ? origin.positionInside(path, position[0], position[1]) : undefined;
  return origin.error(path, `${message}${note}`, { position: where });
}

export function compileText(origin: TemplateSource, path: YamlPath, source: string): CompiledText {
  try {
    return { source, template: liquid.parse(source), origin, path };
  } catch (error) {
    throw liquidError(origin, path, error);
  }
}

export function renderText(text: CompiledText, scope: object, mode: RenderMode): string {
  try {
    return String(liquid.renderSync(text.template, scope, { strictVariables: mode === 'check' }));
  } catch (error) {
    throw liquidError(text.origin, text.path, error);
  }
}

/** The value of a Liquid expression such as `alert.label_list`, for `for_each`. */
export function evaluate(origin: TemplateSource, path: YamlPath, expression: string, scope: object, mode: RenderMode): unknown {
  try {
    return liquid.evalValueSync(expression, scope);
  } catch (error) {
    if (mode === 'lenient') return undefined;
    throw liquidError(origin, path, error);
  }
}
