import { z } from 'zod';
import { DISCORD_LIMITS } from '../../discord/limits.js';

/**
 * The template file format. Every string is a Liquid template; `alerts`, `inline` and
 * `for_each` shape the message. Unknown keys are errors, so a typo never goes unnoticed.
 */

/** Which of the notification's alerts an embed lists, one `item` line each. */
export const ALERT_SELECTIONS = ['firing', 'resolved', 'all', 'none'] as const;
export type AlertSelection = (typeof ALERT_SELECTIONS)[number];

export const FOR_EACH_PATTERN = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(\S.*?)\s*$/;

const text = z.string();

const fieldSchema = z.strictObject({
  name: text,
  value: text,
  inline: z.boolean().default(false),
  for_each: z.string().regex(FOR_EACH_PATTERN, 'must read "NAME in LIST", e.g. "label in alert.label_list"').optional(),
});

const embedBody = {
  title: text.optional(),
  url: text.optional(),
  color: z
    .union([text, z.number().int().min(0).max(0xffffff)])
    .transform(String)
    .optional(),
  description: text.optional(),
  fields: z.array(fieldSchema).max(DISCORD_LIMITS.fields).optional(),
  footer: text.optional(),
  timestamp: text.optional(),
};

const oneSchema = z.strictObject(embedBody);

const embedSchema = z
  .strictObject({
    alerts: z.enum(ALERT_SELECTIONS).default('all'),
    item: text.optional(),
    one: oneSchema.optional(),
    ...embedBody,
  })
  .superRefine((embed, ctx) => {
    if (embed.alerts === 'none') {
      for (const key of ['item', 'one'] as const) {
        if (embed[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'an embed with `alerts: none` lists no alerts' });
      }
    } else if (embed.item === undefined) {
      ctx.addIssue({ code: 'custom', path: ['item'], message: `missing: an embed that lists alerts needs an \`item\` line for each` });
    }
  });

const messageSchema = z.strictObject({
  content: text.optional(),
  embeds: z.array(embedSchema).min(1).max(DISCORD_LIMITS.embedsPerMessage),
});

export const templateFileSchema = z.strictObject({
  description: z.string().optional(),
  firing: messageSchema,
  resolved: messageSchema.optional(),
  repeat: messageSchema.optional(),
});

export type EmbedBodySpec = z.output<typeof oneSchema>;
export type MessageSpec = z.output<typeof messageSchema>;
export type TemplateFileSpec = z.output<typeof templateFileSchema>;
export const SECTIONS = ['firing', 'resolved', 'repeat'] as const;
export type SectionName = (typeof SECTIONS)[number];
