import type { APIEmbed } from 'discord.js';
import { configSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { LogCapture } from '../support/log-capture.js';

export function captureLogger(): { logger: Logger; logs: LogCapture } {
  const logs = new LogCapture();
  return { logger: createLogger({ level: 'debug', format: 'json', destination: logs }), logs };
}

/** A config as a user would write it, validated by the real schema. */
export function botConfig(input: ConfigInput): Config {
  return configSchema.parse(input);
}

/** All text of an embed, for assertions that do not care where in the embed something is. */
export function embedText(embed: APIEmbed | undefined): string {
  if (!embed) return '';
  const parts = [embed.title, embed.description, embed.footer?.text, ...(embed.fields ?? []).flatMap((field) => [field.name, field.value])];
  return parts.filter(Boolean).join('\n');
}

/** The percentage after a bar labelled `label`, e.g. `MEM  ▰▰▰▰▰▱▱▱▱▱ 52%` -> 52. */
export function barPercent(text: string, label: string): number | undefined {
  const match = new RegExp(`${label}\\s+[▰▱]+ (\\d+)%`).exec(text);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
