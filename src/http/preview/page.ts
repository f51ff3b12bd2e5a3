import { EMPTY, h, trusted, type Html } from './html.js';
import { formatTimestamp } from './time.js';

/** The page around the rendered messages: template picker, the groups received, the samples. */

export interface TemplateChoice {
  name: string;
  description?: string | undefined;
  /** The template the configuration uses. */
  configured: boolean;
}

export interface GroupView {
  /** An anchor-safe identifier, unique on the page. */
  id: string;
  title: string;
  details: string[];
  /** Epoch ms, when the group arrived (received groups only). */
  receivedAt?: number | undefined;
  /** The group's rendered messages, or why it could not be rendered. */
  body: Html;
}

export interface PageView {
  templates: readonly TemplateChoice[];
  /** The template shown; undefined when the one asked for does not exist. */
  current: TemplateChoice | undefined;
  asked: string;
  recent: readonly GroupView[];
  recentCapacityNote: string;
  samples: readonly GroupView[];
  /** Relative URL of the assets folder, ending in `/`. */
  assetBase: string;
  importMapJson: string;
  nonce: string;
}

const STYLE = `
:root { color-scheme: dark; }
* { box-sizing: border-box; }
body { margin: 0; background: #1e1f22; color: #dbdee1; font: 15px/1.45 'gg sans', 'Noto Sans', 'Helvetica Neue', Helvetica, Arial, sans-serif; }
a { color: #00a8fc; }
header { position: sticky; top: 0; z-index: 1; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 24px; padding: 12px 24px; background: #2b2d31; box-shadow: 0 1px 0 rgba(0,0,0,.3); }
header h1 { margin: 0; font-size: 18px; color: #f2f3f5; }
header h1 span { color: #949ba4; font-weight: 500; }
nav { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
nav .label { color: #949ba4; font-size: 13px; margin-right: 4px; }
nav a { padding: 4px 12px; border-radius: 4px; background: #383a40; color: #dbdee1; text-decoration: none; font-weight: 500; }
nav a:hover { background: #404249; }
nav a[aria-current="page"] { background: #5865f2; color: #fff; }
nav a small { color: inherit; opacity: .75; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 24px 48px; }
.about { color: #b5bac1; }
.problem { padding: 12px 16px; border-radius: 8px; background: #3d2224; border-left: 4px solid #f23f43; color: #f2f3f5; white-space: pre-wrap; }
section > h2 { margin: 32px 0 4px; font-size: 20px; color: #f2f3f5; }
section > h2 small { color: #949ba4; font-size: 13px; font-weight: 500; }
.hint { color: #949ba4; }
.hint code, .about code { background: #2b2d31; padding: 1px 5px; border-radius: 4px; }
article { margin: 20px 0; }
article h3 { margin: 0 0 2px; font-size: 15px; color: #f2f3f5; }
article .details { margin: 0 0 8px; color: #949ba4; font-size: 13px; }
discord-messages { border-radius: 8px; overflow: hidden; }
.md-h1 { font-size: 1.5em; font-weight: 700; line-height: 1.375; margin: 8px 0 4px; }
.md-h2 { font-size: 1.25em; font-weight: 700; line-height: 1.375; margin: 8px 0 4px; }
.md-h3 { font-size: 1em; font-weight: 700; line-height: 1.375; margin: 8px 0 4px; }
.md-subtext { font-size: .8125em; color: #949ba4; }
.md-item { padding-left: 1.25em; text-indent: -0.75em; }
.md-item::before { content: '•'; display: inline-block; width: .75em; text-indent: 0; }
`;

function templatePicker(view: PageView): Html {
  const links = view.templates.map((choice) => {
    const current = choice.name === view.current?.name;
    return h`<a href="?template=${encodeURIComponent(choice.name)}"${current ? h` aria-current="page"` : EMPTY}${
      choice.description ? h` title="${choice.description}"` : EMPTY
    }>${choice.name}${choice.configured ? h` <small>(configured)</small>` : EMPTY}</a>`;
  });
  return h`<nav aria-label="Templates"><span class="label">Template</span>${links}</nav>`;
}

function groupHtml(group: GroupView): Html {
  const received =
    group.receivedAt === undefined
      ? EMPTY
      : h` · received <time datetime="${new Date(group.receivedAt).toISOString()}" data-stamp="${group.receivedAt}">${formatTimestamp(group.receivedAt)}</time>`;
  return h`<article id="${group.id}">
<h3>${group.title}</h3>
<p class="details">${group.details.join(' · ')}${received}</p>
${group.body}
</article>`;
}

function recentSection(view: PageView): Html {
  const body =
    view.recent.length > 0
      ? view.recent.map(groupHtml)
      : h`<p class="hint">Nothing received yet. Point Alertmanager at <code>/alerts</code>, or send a captured payload:
<code>curl -H 'Content-Type: application/json' --data @test/fixtures/alertmanager-0.25/webhook-group-firing.json http://HOST:PORT/alerts</code></p>`;
  return h`<section id="recent" aria-labelledby="recent-title">
<h2 id="recent-title">Last received <small>${view.recentCapacityNote}</small></h2>
${body}
</section>`;
}

function samplesSection(view: PageView): Html {
  return h`<section id="samples" aria-labelledby="samples-title">
<h2 id="samples-title">Samples <small>the payloads every template is checked against when amcord starts</small></h2>
${view.samples.map(groupHtml)}
</section>`;
}

export function pageHtml(view: PageView): Html {
  const { current } = view;
  const main = current
    ? h`<p class="about">Messages as Discord shows them, rendered with the <strong>${current.name}</strong> template${
        current.description ? h`: ${current.description}` : EMPTY
      }</p>
${recentSection(view)}
${samplesSection(view)}`
    : h`<p class="problem" role="alert">There is no template named “${view.asked}”. Pick one above.</p>`;
  return h`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>amcord preview${current ? h` · ${current.name}` : EMPTY}</title>
<link rel="icon" href="${view.assetBase}avatar.svg">
<style>${trusted(STYLE)}</style>
<script type="importmap" nonce="${view.nonce}">${trusted(view.importMapJson)}</script>
<script type="module" src="${view.assetBase}preview.js"></script>
</head>
<body>
<header>
<h1>amcord <span>message preview</span></h1>
${templatePicker(view)}
</header>
<main>
${main}
</main>
</body>
</html>`;
}
