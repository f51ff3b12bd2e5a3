import type { WebhookPayload } from '../../alertmanager/webhook.js';
import { fitMessage, type FittedMessage } from '../../discord/fit.js';
import { templateDraft, type TemplateRenderOptions } from './draft.js';
import { fallbackDraft } from './fallback.js';
import { templateNamed, type TemplateSet } from './load.js';

/**
 * A payload through the named template to the message Discord will accept. A template that
 * fails on this payload (it passed its checks at load) gives the plain fallback layout instead,
 * so a notification is never lost to a template; an unknown name throws a TemplateError.
 */
export function renderWithTemplate(set: TemplateSet, name: string, payload: WebhookPayload, options: TemplateRenderOptions = {}): FittedMessage {
  const template = templateNamed(set, name);
  try {
    // Item lines are rendered while fitting, so a template can still fail there.
    return fitMessage(templateDraft(template, payload, options, 'lenient'));
  } catch (error) {
    return fitMessage(fallbackDraft(payload, error instanceof Error ? error.message : String(error), options));
  }
}
