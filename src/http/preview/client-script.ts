/**
 * The page's own module: loads the web components it uses (through the page's import map, from
 * amcord itself) and shows times in the reader's locale and time zone, as Discord does.
 */

export const COMPONENTS = [
  'discord-messages',
  'discord-message',
  'discord-embed',
  'discord-embed-description',
  'discord-embed-fields',
  'discord-embed-field',
  'discord-embed-footer',
  'discord-mention',
  'discord-bold',
  'discord-italic',
  'discord-underlined',
  'discord-spoiler',
  'discord-link',
  'discord-code',
  'discord-quote',
  'discord-time',
  'discord-action-row',
  'discord-button',
] as const;

export const COMPONENTS_PACKAGE = '@skyra/discord-components-core';

export const CLIENT_SCRIPT = `${COMPONENTS.map((name) => `import '${COMPONENTS_PACKAGE}/${name}.js';`).join('\n')}

const FORMATS = {
  t: { hour: 'numeric', minute: '2-digit' },
  T: { hour: 'numeric', minute: '2-digit', second: '2-digit' },
  d: { year: 'numeric', month: '2-digit', day: '2-digit' },
  D: { year: 'numeric', month: 'long', day: 'numeric' },
  f: { year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' },
  F: { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' },
};
const UNITS = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60]];
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

function fromNow(ms) {
  const seconds = Math.round((ms - Date.now()) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
  }
  return relative.format(seconds, 'second');
}

function discordTime(ms, style) {
  return style === 'R' ? fromNow(ms) : new Intl.DateTimeFormat(undefined, FORMATS[style] ?? FORMATS.f).format(ms);
}

/** "Today at 2:05 PM", "Yesterday at 9:12 AM", "11/24/2026 9:12 AM". */
function stamp(ms) {
  const date = new Date(ms);
  const midnight = (day) => new Date(day.getFullYear(), day.getMonth(), day.getDate()).getTime();
  const days = Math.round((midnight(new Date()) - midnight(date)) / 86400000);
  const time = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(date);
  if (days === 0) return 'Today at ' + time;
  if (days === 1) return 'Yesterday at ' + time;
  return new Intl.DateTimeFormat(undefined, FORMATS.d).format(date) + ' ' + time;
}

function localize() {
  for (const element of document.querySelectorAll('[data-unix]')) {
    try {
      element.textContent = discordTime(Number(element.dataset.unix) * 1000, element.dataset.style);
    } catch {
      // A time no date can hold keeps the server's text.
    }
  }
  for (const element of document.querySelectorAll('[data-stamp]')) {
    try {
      const text = stamp(Number(element.dataset.stamp));
      if (element.localName === 'time') element.textContent = text;
      else element.setAttribute('timestamp', text);
    } catch {
      // As above.
    }
  }
}

localize();
setInterval(localize, 30000);
document.documentElement.dataset.previewReady = 'true';
`;
