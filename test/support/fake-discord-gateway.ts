/**
 * The gateway and interaction half of the fake Discord: a `ws` WebSocketServer on the fake's own
 * http.Server at `/gateway` (where `GET /gateway/bot` points), plus the REST routes a bot uses to
 * answer interactions and to register guild commands.
 *
 * It speaks the least gateway discord.js 14 needs (HELLO, heartbeat ACK, IDENTIFY -> READY, and
 * by default the guild's GUILD_CREATE as Discord sends it to a bot with the Guilds intent), lets a
 * test dispatch INTERACTION_CREATE for slash commands, autocomplete and buttons, and records what
 * the bot answers so `reply(id)` can return what the user finally sees. Answers are checked the
 * way Discord checks them: one acknowledgement per interaction, within 3 s, messages within the
 * limits, at most 25 autocomplete choices. See docs/discord.md.
 */
import { randomBytes } from 'node:crypto';
import type {
  APIActionRowComponent,
  APIApplicationCommandOptionChoice,
  APIComponentInMessageActionRow,
  APIEmbed,
} from 'discord.js';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { limitViolations } from '../../src/discord/limits.js';
import type { DiscordMessage } from '../../src/discord/types.js';
import { discordError, messageFiles, type FakeDiscord, type RouteContext, type RouteResponse, type StoredAttachment } from './fake-discord.js';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface FakeGatewayOptions {
  applicationId?: string;
  guildId?: string;
  /** The text channel interactions come from. */
  channelId?: string;
  botUsername?: string;
  /** When set, IDENTIFY and REST calls with another bot token are refused (4004 / 401), as on Discord. */
  token?: string;
  /** Sent in HELLO; discord.js heartbeats at this pace. Default 41250 ms, Discord's value. */
  heartbeatIntervalMs?: number;
  /**
   * List the guild as unavailable in READY and send its GUILD_CREATE, as Discord does for a bot
   * with the Guilds intent (members then arrive as cached GuildMembers). With false READY lists no
   * guild, the client is ready at once and interactions carry raw API members. Default true.
   */
  announceGuild?: boolean;
  /** Discord forgets an interaction that is not acknowledged in time. Default 3000 ms. */
  acknowledgeWithinMs?: number;
}

export interface FakeUser {
  id: string;
  username: string;
  globalName?: string;
}

export type OptionValue = string | number | boolean;

interface ActorSpec {
  /** Who interacts; default a fresh user. */
  user?: FakeUser;
  /** The member's role ids. Roles the guild does not have yet are created first (GUILD_ROLE_CREATE). */
  roles?: string[];
}

export interface CommandSpec extends ActorSpec {
  kind: 'command';
  name: string;
  options?: Record<string, OptionValue>;
}

export interface AutocompleteSpec extends ActorSpec {
  kind: 'autocomplete';
  name: string;
  /** Every option typed so far, including the focused one. */
  options?: Record<string, OptionValue>;
  /** The option the user is typing in. */
  focused: string;
}

export interface ButtonMessageSpec {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
}

export interface ButtonSpec extends ActorSpec {
  kind: 'button';
  customId: string;
  /** The message carrying the button; default an empty message by the bot. */
  message?: ButtonMessageSpec;
}

export type InteractionSpec = CommandSpec | AutocompleteSpec | ButtonSpec;

export interface SentInteraction {
  id: string;
  token: string;
}

export interface VisibleMessage {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  ephemeral: boolean;
  /** The files it carries, with their bytes; its embeds show them by their CDN URL. */
  attachments: StoredAttachment[];
}

export interface InteractionReply extends VisibleMessage {
  interactionId: string;
  /** The acknowledgement: 4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete result. */
  callbackType: number;
  deferred: boolean;
  /** Autocomplete answers (callback type 8). */
  choices: APIApplicationCommandOptionChoice[];
  followUps: VisibleMessage[];
  /** Edits of the original after the first visible answer. */
  edits: number;
}

export interface ReplyWaitOptions {
  timeoutMs?: number;
  /** Wait further until this holds, e.g. for a later edit. */
  until?: (reply: InteractionReply) => boolean;
}

export interface RegisteredCommand {
  id: string;
  application_id: string;
  guild_id: string;
  version: string;
  type: number;
  name: string;
  description: string;
  options?: RegisteredOption[];
  [key: string]: unknown;
}

export interface RegisteredOption {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  choices?: APIApplicationCommandOptionChoice[];
  [key: string]: unknown;
}

export interface CommandSet {
  applicationId: string;
  guildId: string;
  commands: RegisteredCommand[];
}

export interface IdentifyRecord {
  token: string;
  intents: number;
}

export interface FakeGateway {
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly botUserId: string;
  /** Every accepted `PUT .../guilds/:guild/commands`, oldest first. */
  readonly commandSets: readonly CommandSet[];
  /** Every IDENTIFY, oldest first. */
  readonly identifies: readonly IdentifyRecord[];
  /** Heartbeats received (and acknowledged) over all connections. */
  readonly heartbeats: number;
  /** Gateway connections open right now: a client that logged out has none. */
  readonly openConnections: number;
  /** Resolves once a client has identified and got READY (and the guild, if announced). */
  waitForReady(timeoutMs?: number): Promise<void>;
  /** Dispatches INTERACTION_CREATE to the identified client. */
  sendInteraction(spec: InteractionSpec): SentInteraction;
  /** Resolves with the callback type once the interaction is acknowledged, visibly or not (5, 6). */
  acknowledged(interactionId: string, timeoutMs?: number): Promise<number>;
  /** What the user sees once the interaction has a visible answer (waits for it). */
  reply(interactionId: string, options?: ReplyWaitOptions): Promise<InteractionReply>;
  /** Requests about this interaction that were refused, with the reason; for diagnostics. */
  rejections(interactionId: string): string[];
  /** Closes every gateway connection with `code`; the client will try to reconnect. */
  disconnectAll(code?: number): void;
}

// ---------------------------------------------------------------------------------------------
// Discord's numbers
// ---------------------------------------------------------------------------------------------

const Op = { dispatch: 0, heartbeat: 1, identify: 2, presenceUpdate: 3, resume: 6, hello: 10, heartbeatAck: 11 } as const;
const InteractionType = { command: 2, component: 3, autocomplete: 4 } as const;
const CallbackType = { message: 4, deferredMessage: 5, deferredUpdate: 6, update: 7, autocompleteResult: 8 } as const;
const OptionType = { string: 3, integer: 4, boolean: 5, number: 10 } as const;
const EPHEMERAL = 64;
const CloseCode = { unknownOpcode: 4001, decodeError: 4002, authenticationFailed: 4004 } as const;
const ErrorCode = {
  unknownWebhook: 10015,
  unknownMessage: 10008,
  unknownInteraction: 10062,
  missingAccess: 50001,
  emptyMessage: 50006,
  invalidFormBody: 50035,
  alreadyAcknowledged: 40060,
} as const;
/** ViewChannel, SendMessages, EmbedLinks, ReadMessageHistory, UseApplicationCommands. */
const MEMBER_PERMISSIONS = String((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 16n) | (1n << 31n));
const CALLBACKS_BY_KIND: Record<InteractionSpec['kind'], readonly number[]> = {
  command: [CallbackType.message, CallbackType.deferredMessage],
  autocomplete: [CallbackType.autocompleteResult],
  button: [CallbackType.message, CallbackType.deferredMessage, CallbackType.deferredUpdate, CallbackType.update],
};
const MAX_CHOICES = 25;
const COMMAND_NAME = /^[-_\p{L}\p{N}]{1,32}$/u;

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------

const DISCORD_EPOCH_MS = 1_420_070_400_000n;
/** Worker bits set to 1 so these ids never equal the ones fake-discord.ts makes (worker 0). */
const WORKER_BITS = 1n << 17n;
let lastSnowflake = 0n;

/** 19-digit, strictly increasing ids: rate-limit bucketing in @discordjs/rest depends on the length. */
export function snowflake(): string {
  const fresh = ((BigInt(Date.now()) - DISCORD_EPOCH_MS) << 22n) | WORKER_BITS;
  lastSnowflake = fresh > lastSnowflake ? fresh : lastSnowflake + 1n;
  return lastSnowflake.toString();
}

function interactionToken(): string {
  return `aW50ZXJhY3Rpb24.${randomBytes(48).toString('base64url')}`;
}

// ---------------------------------------------------------------------------------------------
// State of one interaction
// ---------------------------------------------------------------------------------------------

interface InteractionState {
  id: string;
  token: string;
  kind: InteractionSpec['kind'];
  sentAt: number;
  callbackType: number | undefined;
  visible: boolean;
  message: VisibleMessage;
  choices: APIApplicationCommandOptionChoice[];
  followUps: VisibleMessage[];
  edits: number;
  rejections: string[];
}

function snapshot(state: InteractionState): InteractionReply {
  return structuredClone({
    interactionId: state.id,
    callbackType: state.callbackType ?? 0,
    deferred: state.callbackType === CallbackType.deferredMessage || state.callbackType === CallbackType.deferredUpdate,
    ...state.message,
    choices: state.choices,
    followUps: state.followUps,
    edits: state.edits,
  });
}

// ---------------------------------------------------------------------------------------------
// Validation of what the bot sends
// ---------------------------------------------------------------------------------------------

type Checked<T> = { ok: true; value: T } | { ok: false; response: RouteResponse };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidForm(problems: readonly string[]): RouteResponse {
  return { status: 400, body: { message: 'Invalid Form Body', code: ErrorCode.invalidFormBody, problems } };
}

interface MessagePatch {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIComponentInMessageActionRow>[];
  flags?: number;
}

/** Checks a message body against Discord's limits; `undefined` fields leave the message as it is. */
function readMessagePatch(raw: unknown): Checked<MessagePatch> {
  if (!isRecord(raw)) return { ok: false, response: invalidForm(['body: expected an object']) };
  const problems: string[] = [];
  const patch: MessagePatch = {};
  if (raw.content !== undefined && raw.content !== null) {
    if (typeof raw.content === 'string') patch.content = raw.content;
    else problems.push('content: expected a string');
  }
  if (raw.embeds !== undefined && raw.embeds !== null) {
    if (Array.isArray(raw.embeds) && raw.embeds.every(isRecord)) patch.embeds = raw.embeds;
    else problems.push('embeds: expected a list of objects');
  }
  if (raw.components !== undefined && raw.components !== null) {
    if (Array.isArray(raw.components)) {
      problems.push(...componentProblems(raw.components));
      patch.components = raw.components as APIActionRowComponent<APIComponentInMessageActionRow>[];
    } else problems.push('components: expected a list');
  }
  if (typeof raw.flags === 'number') patch.flags = raw.flags;
  const asMessage: DiscordMessage = { content: patch.content, embeds: patch.embeds };
  // Emptiness depends on what the message already holds; the caller checks it.
  problems.push(...limitViolations(asMessage).filter((problem) => problem !== 'message: empty'));
  return problems.length > 0 ? { ok: false, response: invalidForm(problems) } : { ok: true, value: patch };
}

function componentProblems(rows: readonly unknown[]): string[] {
  const problems: string[] = [];
  if (rows.length > 5) problems.push(`components: ${rows.length} > 5 rows`);
  rows.forEach((row, rowIndex) => {
    const at = `components[${rowIndex}]`;
    if (!isRecord(row) || row.type !== 1 || !Array.isArray(row.components)) {
      problems.push(`${at}: expected an action row {type: 1, components: [...]}`);
      return;
    }
    if (row.components.length < 1 || row.components.length > 5) problems.push(`${at}.components: 1 to 5 items`);
    row.components.forEach((item: unknown, index) => {
      const where = `${at}.components[${index}]`;
      if (!isRecord(item) || item.type !== 2) return;
      if (typeof item.label === 'string' && item.label.length > 80) problems.push(`${where}.label: > 80`);
      const isLink = item.style === 5;
      if (isLink && typeof item.url !== 'string') problems.push(`${where}.url: required for link buttons`);
      if (!isLink && (typeof item.custom_id !== 'string' || item.custom_id.length < 1 || item.custom_id.length > 100)) {
        problems.push(`${where}.custom_id: 1 to 100 characters required`);
      }
    });
  });
  return problems;
}

function readChoices(raw: unknown): Checked<APIApplicationCommandOptionChoice[]> {
  const data = isRecord(raw) ? raw : {};
  const choices = data.choices;
  if (!Array.isArray(choices)) return { ok: false, response: invalidForm(['data.choices: expected a list']) };
  const problems: string[] = [];
  if (choices.length > MAX_CHOICES) problems.push(`data.choices: ${choices.length} > ${MAX_CHOICES}`);
  choices.forEach((choice: unknown, index) => {
    const at = `data.choices[${index}]`;
    if (!isRecord(choice)) return void problems.push(`${at}: expected an object`);
    if (typeof choice.name !== 'string' || choice.name.length < 1 || choice.name.length > 100) problems.push(`${at}.name: 1 to 100 characters`);
    const value = choice.value;
    const valueOk = (typeof value === 'string' && value.length <= 100) || typeof value === 'number';
    if (!valueOk) problems.push(`${at}.value: a string of at most 100 characters or a number`);
  });
  return problems.length > 0 ? { ok: false, response: invalidForm(problems) } : { ok: true, value: choices as APIApplicationCommandOptionChoice[] };
}

function readCommands(raw: unknown): Checked<Record<string, unknown>[]> {
  if (!Array.isArray(raw)) return { ok: false, response: invalidForm(['body: expected a list of commands']) };
  const problems: string[] = [];
  if (raw.length > 100) problems.push(`commands: ${raw.length} > 100`);
  const names = new Set<string>();
  raw.forEach((command: unknown, index) => {
    const at = `[${index}]`;
    if (!isRecord(command)) return void problems.push(`${at}: expected an object`);
    const name = command.name;
    if (typeof name !== 'string' || !COMMAND_NAME.test(name) || name !== name.toLowerCase()) {
      problems.push(`${at}.name: 1 to 32 lowercase letters, digits, - or _`);
    } else if (names.has(name)) problems.push(`${at}.name: duplicate command ${name}`);
    else names.add(name);
    checkDescription(command.description, `${at}.description`, problems);
    const options = command.options ?? [];
    if (!Array.isArray(options)) return void problems.push(`${at}.options: expected a list`);
    if (options.length > 25) problems.push(`${at}.options: ${options.length} > 25`);
    let optionalSeen = false;
    options.forEach((option: unknown, optionIndex) => {
      const where = `${at}.options[${optionIndex}]`;
      if (!isRecord(option)) return void problems.push(`${where}: expected an object`);
      const optionName = option.name;
      if (typeof optionName !== 'string' || !COMMAND_NAME.test(optionName) || optionName !== optionName.toLowerCase()) {
        problems.push(`${where}.name: 1 to 32 lowercase letters, digits, - or _`);
      }
      checkDescription(option.description, `${where}.description`, problems);
      if (option.required === true && optionalSeen) problems.push(`${where}: required options must come before optional ones`);
      if (option.required !== true) optionalSeen = true;
      const choices = option.choices;
      if (Array.isArray(choices) && choices.length > MAX_CHOICES) problems.push(`${where}.choices: > ${MAX_CHOICES}`);
      if (option.autocomplete === true && Array.isArray(choices) && choices.length > 0) {
        problems.push(`${where}: autocomplete and choices are exclusive`);
      }
    });
  });
  return problems.length > 0 ? { ok: false, response: invalidForm(problems) } : { ok: true, value: raw as Record<string, unknown>[] };
}

function checkDescription(value: unknown, at: string, problems: string[]): void {
  if (typeof value !== 'string' || value.length < 1 || value.length > 100) problems.push(`${at}: 1 to 100 characters`);
}

function optionTypeOf(value: OptionValue): number {
  if (typeof value === 'boolean') return OptionType.boolean;
  if (typeof value === 'number') return Number.isInteger(value) ? OptionType.integer : OptionType.number;
  return OptionType.string;
}

// ---------------------------------------------------------------------------------------------
// Waiting for state changes
// ---------------------------------------------------------------------------------------------

/** Promises that settle when a probe over the fake's state succeeds; re-probed on every change. */
class ChangeWaiters {
  private readonly pending = new Map<() => boolean, (error: Error) => void>();

  changed(): void {
    for (const probe of [...this.pending.keys()]) if (probe()) this.pending.delete(probe);
  }

  wait<T>(probe: () => T | undefined, timeoutMs: number, describe: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const fail = (error: Error): void => {
        clearTimeout(timer);
        this.pending.delete(check);
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error(describe())), timeoutMs);
      const check = (): boolean => {
        const value = probe();
        if (value === undefined) return false;
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      if (!check()) this.pending.set(check, fail);
    });
  }

  failAll(reason: string): void {
    for (const fail of [...this.pending.values()]) fail(new Error(reason));
  }
}

// ---------------------------------------------------------------------------------------------
// The gateway
// ---------------------------------------------------------------------------------------------

interface Connection {
  socket: WebSocket;
  sequence: number;
  ready: boolean;
}

class FakeGatewayServer implements FakeGateway {
  readonly applicationId: string;
  readonly guildId: string;
  readonly channelId: string;
  readonly botUserId = snowflake();
  readonly commandSets: CommandSet[] = [];
  readonly identifies: IdentifyRecord[] = [];
  heartbeats = 0;

  get openConnections(): number {
    return this.connections.size;
  }

  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly byToken = new Map<string, InteractionState>();
  private readonly knownRoles = new Set<string>();
  private readonly waiters = new ChangeWaiters();
  private readonly sessionId = randomBytes(16).toString('hex');
  private readonly botUsername: string;
  private readonly heartbeatIntervalMs: number;
  private readonly announceGuild: boolean;
  private readonly acknowledgeWithinMs: number;
  private readonly token: string | undefined;

  constructor(
    private readonly discord: FakeDiscord,
    options: FakeGatewayOptions,
  ) {
    this.applicationId = options.applicationId ?? snowflake();
    this.guildId = options.guildId ?? snowflake();
    this.channelId = options.channelId ?? snowflake();
    this.botUsername = options.botUsername ?? 'amcord';
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    this.announceGuild = options.announceGuild ?? true;
    this.acknowledgeWithinMs = options.acknowledgeWithinMs ?? 3000;
    this.token = options.token;
    this.knownRoles.add(this.guildId); // @everyone has the guild's id

    this.wss = new WebSocketServer({ server: discord.server, path: '/gateway' });
    this.wss.on('connection', (socket) => this.accept(socket));
    discord.onClose(() => this.close());
    this.addRoutes();
  }

  // --- gateway -----------------------------------------------------------------------------

  private accept(socket: WebSocket): void {
    const connection: Connection = { socket, sequence: 0, ready: false };
    this.connections.add(connection);
    socket.on('close', () => {
      this.connections.delete(connection);
      this.waiters.changed();
    });
    socket.on('message', (data) => this.onFrame(connection, data));
    this.send(connection, { op: Op.hello, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null });
  }

  private onFrame(connection: Connection, data: RawData): void {
    let frame: unknown;
    try {
      frame = JSON.parse(rawText(data));
    } catch {
      connection.socket.close(CloseCode.decodeError, 'Decode error');
      return;
    }
    const op = isRecord(frame) ? frame.op : undefined;
    const payload = isRecord(frame) ? frame.d : undefined;
    switch (op) {
      case Op.heartbeat:
        this.heartbeats += 1;
        this.send(connection, { op: Op.heartbeatAck, d: null, s: null, t: null });
        this.waiters.changed();
        return;
      case Op.identify:
        this.identify(connection, payload);
        return;
      case Op.resume:
        connection.ready = true;
        this.dispatch(connection, 'RESUMED', {});
        this.waiters.changed();
        return;
      case Op.presenceUpdate:
        return;
      default:
        connection.socket.close(CloseCode.unknownOpcode, 'Unknown opcode');
    }
  }

  private identify(connection: Connection, payload: unknown): void {
    const data = isRecord(payload) ? payload : {};
    const token = typeof data.token === 'string' ? data.token : '';
    this.identifies.push({ token, intents: typeof data.intents === 'number' ? data.intents : 0 });
    if (this.token !== undefined && token !== this.token) {
      connection.socket.close(CloseCode.authenticationFailed, 'Authentication failed.');
      return;
    }
    this.dispatch(connection, 'READY', {
      v: 10,
      user: { ...this.botUser(), bot: true, verified: true, mfa_enabled: false, flags: 0 },
      guilds: this.announceGuild ? [{ id: this.guildId, unavailable: true }] : [],
      session_id: this.sessionId,
      resume_gateway_url: this.discord.gatewayUrl,
      shard: [0, 1],
      application: { id: this.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      user_settings: {},
      geo_ordered_rtc_regions: [],
    });
    if (this.announceGuild) this.dispatch(connection, 'GUILD_CREATE', this.guildPayload());
    connection.ready = true;
    this.waiters.changed();
  }

  private send(connection: Connection, frame: Record<string, unknown>): void {
    connection.socket.send(JSON.stringify(frame));
  }

  private dispatch(connection: Connection, event: string, data: unknown): void {
    connection.sequence += 1;
    this.send(connection, { op: Op.dispatch, t: event, s: connection.sequence, d: data });
  }

  private readyConnection(): Connection {
    const connection = [...this.connections].reverse().find((candidate) => candidate.ready);
    if (!connection) throw new Error('fake gateway: no client has identified yet (start the bot and await its readiness first)');
    return connection;
  }

  waitForReady(timeoutMs = 10_000): Promise<void> {
    return this.waiters.wait(
      () => ([...this.connections].some((connection) => connection.ready) ? true : undefined),
      timeoutMs,
      () => `fake gateway: no client identified within ${timeoutMs} ms (${this.identifies.length} IDENTIFY seen)`,
    ).then(() => undefined);
  }

  disconnectAll(code = 4000): void {
    for (const connection of this.connections) connection.socket.close(code, 'Closed by the test');
  }

  // --- guild -------------------------------------------------------------------------------

  private botUser(): Record<string, unknown> {
    return { id: this.botUserId, username: this.botUsername, discriminator: '0', global_name: null, avatar: null };
  }

  private rolePayload(id: string): Record<string, unknown> {
    const everyone = id === this.guildId;
    return {
      id,
      name: everyone ? '@everyone' : `role-${id.slice(-4)}`,
      permissions: everyone ? MEMBER_PERMISSIONS : '0',
      position: everyone ? 0 : 1,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      managed: false,
      mentionable: false,
      icon: null,
      unicode_emoji: null,
      flags: 0,
    };
  }

  private channelPayload(): Record<string, unknown> {
    return {
      id: this.channelId,
      type: 0,
      guild_id: this.guildId,
      name: 'alerts',
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      parent_id: null,
      topic: null,
      last_message_id: null,
      rate_limit_per_user: 0,
      flags: 0,
    };
  }

  private guildPayload(): Record<string, unknown> {
    return {
      id: this.guildId,
      name: 'amcord test guild',
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: snowflake(),
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [...this.knownRoles].map((id) => this.rolePayload(id)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date().toISOString(),
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [],
      channels: [this.channelPayload()],
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** Discord announces a new role before anyone can hold it; a cached GuildMember needs it. */
  private ensureRoles(connection: Connection, roles: readonly string[]): void {
    for (const role of roles) {
      if (this.knownRoles.has(role)) continue;
      this.knownRoles.add(role);
      if (this.announceGuild) this.dispatch(connection, 'GUILD_ROLE_CREATE', { guild_id: this.guildId, role: this.rolePayload(role) });
    }
  }

  // --- interactions ------------------------------------------------------------------------

  sendInteraction(spec: InteractionSpec): SentInteraction {
    const connection = this.readyConnection();
    const roles = spec.roles ?? [];
    this.ensureRoles(connection, roles);
    const user = spec.user ?? { id: snowflake(), username: 'someone' };
    const id = snowflake();
    const token = interactionToken();
    const state: InteractionState = {
      id,
      token,
      kind: spec.kind,
      sentAt: Date.now(),
      callbackType: undefined,
      visible: false,
      message: { content: '', embeds: [], components: [], ephemeral: false, attachments: [] },
      choices: [],
      followUps: [],
      edits: 0,
      rejections: [],
    };
    const payload: Record<string, unknown> = {
      id,
      application_id: this.applicationId,
      token,
      version: 1,
      guild_id: this.guildId,
      guild: { id: this.guildId, locale: 'en-US', features: [] },
      channel_id: this.channelId,
      channel: this.channelPayload(),
      member: {
        user: { id: user.id, username: user.username, global_name: user.globalName ?? null, discriminator: '0', avatar: null, public_flags: 0 },
        roles,
        permissions: MEMBER_PERMISSIONS,
        joined_at: new Date(0).toISOString(),
        deaf: false,
        mute: false,
        flags: 0,
        pending: false,
        nick: null,
        avatar: null,
        banner: null,
        premium_since: null,
        communication_disabled_until: null,
      },
      app_permissions: MEMBER_PERMISSIONS,
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      // discord.js 14.28 reads this unconditionally; without it the interaction is dropped.
      authorizing_integration_owners: { '0': this.guildId },
      context: 0,
      attachment_size_limit: 10_485_760,
      ...this.interactionBody(spec, state),
    };
    this.interactions.set(id, state);
    this.byToken.set(token, state);
    this.dispatch(connection, 'INTERACTION_CREATE', payload);
    return { id, token };
  }

  private interactionBody(spec: InteractionSpec, state: InteractionState): Record<string, unknown> {
    switch (spec.kind) {
      case 'command':
        return { type: InteractionType.command, data: this.commandData(spec.name, spec.options ?? {}, undefined) };
      case 'autocomplete':
        return { type: InteractionType.autocomplete, data: this.commandData(spec.name, spec.options ?? {}, spec.focused) };
      case 'button': {
        const message = this.buttonMessage(spec.message ?? {});
        state.message = {
          content: message.content as string,
          embeds: message.embeds as APIEmbed[],
          components: message.components as VisibleMessage['components'],
          ephemeral: false,
          attachments: [],
        };
        return { type: InteractionType.component, data: { custom_id: spec.customId, component_type: 2 }, message };
      }
    }
  }

  /** Option types come from the registered command when there is one, else from the JS values. */
  private commandData(name: string, options: Record<string, OptionValue>, focused: string | undefined): Record<string, unknown> {
    const registered = this.registeredCommand(name);
    if (focused !== undefined && !(focused in options)) options = { ...options, [focused]: '' };
    const data = Object.entries(options).map(([optionName, value]) => {
      const declared = registered?.options?.find((option) => option.name === optionName);
      if (registered && !declared) throw new Error(`fake gateway: /${name} has no option "${optionName}"`);
      const isFocused = optionName === focused;
      return {
        name: optionName,
        type: declared?.type ?? optionTypeOf(value),
        // Discord sends the partial text of the focused option as a string, whatever its type.
        value: isFocused ? String(value) : value,
        ...(isFocused ? { focused: true } : {}),
      };
    });
    return { id: registered?.id ?? snowflake(), name, type: 1, guild_id: this.guildId, options: data };
  }

  private registeredCommand(name: string): RegisteredCommand | undefined {
    const latest = [...this.commandSets].reverse().find((set) => set.guildId === this.guildId);
    return latest?.commands.find((command) => command.name === name);
  }

  private buttonMessage(spec: ButtonMessageSpec): Record<string, unknown> {
    return {
      id: snowflake(),
      type: 0,
      channel_id: this.channelId,
      guild_id: this.guildId,
      application_id: this.applicationId,
      author: { ...this.botUser(), bot: true },
      content: spec.content ?? '',
      embeds: spec.embeds ?? [],
      components: spec.components ?? [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      flags: 0,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
    };
  }

  acknowledged(interactionId: string, timeoutMs = 10_000): Promise<number> {
    const state = this.interactions.get(interactionId);
    if (!state) return Promise.reject(new Error(`fake gateway: no interaction ${interactionId} was sent`));
    return this.waiters.wait(
      () => state.callbackType,
      timeoutMs,
      () => `fake gateway: interaction ${interactionId} was not acknowledged within ${timeoutMs} ms; refused: ${state.rejections.join(' | ') || 'nothing'}`,
    );
  }

  reply(interactionId: string, options: ReplyWaitOptions = {}): Promise<InteractionReply> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const state = this.interactions.get(interactionId);
    if (!state) return Promise.reject(new Error(`fake gateway: no interaction ${interactionId} was sent`));
    return this.waiters.wait(
      () => {
        if (!state.visible) return undefined;
        const reply = snapshot(state);
        return options.until === undefined || options.until(reply) ? reply : undefined;
      },
      timeoutMs,
      () => {
        const seen = state.callbackType === undefined ? 'no acknowledgement' : `callback type ${state.callbackType}, visible: ${state.visible}`;
        const refused = state.rejections.length > 0 ? `; refused: ${state.rejections.join(' | ')}` : '';
        return `fake gateway: interaction ${interactionId} (${state.kind}) got no matching answer within ${timeoutMs} ms (${seen}${refused})`;
      },
    );
  }

  rejections(interactionId: string): string[] {
    return [...(this.interactions.get(interactionId)?.rejections ?? [])];
  }

  // --- REST --------------------------------------------------------------------------------

  private addRoutes(): void {
    const app = this.applicationId;
    // Literal application ids keep other webhooks on fake-discord's own routes.
    const perToken = { bucket: (params: Record<string, string>) => `interaction-webhook:${params.token ?? ''}` };
    this.discord.addRoute('POST', '/interactions/:id/:token/callback', (context) => this.callback(context), { bucket: false });
    // @discordjs/rest sends `@original` percent-encoded; params arrive decoded.
    this.discord.addRoute('PATCH', `/webhooks/${app}/:token/messages/:message`, (context) => this.editOriginal(context), perToken);
    this.discord.addRoute('GET', `/webhooks/${app}/:token/messages/:message`, (context) => this.getOriginal(context), perToken);
    this.discord.addRoute('POST', `/webhooks/${app}/:token`, (context) => this.followUp(context), perToken);
    this.discord.addRoute('PUT', '/applications/:app/guilds/:guild/commands', (context) => this.putCommands(context));
    this.discord.addRoute('GET', '/applications/:app/guilds/:guild/commands', (context) => this.getCommands(context));
  }

  private refuse(state: InteractionState | undefined, response: RouteResponse, reason: string): RouteResponse {
    if (state) {
      state.rejections.push(`${response.status} ${reason}`);
      this.waiters.changed();
    }
    return response;
  }

  private callback(context: RouteContext): RouteResponse {
    const state = this.interactions.get(context.params.id ?? '');
    if (!state || state.token !== context.params.token) {
      return discordError(404, ErrorCode.unknownInteraction, 'Unknown interaction');
    }
    if (state.callbackType !== undefined) {
      return this.refuse(state, discordError(400, ErrorCode.alreadyAcknowledged, 'Interaction has already been acknowledged.'), 'acknowledged twice');
    }
    const late = Date.now() - state.sentAt;
    if (late > this.acknowledgeWithinMs) {
      return this.refuse(state, discordError(404, ErrorCode.unknownInteraction, 'Unknown interaction'), `acknowledged after ${late} ms`);
    }
    const body = isRecord(context.body) ? context.body : {};
    const type = body.type;
    if (typeof type !== 'number' || !CALLBACKS_BY_KIND[state.kind].includes(type)) {
      return this.refuse(state, invalidForm([`type: ${String(type)} is not valid for a ${state.kind} interaction`]), 'wrong callback type');
    }
    const outcome = this.applyCallback(state, type, body.data, context);
    if (outcome) return this.refuse(state, outcome, JSON.stringify(outcome.body));
    state.callbackType = type;
    this.waiters.changed();
    return { status: 204 };
  }

  /** Returns a refusal, or undefined once the state holds the acknowledgement's effect. */
  private applyCallback(state: InteractionState, type: number, data: unknown, context: RouteContext): RouteResponse | undefined {
    const flags = isRecord(data) && typeof data.flags === 'number' ? data.flags : 0;
    switch (type) {
      case CallbackType.autocompleteResult: {
        const choices = readChoices(data);
        if (!choices.ok) return choices.response;
        state.choices = choices.value;
        state.visible = true;
        return undefined;
      }
      case CallbackType.deferredMessage:
        state.message = { content: '', embeds: [], components: [], ephemeral: (flags & EPHEMERAL) !== 0, attachments: [] };
        return undefined;
      case CallbackType.deferredUpdate:
        return undefined;
      case CallbackType.message: {
        const patch = readMessagePatch(data);
        if (!patch.ok) return patch.response;
        const files = this.filesOf(data, context, []);
        if (!files.ok) return files.response;
        const message: VisibleMessage = {
          content: patch.value.content ?? '',
          embeds: files.embeds ?? [],
          components: patch.value.components ?? [],
          ephemeral: (flags & EPHEMERAL) !== 0,
          attachments: files.attachments,
        };
        if (isEmpty(message)) return discordError(400, ErrorCode.emptyMessage, 'Cannot send an empty message');
        state.message = message;
        state.visible = true;
        return undefined;
      }
      default: {
        const patch = readMessagePatch(data ?? {});
        if (!patch.ok) return patch.response;
        const files = this.filesOf(data, context, state.message.attachments);
        if (!files.ok) return files.response;
        const updated = applyPatch(state.message, patch.value, files);
        if (isEmpty(updated)) return discordError(400, ErrorCode.emptyMessage, 'Cannot send an empty message');
        state.message = updated;
        state.visible = true;
        return undefined;
      }
    }
  }

  private interactionByToken(context: RouteContext): InteractionState | undefined {
    return this.byToken.get(context.params.token ?? '');
  }

  /** Only the original answer can be edited or fetched here; follow-ups are recorded, not stored. */
  private originalOf(context: RouteContext): InteractionState | undefined {
    return context.params.message === '@original' ? this.interactionByToken(context) : undefined;
  }

  private editOriginal(context: RouteContext): RouteResponse {
    if (context.params.message !== '@original') return discordError(404, ErrorCode.unknownMessage, 'Unknown Message');
    const state = this.originalOf(context);
    if (!state || state.callbackType === undefined) return discordError(404, ErrorCode.unknownWebhook, 'Unknown Webhook');
    if (state.callbackType === CallbackType.autocompleteResult) {
      return this.refuse(state, discordError(404, ErrorCode.unknownMessage, 'Unknown Message'), 'edit after autocomplete');
    }
    const patch = readMessagePatch(context.body ?? {});
    if (!patch.ok) return this.refuse(state, patch.response, `edit: ${JSON.stringify(patch.response.body)}`);
    const files = this.filesOf(context.body, context, state.message.attachments);
    if (!files.ok) return this.refuse(state, files.response, `edit: ${JSON.stringify(files.response.body)}`);
    const updated = applyPatch(state.message, patch.value, files);
    if (isEmpty(updated)) return this.refuse(state, discordError(400, ErrorCode.emptyMessage, 'Cannot send an empty message'), 'empty edit');
    if (state.visible) state.edits += 1;
    state.message = updated;
    state.visible = true;
    this.waiters.changed();
    return { status: 200, body: this.apiMessage(state.id, updated) };
  }

  private getOriginal(context: RouteContext): RouteResponse {
    const state = this.originalOf(context);
    if (!state || !state.visible) return discordError(404, ErrorCode.unknownMessage, 'Unknown Message');
    return { status: 200, body: this.apiMessage(state.id, state.message) };
  }

  private followUp(context: RouteContext): RouteResponse {
    const state = this.interactionByToken(context);
    if (!state || state.callbackType === undefined) return discordError(404, ErrorCode.unknownWebhook, 'Unknown Webhook');
    const patch = readMessagePatch(context.body ?? {});
    if (!patch.ok) return this.refuse(state, patch.response, `follow-up: ${JSON.stringify(patch.response.body)}`);
    const files = this.filesOf(context.body, context, []);
    if (!files.ok) return this.refuse(state, files.response, `follow-up: ${JSON.stringify(files.response.body)}`);
    const message: VisibleMessage = {
      content: patch.value.content ?? '',
      embeds: files.embeds ?? [],
      components: patch.value.components ?? [],
      ephemeral: ((patch.value.flags ?? 0) & EPHEMERAL) !== 0,
      attachments: files.attachments,
    };
    if (isEmpty(message)) return this.refuse(state, discordError(400, ErrorCode.emptyMessage, 'Cannot send an empty message'), 'empty follow-up');
    state.followUps.push(message);
    this.waiters.changed();
    const wait = /^(true|1)$/i.test(context.query.get('wait') ?? '');
    return wait ? { status: 200, body: this.apiMessage(snowflake(), message) } : { status: 204 };
  }

  /** Files of an answer as for any message: at most 10, each `attachment://` naming one of them. */
  private filesOf(body: unknown, context: RouteContext, existing: readonly StoredAttachment[]): AnswerFiles | { ok: false; response: RouteResponse } {
    const files = messageFiles(isRecord(body) ? body : {}, context.files, existing, this.channelId);
    // The fake's embed type is Discord's embed as read from a body.
    return files.ok ? { ok: true, attachments: files.attachments, embeds: files.embeds as APIEmbed[] | undefined } : files;
  }

  private apiMessage(id: string, message: VisibleMessage): Record<string, unknown> {
    return {
      ...this.buttonMessage({ content: message.content, embeds: message.embeds, components: message.components }),
      attachments: message.attachments.map(({ data: _data, contentType, ...file }) => ({ ...file, content_type: contentType, proxy_url: file.url })),
      id,
      webhook_id: this.applicationId,
      flags: message.ephemeral ? EPHEMERAL : 0,
    };
  }

  private authorized(context: RouteContext): boolean {
    const header = context.headers.authorization ?? '';
    if (!header.startsWith('Bot ')) return false;
    return this.token === undefined || header === `Bot ${this.token}`;
  }

  private putCommands(context: RouteContext): RouteResponse {
    if (!this.authorized(context)) return discordError(401, 0, '401: Unauthorized');
    if (context.params.app !== this.applicationId || context.params.guild !== this.guildId) {
      return discordError(403, ErrorCode.missingAccess, 'Missing Access');
    }
    const checked = readCommands(context.body);
    if (!checked.ok) return checked.response;
    const previous = new Map(this.registeredSet()?.commands.map((command) => [command.name, command.id]));
    const commands = checked.value.map((command): RegisteredCommand => {
      const name = command.name as string;
      return {
        type: 1,
        default_member_permissions: null,
        nsfw: false,
        ...command,
        name,
        description: command.description as string,
        // Discord keeps a command's id when the set is replaced with one of the same name.
        id: previous.get(name) ?? snowflake(),
        application_id: this.applicationId,
        guild_id: this.guildId,
        version: snowflake(),
      };
    });
    this.commandSets.push({ applicationId: this.applicationId, guildId: this.guildId, commands });
    this.waiters.changed();
    return { status: 200, body: commands };
  }

  private getCommands(context: RouteContext): RouteResponse {
    if (!this.authorized(context)) return discordError(401, 0, '401: Unauthorized');
    return { status: 200, body: this.registeredSet()?.commands ?? [] };
  }

  private registeredSet(): CommandSet | undefined {
    return [...this.commandSets].reverse().find((set) => set.guildId === this.guildId);
  }

  // --- lifecycle ---------------------------------------------------------------------------

  private async close(): Promise<void> {
    this.waiters.failAll('fake gateway: closed while a test was still waiting');
    for (const { socket } of this.connections) socket.terminate();
    this.connections.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

interface AnswerFiles {
  ok: true;
  attachments: StoredAttachment[];
  /** The answer's embeds with `attachment://` resolved; undefined when it sent none. */
  embeds: APIEmbed[] | undefined;
}

function applyPatch(message: VisibleMessage, patch: MessagePatch, files: AnswerFiles): VisibleMessage {
  return {
    content: patch.content ?? message.content,
    embeds: files.embeds ?? message.embeds,
    components: patch.components ?? message.components,
    ephemeral: message.ephemeral,
    attachments: files.attachments,
  };
}

/** A file alone is a message. */
function isEmpty(message: VisibleMessage): boolean {
  return message.content.trim() === '' && message.embeds.length === 0 && message.components.length === 0 && message.attachments.length === 0;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * Adds the gateway and interaction routes to a running fake Discord. It shuts down with the fake
 * (`discord.close()`).
 */
export function attachFakeGateway(discord: FakeDiscord, options: FakeGatewayOptions = {}): FakeGateway {
  return new FakeGatewayServer(discord, options);
}
