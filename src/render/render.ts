import type { WebhookPayload } from '../alertmanager/webhook.js';
import type { Mentions } from '../discord/mentions.js';
import type { FittedMessage } from '../discord/fit.js';
import type { Acknowledgement, NotificationReason } from './templates/context.js';
import { loadTemplates, type TemplateSet } from './templates/load.js';
import { DEFAULT_TEMPLATE, DEFAULT_TEMPLATES_DIR } from './templates/paths.js';
import { renderWithTemplate } from './templates/render.js';

export interface RenderOptions {
  /** Replaces the payload's externalURL in links, for Alertmanagers behind a proxy. */
  externalUrl?: string | undefined;
  username?: string | undefined;
  avatarUrl?: string | undefined;
  /** The templates to render with; amcord's own (`templates/` in the package) when not given. */
  templates?: TemplateSet | undefined;
  /** Which template of the set; `default` when not given. */
  template?: string | undefined;
  /** Why the message is sent; without it, `resolved` when nothing fires, else `new`. */
  reason?: NotificationReason | undefined;
  /** Who the message may ping; the template places them with `{{ mentions }}`. */
  mentions?: Mentions | undefined;
  /** Who acknowledged the group; the template shows it while the group fires. */
  acknowledgement?: Acknowledgement | undefined;
}

export { TemplateError } from './templates/errors.js';
export { loadTemplates, templateNamed, type TemplateSet } from './templates/load.js';
export type { Acknowledgement, NotificationReason } from './templates/context.js';
export { notificationReason } from './notification-payload.js';

let builtin: TemplateSet | undefined;

/** amcord's shipped templates, loaded (and checked) on first use. */
export function builtinTemplates(): TemplateSet {
  builtin ??= loadTemplates(DEFAULT_TEMPLATES_DIR);
  return builtin;
}

/** Payload to the one message Discord will accept. Pure but for reading the shipped templates once. */
export function renderPayload(payload: WebhookPayload, options: RenderOptions = {}): FittedMessage {
  const { templates = builtinTemplates(), template = DEFAULT_TEMPLATE, ...rest } = options;
  return renderWithTemplate(templates, template, payload, rest);
}
