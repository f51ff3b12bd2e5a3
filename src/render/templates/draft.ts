import type { WebhookPayload } from '../../alertmanager/webhook.js';
import type { MessageDraft } from '../../discord/fit.js';
import type { AllowedMentions } from '../../discord/types.js';
import type { CompiledMessage, CompiledTemplate } from './compile.js';
import { messageScope, type NotificationReason } from './context.js';
import type { RenderMode } from './liquid.js';
import { renderMessage } from './render-message.js';
import type { SectionName } from './schema.js';

export interface TemplateRenderOptions {
  /** Why the message is sent; without it, `resolved` when nothing fires, else `new`. */
  reason?: NotificationReason | undefined;
  /** Mentions to put in `content`, e.g. `<@&123456789012345678>`; only these can ping. */
  mentions?: string | undefined;
  /** Replaces the payload's externalURL in links, for Alertmanagers behind a proxy. */
  externalUrl?: string | undefined;
  username?: string | undefined;
  avatarUrl?: string | undefined;
}

export function reasonOf(payload: WebhookPayload, reason: NotificationReason | undefined): NotificationReason {
  return reason ?? (payload.alerts.some((alert) => alert.status === 'firing') ? 'new' : 'resolved');
}

/** `repeat` for reminders, `resolved` once nothing fires, `firing` for the rest and when a section is not given. */
export function sectionFor(
  template: CompiledTemplate,
  payload: WebhookPayload,
  reason: NotificationReason,
): { name: SectionName; message: CompiledMessage } {
  const { sections } = template;
  if (reason === 'repeat' && sections.repeat) return { name: 'repeat', message: sections.repeat };
  const firing = payload.alerts.some((alert) => alert.status === 'firing');
  if (!firing && sections.resolved) return { name: 'resolved', message: sections.resolved };
  return { name: 'firing', message: sections.firing };
}

/**
 * Only the mentions the caller gave may ping: a role or user id written into `content` by a
 * label value stays text, and so does `@everyone` unless it was given.
 */
export function allowedMentions(mentions: string): AllowedMentions {
  const ids = (pattern: RegExp): string[] => [...new Set([...mentions.matchAll(pattern)].map((match) => match[1] ?? ''))];
  const allowed: AllowedMentions = { parse: /@(everyone|here)\b/.test(mentions) ? ['everyone'] : [] };
  const roles = ids(/<@&(\d+)>/g);
  const users = ids(/<@!?(\d+)>/g);
  if (roles.length > 0) allowed.roles = roles;
  if (users.length > 0) allowed.users = users;
  return allowed;
}

/** The draft a template makes of a payload, before fitting. */
export function templateDraft(template: CompiledTemplate, payload: WebhookPayload, options: TemplateRenderOptions, mode: RenderMode): MessageDraft {
  const reason = reasonOf(payload, options.reason);
  const mentions = options.mentions ?? '';
  const scope = messageScope(payload, { reason, mentions, externalUrl: options.externalUrl ?? payload.externalURL });
  const draft = renderMessage(sectionFor(template, payload, reason).message, scope, mode);
  if (draft.content) draft.allowed_mentions = allowedMentions(mentions);
  if (options.username) draft.username = options.username;
  if (options.avatarUrl) draft.avatar_url = options.avatarUrl;
  return draft;
}
