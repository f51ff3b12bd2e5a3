import { itemCount, type DraftField, type EmbedDraft, type MessageDraft } from '../../discord/fit.js';
import { DISCORD_LIMITS } from '../../discord/limits.js';
import type { CompiledBody, CompiledEmbed, CompiledField, CompiledMessage } from './compile.js';
import { briefAlert, MAX_BREVITY } from './brief.js';
import { embedScope, itemScope, selectAlerts, type AlertView, type MessageScope } from './context.js';
import { evaluate, renderText, type CompiledText, type RenderMode } from './liquid.js';
import { parseColor, parseTimestamp, parseUrl, singleLine } from './values.js';

/**
 * A compiled message section and a notification's scope to a draft for the fitter. In `check`
 * mode every problem throws a TemplateError; in `lenient` mode a value that does not parse is
 * left out (or gets the embed's default colour), so a notification always renders.
 */
class MessageRenderer {
  constructor(private readonly mode: RenderMode) {}

  text(text: CompiledText | undefined, scope: object): string {
    return text ? renderText(text, scope, this.mode).trim() : '';
  }

  /** A rendered value that must parse, e.g. a colour; empty means "not set". */
  value<T>(text: CompiledText | undefined, scope: object, parse: (text: string) => T | undefined, what: string): T | undefined {
    const rendered = this.text(text, scope);
    if (!text || rendered === '') return undefined;
    const value = parse(rendered);
    if (value === undefined && this.mode === 'check') {
      throw text.origin.error(text.path, `"${rendered.slice(0, 80)}" is not ${what}`);
    }
    return value;
  }

  loop(forEach: NonNullable<CompiledField['forEach']>, scope: object): object[] {
    const { checked, expression, variable } = forEach;
    const list = evaluate(checked.origin, checked.path, expression, scope, this.mode);
    if (Array.isArray(list)) return list.map((element: unknown) => ({ ...scope, [variable]: element }));
    if (list === undefined || list === null) return [];
    if (this.mode === 'check') throw checked.origin.error(checked.path, `"${expression}" is not a list`);
    return [];
  }

  fields(fields: CompiledField[] | undefined, scope: object): DraftField[] {
    const result: DraftField[] = [];
    for (const [index, field] of (fields ?? []).entries()) {
      // A loop's fields are cut first when there are too many, and counted as "…and N more labels".
      const repeated = field.forEach ? { run: index, noun: `${field.forEach.variable}s` } : undefined;
      for (const each of field.forEach ? this.loop(field.forEach, scope) : [scope]) {
        const name = singleLine(this.text(field.name, each));
        const value = this.text(field.value, each);
        // Discord refuses empty fields; rendering one empty is how a template leaves it out.
        if (name !== '' && value !== '') result.push({ name, value, inline: field.inline, ...(repeated ? { repeated } : {}) });
      }
    }
    return result;
  }

  embed(body: CompiledBody, scope: object, defaultColor: number): Omit<EmbedDraft, 'items'> {
    const draft: Omit<EmbedDraft, 'items'> = {
      title: singleLine(this.text(body.title, scope)),
      color: this.value(body.color, scope, parseColor, 'a colour (#rrggbb or a number)') ?? defaultColor,
      fields: this.fields(body.fields, scope),
    };
    const url = this.value(body.url, scope, parseUrl, `an http(s) URL of at most ${DISCORD_LIMITS.url} characters`);
    if (url) draft.url = url;
    const intro = this.text(body.description, scope);
    if (intro) draft.intro = intro;
    const footer = singleLine(this.text(body.footer, scope));
    if (footer) draft.footer = footer;
    const timestamp = this.value(body.timestamp, scope, parseTimestamp, 'a time (RFC 3339 or epoch milliseconds)');
    if (timestamp) draft.timestamp = timestamp;
    return draft;
  }

  /** One embed's draft: its alert shown whole (`one`), or one item line per alert. */
  list(spec: CompiledEmbed, scope: MessageScope, alerts: AlertView[], index: number, count: number): EmbedDraft {
    const base = embedScope(scope, spec.alerts, alerts, index, count);
    const [only] = alerts;
    if (spec.one && only && alerts.length === 1) {
      return { ...this.embed(spec.one, itemScope(base, only), base.embed.color), items: [], wholeItems: 1 };
    }
    const { item } = spec;
    const line = (alert: AlertView): string => this.text(item, itemScope(base, alert));
    // At load every line is rendered, so a mistake in any shows; otherwise the fitter asks only for those it shows,
    // in shorter forms when whole lines would leave alerts out.
    let items: EmbedDraft['items'] = [];
    if (item && this.mode === 'check') items = alerts.map(line);
    else if (item) items = { count: alerts.length, line: (at, brevity = 0) => line(briefAlert(alerts[at] as AlertView, brevity)), maxBrevity: MAX_BREVITY };
    return { ...this.embed(spec.body, base, base.embed.color), items, continues: true };
  }
}

const isEmpty = (embed: EmbedDraft): boolean =>
  embed.title === '' && !embed.intro && itemCount(embed.items) === 0 && !embed.fields?.length && !embed.footer && !embed.wholeItems;

export function renderMessage(message: CompiledMessage, scope: MessageScope, mode: RenderMode): MessageDraft {
  const renderer = new MessageRenderer(mode);
  // An embed whose list is empty is left out, and the others are numbered without it.
  const lists = message.embeds
    .map((spec) => ({ spec, alerts: spec.alerts === 'none' ? scope.alerts : selectAlerts(scope, spec.alerts) }))
    .filter(({ spec, alerts }) => spec.alerts === 'none' || alerts.length > 0);
  const embeds = lists.map(({ spec, alerts }, index) => ({ spec, draft: renderer.list(spec, scope, alerts, index, lists.length) }));
  // Alertmanager's max_alerts cut some before sending; the last list counts them.
  const lastList = embeds.filter(({ spec }) => spec.alerts !== 'none').pop();
  if (lastList && scope.truncatedAlerts > 0) lastList.draft.hiddenItems = scope.truncatedAlerts;
  const content = renderer.text(message.content, scope);
  return {
    ...(content ? { content } : {}),
    embeds: embeds.map(({ draft }) => draft).filter((draft) => !isEmpty(draft)),
  };
}
