#!/usr/bin/env node
import { constants } from 'node:os';
import { text as readAll } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type LoadedConfig } from './config/load.js';
import { writeFileSync } from 'node:fs';
import { webhookPayloadSchema, type WebhookPayload } from './alertmanager/webhook.js';
import { anyGrapherFor } from './app/graphs.js';
import { graphsOffReason, payloadGraphRequest, pictureOrSample } from './graphs/picture-or-sample.js';
import { systemClock } from './util/sleep.js';
import { DEFAULT_DESTINATION, deliverySummary } from './delivery/destinations.js';
import { createLogger } from './log/logger.js';
import { startAmcord } from './main.js';
import { readableMessage } from './render/readable.js';
import { renderPayload, TemplateError } from './render/render.js';
import { resolveRenderSettings } from './render/settings.js';
import { resolveRoutes } from './routing/routes.js';
import { z } from 'zod';

const USAGE = `Usage: amcord [command] [--config PATH]

Commands:
  serve                 receive Alertmanager webhooks and deliver them to Discord (default)
  check-config          validate the configuration and exit
  register-commands     register the bot's slash commands with the guild (bot.*)
  render [--text] [--template NAME] [--png FILE]
                        read a webhook payload on stdin and print the Discord message(s);
                        --png also writes the message's picture (from sample series when
                        Prometheus cannot be asked)

Options:
  -c, --config PATH     YAML configuration file (or AMCORD_CONFIG); without one amcord
                        runs on its embedded defaults, in preview mode
  -h, --help            show this help

Every setting can also be given as an environment variable: AMCORD_ + its path in
upper snake case, e.g. discord.webhook_url -> AMCORD_DISCORD_WEBHOOK_URL.`;

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * Every command stops on SIGTERM or SIGINT, whoever sends them: in a container amcord is PID 1,
 * where a signal without a handler is ignored, and nothing else would end a command that waits
 * on stdin or the network. The first signal runs the command's graceful stop, if it has one; a
 * command without one, or a second signal while the stop is slow, exits at once.
 */
class StopOnSignal {
  private graceful: ((signal: StopSignal) => Promise<void>) | undefined;
  private stopping = false;

  constructor() {
    for (const signal of STOP_SIGNALS) process.on(signal, () => this.received(signal));
  }

  /** From now on the first signal runs `stop`, then exits 0 (1 if it fails). */
  stopGracefullyWith(stop: (signal: StopSignal) => Promise<void>): void {
    this.graceful = stop;
  }

  private received(signal: StopSignal): void {
    if (this.stopping) process.stderr.write(`amcord: ${signal} again, exiting without finishing the shutdown\n`);
    // 128 + the signal's number, as a shell reports a process the signal ended.
    if (this.stopping || !this.graceful) process.exit(128 + constants.signals[signal]);
    this.stopping = true;
    this.graceful(signal).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  }
}

type Command = (loaded: LoadedConfig, flags: { text: boolean; template: string | undefined; png: string | undefined }, signals: StopOnSignal) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  serve: async (loaded, _flags, signals) => {
    const amcord = await startAmcord(loaded);
    signals.stopGracefullyWith((signal) => {
      amcord.logger.info({ signal }, 'shutting down');
      return amcord.close();
    });
    return new Promise<number>(() => undefined);
  },

  'check-config': (loaded) => {
    // The same resolution serve makes: every template compiles, every name used exists.
    const { templates } = resolveRenderSettings(loaded, resolveRoutes(loaded.config));
    process.stdout.write(`configuration OK (${loaded.source}): ${deliverySummary(loaded.config)}; templates: ${[...templates.templates.keys()].join(', ')}\n`);
    return Promise.resolve(0);
  },

  'register-commands': async (loaded) => {
    const logger = createLogger({ level: loaded.config.log.level, format: loaded.config.log.format, secrets: loaded.secrets });
    const { registerCommands } = await import('./bot/index.js');
    const names = await registerCommands({ config: loaded.config, logger });
    process.stdout.write(`registered ${names.length} commands in guild ${loaded.config.bot.guild_id ?? '?'}: ${names.map((name) => `/${name}`).join(', ')}\n`);
    return 0;
  },

  render: async (loaded, flags) => {
    let input: unknown;
    try {
      // Read without blocking the event loop, so SIGTERM and SIGINT are handled while waiting.
      input = JSON.parse(await readAll(process.stdin));
    } catch (error) {
      process.stderr.write(`amcord render: stdin is not JSON: ${(error as Error).message}\n`);
      return 1;
    }
    const parsed = webhookPayloadSchema.safeParse(input);
    if (!parsed.success) {
      process.stderr.write(`amcord render: not an Alertmanager webhook payload:\n${z.prettifyError(parsed.error)}\n`);
      return 1;
    }
    const settings = resolveRenderSettings(loaded, resolveRoutes(loaded.config), flags.template ? [flags.template] : []);
    const look = settings.lookFor(DEFAULT_DESTINATION);
    // Printed as a list of messages, the shape of earlier releases' output.
    const { message } = renderPayload(parsed.data, { ...look, template: flags.template ?? look.template, templates: settings.templates });
    const text = flags.text ? readableMessage(message) : JSON.stringify([message], null, 2);
    process.stdout.write(`${text}\n`);
    return flags.png === undefined ? 0 : writePicture(loaded, parsed.data, flags.png);
  },
};

/** `render --png FILE`: the payload's picture, from Prometheus when graphs are on and it answers. */
async function writePicture(loaded: LoadedConfig, payload: WebhookPayload, file: string): Promise<number> {
  const request = payloadGraphRequest(payload);
  const { config } = loaded;
  const grapher = anyGrapherFor(config, systemClock);
  const shown = request && (await pictureOrSample(grapher, request, graphsOffReason(config)));
  if (!shown) {
    process.stderr.write('amcord render: no picture: the alerts do not say which expression they come from, or it cannot be read\n');
    return 1;
  }
  writeFileSync(file, shown.picture.png);
  process.stderr.write(`amcord render: picture written to ${file}${shown.sampled ? ` from sample series: ${shown.sampled}` : ''}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const signals = new StopOnSignal();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        text: { type: 'boolean', default: false },
        template: { type: 'string' },
        png: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`amcord: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [name = 'serve', ...extra] = parsed.positionals;
  const command = COMMANDS[name];
  if (!command || extra.length > 0) {
    process.stderr.write(`amcord: unknown command "${[name, ...extra].join(' ')}"\n\n${USAGE}\n`);
    return 2;
  }
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ path: parsed.values.config });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`amcord: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  try {
    return await command(loaded, { text: parsed.values.text, template: parsed.values.template, png: parsed.values.png }, signals);
  } catch (error) {
    if (error instanceof TemplateError) {
      process.stderr.write(`amcord: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`amcord: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
