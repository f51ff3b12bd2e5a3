import type { WebhookPayload } from '../../alertmanager/webhook.js';
import type { DiscordMessage } from '../../discord/types.js';
import { renderPayload, type Acknowledgement, type TemplateSet } from '../../render/render.js';
import type { MessageLook } from '../../render/settings.js';

export type MessageLookWithoutTemplate = Omit<MessageLook, 'template'>;

/** A payload's messages through one template, or why it could not render. */
export type Rendering = { messages: DiscordMessage[] } | { problem: string };

/**
 * Each payload's messages, rendered once per template: drawing the page again draws what was
 * rendered, so reloading it does not render a group of 10,000 alerts again. Payloads the page no
 * longer holds, and template sets no longer loaded, are let go with them.
 */
export class RenderedMessages {
  readonly #bySet = new WeakMap<TemplateSet, Map<string, WeakMap<WebhookPayload, Rendering>>>();

  constructor(private readonly look: MessageLookWithoutTemplate = { username: undefined, avatarUrl: undefined, externalUrl: undefined }) {}

  /** `acknowledgement` is the payload's for good: the rendering is kept by payload. */
  of(payload: WebhookPayload, templates: TemplateSet, template: string, acknowledgement?: Acknowledgement): Rendering {
    let byTemplate = this.#bySet.get(templates);
    if (!byTemplate) this.#bySet.set(templates, (byTemplate = new Map<string, WeakMap<WebhookPayload, Rendering>>()));
    let byPayload = byTemplate.get(template);
    if (!byPayload) byTemplate.set(template, (byPayload = new WeakMap<WebhookPayload, Rendering>()));
    let rendering = byPayload.get(payload);
    if (!rendering) byPayload.set(payload, (rendering = render(payload, { ...this.look, templates, template, acknowledgement })));
    return rendering;
  }
}

function render(
  payload: WebhookPayload,
  options: MessageLookWithoutTemplate & { templates: TemplateSet; template: string; acknowledgement: Acknowledgement | undefined },
): Rendering {
  try {
    return { messages: [renderPayload(payload, options).message] };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}
