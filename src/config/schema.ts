import { z } from 'zod';
import { parseDuration } from '../util/duration.js';

/** A duration such as "30s" or "4h", validated and converted to milliseconds. */
export const duration = z
  .string()
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration (use e.g. 30s, 5m, 4h, 1d)` });
      return z.NEVER;
    }
    return ms;
  });

const WEBHOOK_URL_PATTERN = /^https?:\/\/[^\s]+\/webhooks\/\d+\/[\w-]+\/?$/;

/** The message never repeats the value: a webhook URL is a secret. */
const webhookUrl = z
  .string()
  .trim()
  .regex(WEBHOOK_URL_PATTERN, 'must be a Discord webhook URL of the form <base>/webhooks/<id>/<token>');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const basicAuth = z.strictObject({
  username: z.string().min(1),
  password: z.string().min(1).optional(),
  password_file: z.string().min(1).optional(),
});

const serverAuth = z.strictObject({
  bearer_token: z.string().min(1).optional(),
  bearer_token_file: z.string().min(1).optional(),
  basic_auth: basicAuth.optional(),
});

const server = z.strictObject({
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65_535).default(9095),
  max_body_bytes: z.number().int().positive().default(1024 * 1024),
  auth: serverAuth.prefault({}),
});

const discord = z.strictObject({
  webhook_url: webhookUrl.optional(),
  webhook_url_file: z.string().min(1).optional(),
  username: z.string().min(1).max(80).default('Alertmanager'),
  avatar_url: z.url().optional(),
  /** One HTTP request to Discord. */
  request_timeout: duration.default(10_000),
  /** How long one notification keeps being retried before Alertmanager is told to retry it. */
  delivery_timeout: duration.default(60_000),
});

const log = z.strictObject({
  level: logLevel.default('info'),
  /** auto: readable on a terminal, JSON otherwise. */
  format: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

const alertmanager = z.strictObject({
  /** Overrides the externalURL Alertmanager sends, for links people can open. */
  external_url: z.url().optional(),
});

/** Secrets that may be given inline or as `<name>_file`, like Alertmanager's `webhook_url_file`. */
export const SECRET_FILE_KEYS = [
  ['discord', 'webhook_url'],
  ['server', 'auth', 'bearer_token'],
  ['server', 'auth', 'basic_auth', 'password'],
] as const;

export const configSchema = z
  .strictObject({
    server: server.prefault({}),
    log: log.prefault({}),
    discord: discord.prefault({}),
    alertmanager: alertmanager.prefault({}),
  })
  .superRefine((config, ctx) => {
    const basic = config.server.auth.basic_auth;
    if (basic && basic.password === undefined && basic.password_file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['server', 'auth', 'basic_auth'], message: 'needs password or password_file' });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
