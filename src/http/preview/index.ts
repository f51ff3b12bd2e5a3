import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import type { WebhookPayload } from '../../alertmanager/webhook.js';
import { shownText } from '../../discord/fit.js';
import type { TemplateSet } from '../../render/render.js';
import { SAMPLE_ACKNOWLEDGED_PAYLOAD, SAMPLE_ACKNOWLEDGEMENT, SAMPLE_PAYLOADS } from '../../render/templates/samples.js';
import { browserPackages, createAssetsApp, importMap } from './assets.js';
import { h, type Html } from './html.js';
import { messageHtml, type MessageView } from './message.js';
import { pageHtml, type GroupView, type TemplateChoice } from './page.js';
import { withPreviewPicture, type PreviewPicture, type PreviewPictures } from './pictures.js';
import type { RecentNotification, RecentNotifications } from './recent.js';
import { RenderedMessages, type Rendering } from './rendered.js';
import type { MessageLookWithoutTemplate } from './rendered.js';

export { previewPictures } from './pictures.js';
export { RecentNotifications, type RecentNotification } from './recent.js';

/** What the preview page shows: the templates amcord loaded, and the payloads it received last. */
export interface PreviewAppDeps {
  templates: () => TemplateSet;
  /** The template the configuration uses; shown unless `?template=` picks another. */
  templateName: string;
  /** The default destination's name, avatar and link base, as its messages carry them. */
  look?: MessageLookWithoutTemplate | undefined;
  recent: () => RecentNotification[];
  /** Each group's picture (undefined: graphs are off and the page shows none). */
  pictures?: PreviewPictures | undefined;
}

/** The preview as createApp takes it: createApp records each accepted payload into `recent`. */
export interface PreviewDeps extends Omit<PreviewAppDeps, 'recent'> {
  recent: RecentNotifications;
}

/** The name Discord shows when a message names none: amcord's default `discord.username`. */
const DEFAULT_USERNAME = 'Alertmanager';

function renderingHtml(rendering: Rendering, view: MessageView, picture: PreviewPicture | undefined): Html {
  if ('problem' in rendering) return h`<p class="problem" role="alert">The template could not render this payload: ${rendering.problem}</p>`;
  return h`<discord-messages>${withPreviewPicture(rendering.messages, picture).map((message) => messageHtml(message, view))}</discord-messages>`;
}

/** The group's details, and where its picture's series come from when they are not Prometheus'. */
function withPictureNote(details: string[], picture: PreviewPicture | undefined): string[] {
  return picture?.sampled ? [...details, `picture from sample series: ${picture.sampled}`] : details;
}

function groupTitle(payload: WebhookPayload): string {
  const labels = Object.entries(payload.groupLabels).map(([name, value]) => `${name}="${value}"`);
  return labels.length > 0 ? shownText(`{${labels.join(', ')}}`) : '{} (every alert in one group)';
}

function groupDetails(payload: WebhookPayload): string[] {
  const firing = payload.alerts.filter((alert) => alert.status === 'firing').length;
  const details = [`receiver ${shownText(payload.receiver)}`, `${firing} firing`, `${payload.alerts.length - firing} resolved`];
  if (payload.truncatedAlerts > 0) details.push(`${payload.truncatedAlerts} cut by max_alerts`);
  return details;
}

/** A strict policy: scripts only from amcord (and the page's import map), nothing from elsewhere. */
function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    // The components set inline styles (colours, layout).
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The page's assets, relative to it so a path prefix in front of amcord keeps working; `./` first,
 * as an import map needs it to tell a URL from a bare name.
 */
function assetBase(path: string): string {
  return path.endsWith('/') ? './assets/' : `./${path.slice(path.lastIndexOf('/') + 1)}/assets/`;
}

/** A group someone acknowledged (and someone else took over), as its message shows it. */
export const ACKNOWLEDGED_SAMPLE_NAME = 'a group, acknowledged';
const ACKNOWLEDGED_SAMPLE = SAMPLE_ACKNOWLEDGED_PAYLOAD;

/**
 * GET / (mounted at /preview): the groups received last and the built-in samples, rendered with a
 * template (`?template=NAME`) and drawn as Discord draws them. Shows what the templates make of
 * alerts and nothing else of amcord's configuration: no webhook URL, no token.
 */
export function createPreviewApp(deps: PreviewAppDeps): Hono {
  const packages = browserPackages();
  const rendered = new RenderedMessages(deps.look);
  const app = new Hono();
  app.route('/assets', createAssetsApp(packages));

  app.get('/', async (c) => {
    const set = deps.templates();
    const asked = c.req.query('template') ?? deps.templateName;
    const templates: TemplateChoice[] = [...set.templates.values()]
      .map((template) => ({ name: template.name, description: template.description, configured: template.name === deps.templateName }))
      .sort((a, b) => Number(b.configured) - Number(a.configured) || a.name.localeCompare(b.name));
    const current = templates.find((choice) => choice.name === asked);
    const now = Date.now();
    const base = assetBase(c.req.path);
    const view = (sentAt: number): MessageView => ({ sentAt, now, avatarUrl: `${base}avatar.svg`, defaultUsername: DEFAULT_USERNAME });
    const recent = deps.recent();
    const pictureOf = (payload: WebhookPayload): Promise<PreviewPicture | undefined> => (current && deps.pictures ? deps.pictures(payload) : Promise.resolve(undefined));
    const [recentPictures, samplePictures] = await Promise.all([
      Promise.all(recent.map((entry) => pictureOf(entry.payload))),
      Promise.all(Object.values(SAMPLE_PAYLOADS).map(pictureOf)),
    ]);
    const received: GroupView[] = current
      ? recent.map((entry, index) => ({
          id: `received-${index + 1}`,
          title: groupTitle(entry.payload),
          details: withPictureNote(groupDetails(entry.payload), recentPictures[index]),
          receivedAt: entry.receivedAt,
          body: renderingHtml(rendered.of(entry.payload, set, current.name), view(entry.receivedAt), recentPictures[index]),
        }))
      : [];
    const samples: GroupView[] = current
      ? [...Object.entries(SAMPLE_PAYLOADS), [ACKNOWLEDGED_SAMPLE_NAME, ACKNOWLEDGED_SAMPLE] as const].map(([name, payload], index) => ({
          id: `sample-${index + 1}`,
          title: name,
          details: withPictureNote(groupDetails(payload), samplePictures[index]),
          body: renderingHtml(
            rendered.of(payload, set, current.name, payload === ACKNOWLEDGED_SAMPLE ? SAMPLE_ACKNOWLEDGEMENT : undefined),
            view(now),
            samplePictures[index],
          ),
        }))
      : [];
    const nonce = randomBytes(16).toString('base64');
    const page = pageHtml({
      templates,
      current,
      asked,
      recent: received,
      recentCapacityNote: `${recent.length} group${recent.length === 1 ? '' : 's'}, newest first; amcord keeps the last ones in memory only`,
      samples,
      assetBase: base,
      // `<` escaped so nothing in it can end the script element.
      importMapJson: JSON.stringify(importMap(packages, base)).replace(/</g, '\\u003c'),
      nonce,
    });
    c.header('content-security-policy', contentSecurityPolicy(nonce));
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    // Alert contents: not for shared caches.
    c.header('cache-control', 'no-store');
    return c.html(page, current ? 200 : 404);
  });

  return app;
}
