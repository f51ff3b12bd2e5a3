import type { WebhookPayload } from '../../alertmanager/webhook.js';
import type { DiscordMessage } from '../../discord/types.js';
import type { Grapher } from '../../graphs/grapher.js';
import { payloadGraphRequest, pictureOrSample } from '../../graphs/picture-or-sample.js';
import type { Clock } from '../../util/sleep.js';

/** A group's picture on the preview page, inline as a data URL (the page's policy allows `data:` images). */
export interface PreviewPicture {
  dataUrl: string;
  alt: string;
  /** Set when it is drawn from sample series: why Prometheus' own are not shown. */
  sampled?: string | undefined;
}

export type PreviewPictures = (payload: WebhookPayload) => Promise<PreviewPicture | undefined>;

/** A picture is drawn again after this long: reloading the page does not ask Prometheus each time. */
const FRESH_MS = 60_000;

/**
 * The picture each group's message would carry: from Prometheus when graphs are on and it
 * answers, else from sample series, saying so (also when graphs are off, so the page shows what
 * turning them on adds). Kept per payload for a minute, and let go with it.
 */
export function previewPictures(grapher: Grapher, graphsOff: string | undefined, clock: Clock): PreviewPictures {
  const drawn = new WeakMap<WebhookPayload, { at: number; picture: Promise<PreviewPicture | undefined> }>();
  return (payload) => {
    const now = clock.now();
    const cached = drawn.get(payload);
    if (cached && now - cached.at < FRESH_MS) return cached.picture;
    const picture = draw(grapher, payload, graphsOff);
    drawn.set(payload, { at: now, picture });
    return picture;
  };
}

async function draw(grapher: Grapher, payload: WebhookPayload, graphsOff: string | undefined): Promise<PreviewPicture | undefined> {
  const request = payloadGraphRequest(payload);
  const shown = request && (await pictureOrSample(grapher, request, graphsOff).catch(() => undefined));
  if (!shown) return undefined;
  return { dataUrl: `data:image/png;base64,${Buffer.from(shown.picture.png).toString('base64')}`, alt: shown.picture.description, sampled: shown.sampled };
}

/** The first message with the picture in its first embed, where Discord would show it. */
export function withPreviewPicture(messages: readonly DiscordMessage[], picture: PreviewPicture | undefined): DiscordMessage[] {
  const [first, ...rest] = messages;
  const [embed, ...embeds] = first?.embeds ?? [];
  if (!picture || !first || !embed) return [...messages];
  return [{ ...first, embeds: [{ ...embed, image: { url: picture.dataUrl } }, ...embeds] }, ...rest];
}
