import type { AlertView } from './context.js';
import { truncateSafe } from './filters.js';

/**
 * Shorter forms of an alert for its line in a list, used when a group has more alerts than
 * whole lines fit in a message: showing every alert briefly beats showing a few in full and
 * counting the rest. Each step cuts the texts (with "…") and the labels that name the subject
 * further; the instance, which people search for, stays whole until the last step.
 */
interface Brevity {
  /** Headline, summary and description are cut to this. */
  text: number;
  /** Each label value of the subject but the instance is cut to this; 0 leaves those labels out. */
  label: number;
  /** Whether label names stay (`mountpoint=/srv`) or only their values do. */
  names: boolean;
  instance: number;
  /** Whether the alert's own graph link stays. */
  link: boolean;
}

const BREVITIES: readonly Brevity[] = [
  { text: 160, label: 32, names: true, instance: 200, link: true },
  { text: 80, label: 20, names: false, instance: 200, link: false },
  { text: 40, label: 0, names: false, instance: 48, link: false },
];

/** How many shorter forms `briefAlert` has; brevity 0 is the alert as it is. */
export const MAX_BREVITY = BREVITIES.length;

/** `subjectOf`'s subject, with the labels shortened as `brevity` says. */
function briefSubject(alert: AlertView, brevity: Brevity): string {
  const instance = alert.labels.instance ? truncateSafe(alert.labels.instance, brevity.instance) : '';
  const others = alert.distinct_labels.filter(({ name }) => name !== 'instance' && name !== 'job');
  // Without an instance, the first label stays even when labels are left out: something must say which alert this is.
  const kept = brevity.label > 0 ? others : instance ? [] : others.slice(0, 1);
  const label = brevity.label > 0 ? brevity.label : brevity.instance;
  const text = kept.map(({ name, value }) => `${brevity.names ? `${name}=` : ''}${truncateSafe(value, label)}`).join(', ');
  if (instance) return text ? `${instance} (${text})` : instance;
  return text || truncateSafe(alert.subject, brevity.instance);
}

const cut = (text: string | null, max: number): string | null => (text === null ? null : truncateSafe(text, max));

/** The alert as its line shows it at `brevity` (0: unchanged, up to MAX_BREVITY: shortest). */
export function briefAlert(alert: AlertView, brevity: number): AlertView {
  const step = BREVITIES[Math.min(brevity, MAX_BREVITY) - 1];
  if (!step) return alert;
  return {
    ...alert,
    subject: briefSubject(alert, step),
    headline: truncateSafe(alert.headline, step.text),
    summary: cut(alert.summary, step.text),
    description: cut(alert.description, step.text),
    source_url: step.link ? alert.source_url : null,
  };
}
