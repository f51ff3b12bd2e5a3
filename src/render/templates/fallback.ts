import type { WebhookAlert, WebhookPayload } from '../../alertmanager/webhook.js';
import type { MessageDraft } from '../../discord/fit.js';
import { COLORS, EMOJI, highestSeverity, severityOf } from '../../severity/severity.js';
import { groupName, headlineOf, subjectOf } from '../alert-facts.js';
import type { TemplateRenderOptions } from './draft.js';

/**
 * The plainest message, for when a template fails on a payload at runtime (it was checked at
 * load, so this is rare): every alert still reaches Discord, and the footer says what broke.
 */
export function fallbackDraft(payload: WebhookPayload, problem: string, options: TemplateRenderOptions = {}): MessageDraft {
  const firing = payload.alerts.filter((alert) => alert.status === 'firing');
  const severity = highestSeverity(firing);
  const mark = firing.length > 0 ? EMOJI[severity] : EMOJI.resolved;
  const line = (alert: WebhookAlert): string =>
    `${alert.status === 'firing' ? EMOJI[severityOf(alert.labels)] : EMOJI.resolved} ${subjectOf(alert, payload.commonLabels)} — ${headlineOf(alert)}`;
  const draft: MessageDraft = {
    embeds: [
      {
        title: `${mark} ${firing.length} firing, ${payload.alerts.length - firing.length} resolved: ${groupName(payload)}`,
        color: firing.length > 0 ? COLORS[severity] : COLORS.resolved,
        items: { count: payload.alerts.length, line: (index) => line(payload.alerts[index] as WebhookAlert) },
        hiddenItems: payload.truncatedAlerts,
        footer: `The message template failed, so this is the plain layout: ${problem}`,
      },
    ],
  };
  // People are still told.
  if (options.mentions) {
    draft.content = options.mentions.text;
    draft.allowed_mentions = options.mentions.allowed;
  }
  if (options.username) draft.username = options.username;
  if (options.avatarUrl) draft.avatar_url = options.avatarUrl;
  return draft;
}
