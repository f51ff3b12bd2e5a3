import type { DiscordActionRow, DiscordEmbed, DiscordEmbedField, DiscordMessage } from '../../discord/types.js';
import { EMPTY, h, safeUrl, type Html } from './html.js';
import { markdownHtml, markdownText } from './markdown.js';
import { formatTimestamp } from './time.js';

/** What a message's header shows besides the message itself. */
export interface MessageView {
  /** When the message was (or would be) sent, epoch ms. */
  sentAt: number;
  /** Now, epoch ms, for relative times. */
  now: number;
  /** The avatar to show: a local asset, so the page needs nothing from outside. */
  avatarUrl: string;
  /** The name shown when the message names none (Discord shows the webhook's own name). */
  defaultUsername: string;
}

/** `15965202` -> `#f39c12`. */
export function colorHex(color: number | undefined): string | undefined {
  if (color === undefined || !Number.isInteger(color) || color < 0 || color > 0xffffff) return undefined;
  return `#${color.toString(16).padStart(6, '0')}`;
}

/**
 * The web components read custom emoji out of titles: any run of 17 or more digits becomes an
 * image from Discord's CDN. A word joiner every 16 digits keeps such numbers text, as Discord shows them.
 */
function plainTitle(text: string): string {
  return text.replace(/\d{17,}/g, (digits) => digits.replace(/(\d{16})(?=\d)/g, '$1\u2060'));
}

/** A time stamp the page's script rewrites in the reader's own time zone. */
function stampAttributes(ms: number): Html {
  return h`timestamp="${formatTimestamp(ms)}" data-stamp="${ms}"`;
}

/** Consecutive inline fields share a row, three at most; a field that is not inline ends the row. */
function inlineIndexes(fields: readonly DiscordEmbedField[]): Array<number | undefined> {
  let run = 0;
  return fields.map((field) => {
    if (!field.inline) {
      run = 0;
      return undefined;
    }
    run = (run % 3) + 1;
    return run;
  });
}

function fieldsHtml(fields: readonly DiscordEmbedField[], view: MessageView): Html {
  if (fields.length === 0) return EMPTY;
  const indexes = inlineIndexes(fields);
  const items = fields.map((field, index) => {
    const inline = indexes[index];
    const layout = inline === undefined ? EMPTY : h` inline inline-index="${inline}"`;
    return h`<discord-embed-field field-title="${plainTitle(markdownText(field.name, view.now))}"${layout}>${markdownHtml(field.value, { now: view.now, inEmbed: true })}</discord-embed-field>`;
  });
  return h`<discord-embed-fields slot="fields">${items}</discord-embed-fields>`;
}

function footerHtml(embed: DiscordEmbed): Html {
  const ms = embed.timestamp === undefined ? NaN : Date.parse(embed.timestamp);
  const stamped = Number.isFinite(ms);
  const text = embed.footer?.text ?? '';
  if (!text && !stamped) return EMPTY;
  // Without footer text Discord shows the time alone; the component would put a "•" before it.
  if (!text) {
    return h`<discord-embed-footer slot="footer"><time datetime="${new Date(ms).toISOString()}" data-stamp="${ms}">${formatTimestamp(ms)}</time></discord-embed-footer>`;
  }
  return h`<discord-embed-footer slot="footer" ${stamped ? stampAttributes(ms) : EMPTY}>${text}</discord-embed-footer>`;
}

export function embedHtml(embed: DiscordEmbed, view: MessageView): Html {
  const color = colorHex(embed.color);
  const url = safeUrl(embed.url);
  const title = embed.title === undefined ? undefined : plainTitle(markdownText(embed.title, view.now));
  const author = embed.author;
  const authorUrl = safeUrl(author?.url);
  const attributes = h`${color ? h` color="${color}"` : EMPTY}${title ? h` embed-title="${title}"` : EMPTY}${url ? h` url="${url}"` : EMPTY}${
    author ? h` author-name="${plainTitle(author.name)}"` : EMPTY
  }${authorUrl ? h` author-url="${authorUrl}"` : EMPTY}`;
  const description = embed.description
    ? h`<discord-embed-description slot="description">${markdownHtml(embed.description, { now: view.now, inEmbed: true })}</discord-embed-description>`
    : EMPTY;
  // Only pictures amcord drew itself (inline PNG) or ones from the web; never a script or a page.
  const image = embed.image?.url.startsWith('data:image/png;base64,') ? embed.image.url : safeUrl(embed.image?.url);
  return h`<discord-embed slot="embeds"${attributes}${image ? h` image="${image}"` : EMPTY}>${description}${fieldsHtml(embed.fields ?? [], view)}${footerHtml(embed)}</discord-embed>`;
}

const BUTTON_TYPES: Record<number, string> = { 1: 'primary', 2: 'secondary', 3: 'success', 4: 'destructive' };
const LINK_STYLE = 5;
const BUTTON = 2;

function field(object: object, name: string): unknown {
  return (object as Record<string, unknown>)[name];
}

function buttonHtml(component: object): Html {
  const style = field(component, 'style');
  const label = field(component, 'label');
  const emoji = field(component, 'emoji');
  const emojiName = emoji && typeof emoji === 'object' ? field(emoji, 'name') : undefined;
  const text = [emojiName, label].filter((part): part is string => typeof part === 'string' && part !== '').join(' ');
  const url = style === LINK_STYLE ? safeUrl(typeof field(component, 'url') === 'string' ? (field(component, 'url') as string) : undefined) : undefined;
  const type = (typeof style === 'number' ? BUTTON_TYPES[style] : undefined) ?? 'secondary';
  const disabled = field(component, 'disabled') === true || (style === LINK_STYLE && !url);
  return h`<discord-button type="${type}"${url ? h` url="${url}"` : EMPTY}${disabled ? h` disabled` : EMPTY}>${text}</discord-button>`;
}

function componentsHtml(rows: readonly DiscordActionRow[]): Html {
  return h`${rows.map((row) => {
    const buttons = row.components.filter((component) => field(component, 'type') === BUTTON);
    return buttons.length === 0 ? EMPTY : h`<discord-action-row slot="components">${buttons.map(buttonHtml)}</discord-action-row>`;
  })}`;
}

/** One Discord message as the web components draw it: header, content, embeds, buttons. */
export function messageHtml(message: DiscordMessage, view: MessageView): Html {
  const content = message.content ? markdownHtml(message.content, { now: view.now }) : EMPTY;
  return h`<discord-message author="${message.username ?? view.defaultUsername}" avatar="${view.avatarUrl}" bot ${stampAttributes(view.sentAt)}>${content}${(
    message.embeds ?? []
  ).map((embed) => embedHtml(embed, view))}${componentsHtml(message.components ?? [])}</discord-message>`;
}
