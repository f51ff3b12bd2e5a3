import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** A piece of markup whose text parts have been escaped. */
export type Html = HtmlEscapedString;

/**
 * Hono's `html` tag, held to synchronous use: every interpolated value is escaped (`& < > " '`)
 * unless it is itself an `Html`, so alert text can only ever end up as text. Arrays are joined,
 * and `undefined`, `null` and booleans leave nothing.
 */
export function h(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const markup = html(strings, ...values);
  if (markup instanceof Promise) throw new Error('preview markup must not contain promises');
  return markup;
}

/** Nothing, where markup is optional. */
export const EMPTY: Html = raw('');

/** Markup that is known to be safe, e.g. JSON that cannot close its <script> element. */
export const trusted = (text: string): Html => raw(text);

/** An http(s) URL that may go into an href, or undefined: Discord only links those, and nothing else runs. */
export function safeUrl(text: string | undefined): string | undefined {
  const candidate = text?.trim();
  if (!candidate || !/^https?:\/\/\S+$/i.test(candidate)) return undefined;
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? candidate : undefined;
  } catch {
    return undefined;
  }
}
