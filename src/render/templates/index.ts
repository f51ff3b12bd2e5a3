/** Message templates: YAML files of Liquid templates, loaded and checked at start. */
export type { CompiledTemplate } from './compile.js';
export { NOTIFICATION_REASONS, type NotificationReason } from './context.js';
export type { TemplateRenderOptions } from './draft.js';
export { TemplateError } from './errors.js';
export { loadTemplateFile, loadTemplates, templateNamed, type TemplateSet } from './load.js';
export { DEFAULT_TEMPLATE, DEFAULT_TEMPLATES_DIR } from './paths.js';
export { renderWithTemplate } from './render.js';
