import { z } from 'zod';
import { parseDuration } from '../util/duration.js';
import { MatcherParseError, parseMatchers, type Matcher } from '../alertmanager/matchers.js';
import { isPostgresUrl } from './postgres-url.js';

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

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17 to 20 digits)');

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
  /** GET /preview: the last groups received and the samples, drawn as Discord shows them. */
  preview: z.boolean().default(true),
});

const discord = z.strictObject({
  webhook_url: webhookUrl.optional(),
  webhook_url_file: z.string().min(1).optional(),
  username: z.string().min(1).max(80).default('Alertmanager'),
  avatar_url: z.url().optional(),
  /** One HTTP request to Discord. */
  request_timeout: duration.default(10_000),
  /** How long one delivery attempt keeps retrying (429s, 5xx) before the message waits in the outbox. */
  delivery_timeout: duration.default(60_000),
  /**
   * When the new messages waiting for a destination would take longer than this to go out at
   * Discord's rate limits, a storm digest naming every waiting group is posted first.
   */
  storm_digest_after: duration.default(10_000),
  /**
   * Print what goes to the default destination instead of sending it. Only needed (and only
   * allowed) when there is no default Discord destination but named ones: it says that printing
   * the alerts no route takes is meant, not a forgotten webhook_url.
   */
  preview: z.boolean().default(false),
});

/** `'...'` groups by every label, as in Alertmanager. */
const groupBy = z
  .array(z.string().min(1))
  .transform((names, ctx) => {
    if (!names.includes('...')) return names;
    if (names.length > 1) ctx.addIssue({ code: 'custom', message: "'...' means every label and cannot be combined with names" });
    return 'all' as const;
  });

/** Alertmanager's grouping and its defaults; amcord does the grouping itself. */
const grouping = z.strictObject({
  group_by: groupBy.default(['alertname']),
  group_wait: duration.default(30_000),
  group_interval: duration.default(300_000),
  repeat_interval: duration.default(14_400_000),
  send_resolved: z.boolean().default(true),
  /**
   * A firing alert that Alertmanager stops mentioning is resolved after this long. Alertmanager
   * re-sends firing alerts every repeat_interval, so keep this above its repeat_interval.
   */
  resolve_timeout: duration.default(18_000_000),
});

/** The dead man's switch: amcord expects an always-firing alert and reports when it stops. */
const watchdog = z.strictObject({
  enabled: z.boolean().default(false),
  alertname: z.string().min(1).default('Watchdog'),
  /** Without the alert for this long, the monitoring pipeline counts as down. */
  timeout: duration.default(600_000),
});

/** A label matcher in Alertmanager's syntax (`severity="critical"`, `instance=~"k8s.*"`), or a set of them. */
const matcherExpression = z.string().transform((text, ctx): Matcher[] => {
  try {
    return parseMatchers(text);
  } catch (error) {
    if (!(error instanceof MatcherParseError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
});

const mentions = z.strictObject({
  roles: z.array(snowflake).default([]),
  users: z.array(snowflake).default([]),
  /** Ping only when the notification's most severe firing alert has one of these severities; empty: always. */
  severities: z.array(z.string().min(1)).default([]),
  /** Ping on notifications that only report resolutions too. */
  on_resolved: z.boolean().default(false),
});

/**
 * One step of a route's escalation: while a group fires unacknowledged and unsilenced, `after`
 * this long from its first message amcord replies to that message pinging these roles and users.
 */
const escalationStep = z.strictObject({
  after: duration,
  roles: z.array(snowflake).default([]),
  users: z.array(snowflake).default([]),
});

const escalation = z.array(escalationStep).superRefine((steps, ctx) => {
  steps.forEach((step, index) => {
    if (step.roles.length === 0 && step.users.length === 0) {
      ctx.addIssue({ code: 'custom', path: [index], message: 'pings nobody: give roles or users' });
    }
    const previous = steps[index - 1];
    if (previous && step.after <= previous.after) {
      ctx.addIssue({ code: 'custom', path: [index, 'after'], message: 'must be later than the step before it' });
    }
  });
});

/** A named Discord destination: a webhook, or a channel the bot posts in (with silence buttons). */
const destination = z.strictObject({
  webhook_url: webhookUrl.optional(),
  webhook_url_file: z.string().min(1).optional(),
  channel_id: snowflake.optional(),
  username: z.string().min(1).max(80).optional(),
  avatar_url: z.url().optional(),
  /**
   * One thread per group. With webhook_url (a webhook in a forum channel) the first message of
   * a group creates a post named after it, later ones go into that post. With channel_id (a
   * text channel) the bot starts a thread from the group's message, which stays the living
   * summary, and posts each later notification in the thread.
   */
  threads: z.boolean().default(false),
  /** The forum's tags (ids) for a firing and a resolved group's post; re-tagging needs the bot. */
  thread_tags: z.strictObject({ firing: snowflake.optional(), resolved: snowflake.optional() }).prefault({}),
});

/** Alertmanager-style routing: the first route whose matchers all match takes the alert, unless it says continue. */
const route = z.strictObject({
  name: z.string().regex(/^[\w-]+$/, 'letters, digits, _ and - only').optional(),
  matchers: z.array(matcherExpression).default([]).transform((sets) => sets.flat()),
  destination: z.string().min(1).default('default'),
  continue: z.boolean().default(false),
  template: z.string().min(1).optional(),
  mentions: mentions.optional(),
  group_by: groupBy.optional(),
  group_wait: duration.optional(),
  group_interval: duration.optional(),
  repeat_interval: duration.optional(),
  send_resolved: z.boolean().optional(),
  /** Re-pings, step by step, until someone acknowledges, silences or the group resolves. */
  escalation: escalation.default([]),
});

/** The message templates: a folder of `<name>.yml` files (amcord's own `templates/` by default). */
const templates = z.strictObject({
  /** Relative to the configuration file; unset: the templates amcord ships. */
  dir: z.string().min(1).optional(),
  name: z.string().min(1).default('default'),
});

const log = z.strictObject({
  level: logLevel.default('info'),
  /** auto: readable on a terminal, JSON otherwise. */
  format: z.enum(['auto', 'json', 'pretty']).default('auto'),
});

const alertmanager = z.strictObject({
  /** Alertmanager's API (v2), for silences and the alert list. */
  url: z.url().default('http://127.0.0.1:9093'),
  /** Overrides the externalURL Alertmanager sends, for links people can open. */
  external_url: z.url().optional(),
  request_timeout: duration.default(5_000),
});

const DEFAULT_PROMETHEUS_URL = 'http://127.0.0.1:9090';

const prometheus = z
  .strictObject({
    /** Prometheus' HTTP API, for /status and the graphs. */
    url: z.url().optional(),
    request_timeout: duration.default(5_000),
  })
  // Whether someone named a Prometheus decides whether graphs are drawn by default.
  .transform(({ url, ...rest }) => ({ ...rest, url: url ?? DEFAULT_PROMETHEUS_URL, configured: url !== undefined }));

/** Pictures of the alert's expression with each firing message, from Prometheus. */
const graphs = z.strictObject({
  /** Unset: on when prometheus.url is set. */
  enabled: z.boolean().optional(),
  /** At least this much history; more when the alert started earlier. */
  range: duration.default(3_600_000),
  /** One range query; past it the message goes without its picture. */
  query_timeout: duration.default(3_000),
  max_series: z.number().int().min(1).max(10).default(5),
  /** The generator's origin (as in an alert's generatorURL) to the Prometheus amcord can reach for it. */
  prometheus_by_origin: z.record(z.string().min(1), z.url()).default({}),
});

const botPermissions = z.strictObject({
  /** Roles and users who may create and expire silences; nobody else can. */
  silence_roles: z.array(snowflake).default([]),
  silence_users: z.array(snowflake).default([]),
  /** Roles allowed to use the read-only commands; empty means everyone in the guild. */
  read_roles: z.array(snowflake).default([]),
});

/** One message in a channel kept up to date with /status: pin it and it is the dashboard. */
const statusBoard = z.strictObject({
  /** Unset: no board. */
  channel_id: snowflake.optional(),
  /** Discord allows a message a few edits per second; more than one a minute is never needed. */
  interval: duration.refine((ms) => ms >= 60_000, 'must be at least 1m').default(300_000),
});

const bot = z.strictObject({
  enabled: z.boolean().default(false),
  token: z.string().min(1).optional(),
  token_file: z.string().min(1).optional(),
  application_id: snowflake.optional(),
  guild_id: snowflake.optional(),
  /** Discord's REST API base; point it at a proxy if you run one. */
  api_base: z.url().default('https://discord.com/api'),
  /** Register the slash commands with the guild at start (otherwise: `amcord register-commands`). */
  register_commands: z.boolean().default(false),
  /** Alerts go to this channel as the bot, with silence buttons, unless discord.webhook_url is set. */
  channel_id: snowflake.optional(),
  permissions: botPermissions.prefault({}),
  status_board: statusBoard.prefault({}),
});

/** The message never repeats the value: the URL carries the password. */
const postgresUrl = z
  .string()
  .trim()
  .refine(isPostgresUrl, 'must be a PostgreSQL URL of the form postgres://user:password@host:port/database');

/** Where state is kept: SQLite under data_dir, unless PostgreSQL is configured. */
const storage = z.strictObject({
  postgres: z
    .strictObject({
      url: postgresUrl.optional(),
      url_file: z.string().min(1).optional(),
      /**
       * How long the leader's lease lasts without a renewal: when the leader dies, another
       * replica takes over within this time. Renewed every third of it.
       */
      lease_duration: duration.refine((ms) => ms >= 3_000, 'must be at least 3s').default(15_000),
    })
    .prefault({}),
});

/** The fallback route and the destination `discord.webhook_url` gives: no route or destination may take the name. */
export const DEFAULT_NAME = 'default';

/** What a route without a `name` is called: its position, from 1. */
export function unnamedRouteName(index: number): string {
  return `route-${index + 1}`;
}

/**
 * Where the default destination delivers: `discord.webhook_url`, else the bot's channel; nothing
 * (it prints, preview) without either.
 */
export function defaultDiscordTarget(config: { discord: { webhook_url?: string | undefined }; bot: { enabled: boolean; channel_id?: string | undefined } }): 'webhook' | 'bot-channel' | undefined {
  if (config.discord.webhook_url !== undefined) return 'webhook';
  if (config.bot.enabled && config.bot.channel_id !== undefined) return 'bot-channel';
  return undefined;
}

/** Graphs are drawn when switched on, or, unless switched off, when a Prometheus is configured. */
export function graphsEnabled(config: { graphs: { enabled?: boolean | undefined }; prometheus: { configured: boolean } }): boolean {
  return config.graphs.enabled ?? config.prometheus.configured;
}

/** Secrets that may be given inline or as `<name>_file`, like Alertmanager's `webhook_url_file`. */
export const SECRET_FILE_KEYS = [
  ['discord', 'webhook_url'],
  ['server', 'auth', 'bearer_token'],
  ['server', 'auth', 'basic_auth', 'password'],
  ['bot', 'token'],
  ['destinations', '*', 'webhook_url'],
  ['storage', 'postgres', 'url'],
] as const;

const configShape = z.strictObject({
  /** Where state is kept (SQLite): groups, notification log, outbox. Unused with storage.postgres. */
  data_dir: z.string().min(1).default('./data'),
  storage: storage.prefault({}),
  server: server.prefault({}),
  grouping: grouping.prefault({}),
  destinations: z.record(z.string().regex(/^[\w-]+$/, 'letters, digits, _ and - only'), destination).default({}),
  routes: z.array(route).default([]),
  watchdog: watchdog.prefault({}),
  templates: templates.prefault({}),
  log: log.prefault({}),
  discord: discord.prefault({}),
  alertmanager: alertmanager.prefault({}),
  prometheus: prometheus.prefault({}),
  graphs: graphs.prefault({}),
  bot: bot.prefault({}),
});

export const configSchema = configShape
  .superRefine((config, ctx) => {
    if (config.grouping.group_interval <= 0) {
      ctx.addIssue({ code: 'custom', path: ['grouping', 'group_interval'], message: 'must be greater than 0' });
    }
    if (config.grouping.repeat_interval <= 0) {
      ctx.addIssue({ code: 'custom', path: ['grouping', 'repeat_interval'], message: 'must be greater than 0' });
    }
    checkRouteNames(config, ctx);
    const known = new Set([DEFAULT_NAME, ...Object.keys(config.destinations)]);
    config.routes.forEach((entry, index) => {
      if (!known.has(entry.destination)) {
        ctx.addIssue({ code: 'custom', path: ['routes', index, 'destination'], message: `no destination named "${entry.destination}" (known: ${[...known].join(', ')})` });
      }
    });
    for (const [name, entry] of Object.entries(config.destinations)) {
      if (name === DEFAULT_NAME) ctx.addIssue({ code: 'custom', path: ['destinations', name], message: `"${DEFAULT_NAME}" is discord.webhook_url; choose another name` });
      if (!entry.webhook_url === !entry.channel_id) {
        ctx.addIssue({ code: 'custom', path: ['destinations', name], message: 'needs either webhook_url (or webhook_url_file) or channel_id' });
      }
      if (entry.channel_id && (entry.thread_tags.firing || entry.thread_tags.resolved)) {
        ctx.addIssue({ code: 'custom', path: ['destinations', name, 'thread_tags'], message: 'thread tags are a forum\'s: threads in a channel_id (a text channel) have none' });
      }
      if (entry.channel_id && !config.bot.enabled) {
        ctx.addIssue({ code: 'custom', path: ['destinations', name, 'channel_id'], message: 'posting to a channel needs the bot (bot.enabled: true)' });
      }
    }
    if (config.bot.channel_id && !config.bot.enabled) {
      // Without the bot nothing could post there, and alerts would silently be printed instead.
      ctx.addIssue({ code: 'custom', path: ['bot', 'channel_id'], message: 'posting to a channel needs the bot (bot.enabled: true)' });
    }
    if (config.bot.status_board.channel_id && !config.bot.enabled) {
      ctx.addIssue({ code: 'custom', path: ['bot', 'status_board', 'channel_id'], message: 'a status board needs the bot (bot.enabled: true)' });
    }
    checkDefaultDestination(config, ctx);
    if (config.bot.enabled) {
      for (const key of ['token', 'application_id', 'guild_id'] as const) {
        if (config.bot[key] === undefined) ctx.addIssue({ code: 'custom', path: ['bot', key], message: 'is required when bot.enabled is true' });
      }
    }
    const basic = config.server.auth.basic_auth;
    if (basic && basic.password === undefined && basic.password_file === undefined) {
      ctx.addIssue({ code: 'custom', path: ['server', 'auth', 'basic_auth'], message: 'needs password or password_file' });
    }
  });

type ParsedConfig = z.output<typeof configShape>;
type Context = z.core.$RefinementCtx<ParsedConfig>;

/**
 * Routes are told apart by name (their groups, state and templates are looked up by it), so two
 * routes with one name, or one called like the fallback route, would mix their alerts up.
 */
function checkRouteNames(config: ParsedConfig, ctx: Context): void {
  const firstWithName = new Map<string, number>();
  config.routes.forEach((entry, index) => {
    const name = entry.name ?? unnamedRouteName(index);
    const path = ['routes', index, 'name'];
    if (name === DEFAULT_NAME) {
      ctx.addIssue({ code: 'custom', path, message: `"${DEFAULT_NAME}" is reserved for the route that takes what no other route matches; choose another name` });
      return;
    }
    const earlier = firstWithName.get(name);
    if (earlier === undefined) {
      firstWithName.set(name, index);
      return;
    }
    const how = config.routes[earlier]?.name === undefined ? ` (a route without a name is called ${unnamedRouteName(earlier)})` : '';
    ctx.addIssue({ code: 'custom', path, message: `"${name}" is already the name of routes[${earlier}]${how}` });
  });
}

/**
 * What would only be printed, never sent, because named destinations deliver to Discord but the
 * default destination has nowhere to send (no discord.webhook_url or bot channel). Empty when the
 * default destination delivers, and in plain preview mode (no named destination either).
 */
export function printedOnly(config: Pick<ParsedConfig, 'discord' | 'bot' | 'destinations' | 'routes' | 'watchdog'>): string[] {
  if (defaultDiscordTarget(config) !== undefined || Object.keys(config.destinations).length === 0) return [];
  return [
    // Any route without matchers takes every alert, and then no alert is left for the fallback route.
    ...(config.routes.some((entry) => entry.matchers.length === 0) ? [] : ['alerts no route takes']),
    ...config.routes.flatMap((entry, index) => (entry.destination === DEFAULT_NAME ? [`routes[${index}] (destination: ${DEFAULT_NAME})`] : [])),
    ...(config.watchdog.enabled ? ["the watchdog's messages"] : []),
  ];
}

/** `a`, `a and b`, `a, b and c`. */
export function listInWords(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1) ?? ''}` : (items[0] ?? '');
}

/**
 * Printing instead of sending is preview mode, meant for trying amcord out. With named
 * destinations it would be a forgotten setting that quietly keeps alerts from Discord, unless
 * `discord.preview: true` says it is meant.
 */
function checkDefaultDestination(config: ParsedConfig, ctx: Context): void {
  if (config.discord.preview) {
    if (defaultDiscordTarget(config) !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['discord', 'preview'], message: 'prints instead of sending, which cannot be combined with discord.webhook_url or bot.channel_id' });
    }
    return;
  }
  const printed = printedOnly(config);
  if (printed.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    path: ['discord', 'webhook_url'],
    message:
      `not set, and there is no other default Discord destination: ${listInWords(printed)} would only be printed, never sent. ` +
      'Set discord.webhook_url (or bot.channel_id), or discord.preview: true if printing them is intended',
  });
}

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;
