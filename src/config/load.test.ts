import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load.js';
import { envName, scalarSettings } from './env-overrides.js';
import { configSchema } from './schema.js';

const WEBHOOK = 'https://discord.com/api/webhooks/123456789012345678/abcDEF-123_xyz';

function configFile(text: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'amcord-config-'));
  for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, name), content);
  const path = join(dir, 'amcord.yml');
  writeFileSync(path, text);
  return path;
}

function loadError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs on embedded defaults without a file: preview mode on port 9095', () => {
    const { config, source } = loadConfig({ env: {} });
    expect(source).toBe('embedded defaults');
    expect(config.server.port).toBe(9095);
    expect(config.server.max_body_bytes).toBe(1024 * 1024);
    expect(config.discord.webhook_url).toBeUndefined();
    expect(config.discord.request_timeout).toBe(10_000);
  });

  it('reads the file named by AMCORD_CONFIG and converts durations', () => {
    const path = configFile(`discord:\n  webhook_url: ${WEBHOOK}\n  delivery_timeout: 2m\nserver:\n  port: 9999\n`);
    const { config, secrets } = loadConfig({ env: { AMCORD_CONFIG: path } });
    expect(config.discord.webhook_url).toBe(WEBHOOK);
    expect(config.discord.delivery_timeout).toBe(120_000);
    expect(config.server.port).toBe(9999);
    expect(secrets).toContain(WEBHOOK);
  });

  it('names an unknown key and refuses it', () => {
    const path = configFile('server:\n  prot: 80\n');
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/Unrecognized key.*"prot"[\s\S]*server/);
  });

  it('names the key and the reason for a wrong value', () => {
    const path = configFile('server:\n  port: "eighty"\n');
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/server\.port/);
    const durationPath = configFile('discord:\n  delivery_timeout: soon\n');
    expect(loadError(() => loadConfig({ path: durationPath, env: {} }))).toMatch(/"soon" is not a duration[\s\S]*discord\.delivery_timeout/);
  });

  it('rejects a webhook URL of the wrong form without repeating it', () => {
    const path = configFile('discord:\n  webhook_url: https://example.invalid/hooks/secret-token-value\n');
    const message = loadError(() => loadConfig({ path, env: {} }));
    expect(message).toMatch(/discord\.webhook_url/);
    expect(message).toMatch(/<base>\/webhooks\/<id>\/<token>/);
    expect(message).not.toContain('secret-token-value');
  });

  it('substitutes ${VAR} in values and reports an unset one with its line', () => {
    const path = configFile('# comments may say ${ANYTHING}\nserver:\n  port: ${PORT}\n  host: "$${literal}"\ndiscord:\n  username: "${NAME}"\n');
    const { config } = loadConfig({ path, env: { PORT: '8123', NAME: '4242' } });
    expect(config.server).toMatchObject({ port: 8123, host: '${literal}' });
    expect(config.discord.username).toBe('4242');
    expect(loadError(() => loadConfig({ path, env: { NAME: 'x' } }))).toMatch(/amcord\.yml:3: \$\{PORT\} .* not set/);
  });

  it('never lets a substituted value change the shape of the file', () => {
    const path = configFile('discord:\n  username: ${NAME}\n');
    const { config } = loadConfig({ path, env: { NAME: 'x\nserver:\n  port: 1' } });
    expect(config.server.port).toBe(9095);
  });

  it('lets AMCORD_* variables override the file, typed by the schema', () => {
    const path = configFile('server:\n  port: 1000\n');
    const { config } = loadConfig({
      path,
      env: { AMCORD_SERVER_PORT: '2000', AMCORD_DISCORD_WEBHOOK_URL: WEBHOOK, AMCORD_LOG_LEVEL: 'debug' },
    });
    expect(config.server.port).toBe(2000);
    expect(config.discord.webhook_url).toBe(WEBHOOK);
    expect(config.log.level).toBe('debug');
  });

  it('refuses an AMCORD_ variable that names no setting, and a non-number for a number', () => {
    expect(loadError(() => loadConfig({ env: { AMCORD_SERVER_PROT: '1' } }))).toMatch(/AMCORD_SERVER_PROT is not an amcord setting/);
    expect(loadError(() => loadConfig({ env: { AMCORD_SERVER_PORT: 'x' } }))).toMatch(/AMCORD_SERVER_PORT: expected a number/);
  });

  it('reads *_file secrets relative to the config file and trims the newline', () => {
    const path = configFile('discord:\n  webhook_url_file: hook.txt\nserver:\n  auth:\n    bearer_token_file: token.txt\n', {
      'hook.txt': `${WEBHOOK}\n`,
      'token.txt': 's3cret-token\n',
    });
    const { config, secrets } = loadConfig({ path, env: {} });
    expect(config.discord.webhook_url).toBe(WEBHOOK);
    expect(config.server.auth.bearer_token).toBe('s3cret-token');
    expect(secrets).toEqual(expect.arrayContaining([WEBHOOK, 's3cret-token']));
  });

  it('reads the webhook URL of each named destination from its file', () => {
    const path = configFile('discord:\n  preview: true\ndestinations:\n  ops:\n    webhook_url_file: ops.txt\nroutes:\n  - matchers: [\'severity="critical"\']\n    destination: ops\n', {
      'ops.txt': `${WEBHOOK}\n`,
    });
    const { config, secrets } = loadConfig({ path, env: {} });
    expect(config.destinations.ops?.webhook_url).toBe(WEBHOOK);
    expect(config.routes[0]?.matchers).toEqual([{ name: 'severity', value: 'critical', isRegex: false, isEqual: true }]);
    expect(secrets).toContain(WEBHOOK);
  });

  it('refuses a secret given both inline and as a file, and a file that cannot be read', () => {
    const both = configFile(`discord:\n  webhook_url: ${WEBHOOK}\n  webhook_url_file: hook.txt\n`);
    expect(loadError(() => loadConfig({ path: both, env: {} }))).toMatch(/discord\.webhook_url: set webhook_url or webhook_url_file, not both/);
    const missing = configFile('discord:\n  webhook_url_file: nowhere.txt\n');
    expect(loadError(() => loadConfig({ path: missing, env: {} }))).toMatch(/discord\.webhook_url_file: cannot read nowhere\.txt \(ENOENT\)/);
  });

  it('takes the PostgreSQL URL from the environment or a file, and scrubs its password in every spelling', () => {
    const url = 'postgres://amcord:p%40ss%3Aw0rd@db.internal:5432/amcord';
    const fromEnv = loadConfig({ env: { AMCORD_STORAGE_POSTGRES_URL: url } });
    expect(fromEnv.config.storage.postgres.url).toBe(url);
    expect(fromEnv.secrets).toEqual(expect.arrayContaining([url, 'p%40ss%3Aw0rd', 'p@ss:w0rd']));

    const path = configFile('storage:\n  postgres:\n    url_file: pg-url\n', { 'pg-url': `${url}\n` });
    const fromFile = loadConfig({ path, env: {} });
    expect(fromFile.config.storage.postgres.url).toBe(url);
    expect(fromFile.secrets).toEqual(expect.arrayContaining([url, 'p@ss:w0rd']));
    expect(loadConfig({ env: { AMCORD_STORAGE_POSTGRES_URL_FILE: join(dirname(path), 'pg-url') } }).config.storage.postgres.url).toBe(url);
    expect(loadConfig({ env: {} }).config.storage.postgres.url).toBeUndefined();
  });

  it('refuses a PostgreSQL URL that is not one without repeating it', () => {
    const message = loadError(() => loadConfig({ env: { AMCORD_STORAGE_POSTGRES_URL: 'mysql://root:hunter2@db/amcord' } }));
    expect(message).toMatch(/must be a PostgreSQL URL[\s\S]*storage\.postgres\.url/);
    expect(message).not.toContain('hunter2');
  });

  it('needs a password for basic auth', () => {
    const path = configFile('server:\n  auth:\n    basic_auth:\n      username: am\n');
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/needs password or password_file[\s\S]*server\.auth\.basic_auth/);
  });

  it('reports YAML syntax errors and a missing file', () => {
    const path = configFile('server: [\n');
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/amcord\.yml: /);
    expect(loadError(() => loadConfig({ path: '/nonexistent/amcord.yml', env: {} }))).toMatch(/cannot read config file .* \(ENOENT\)/);
  });
});

describe('routes and destinations that would clash', () => {
  const destinations = `discord:\n  webhook_url: ${WEBHOOK}\ndestinations:\n  oncall: { webhook_url: "${WEBHOOK}" }\n`;

  it('refuses a route named "default": that name is the fallback route', () => {
    const path = configFile(`${destinations}routes:\n  - name: default\n    matchers: ['severity="critical"']\n    destination: oncall\n`);
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/"default" is reserved for the route that takes what no other route matches[^\n]*\n\s*→ at routes\[0\]\.name/);
  });

  it('refuses two routes with one name, naming both', () => {
    const path = configFile(
      `${destinations}routes:\n  - name: critical\n    matchers: ['severity="critical"']\n    destination: oncall\n` +
        `  - name: warning\n    matchers: ['severity="warning"']\n  - name: critical\n    matchers: ['team="db"']\n    destination: oncall\n`,
    );
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/"critical" is already the name of routes\[0\]\n\s*→ at routes\[2\]\.name/);
  });

  it('refuses a name that an unnamed route already has by its position', () => {
    const path = configFile(`${destinations}routes:\n  - matchers: ['severity="critical"']\n  - name: route-1\n    matchers: ['team="db"']\n`);
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/"route-1" is already the name of routes\[0\] \(a route without a name is called route-1\)\n\s*→ at routes\[1\]\.name/);
  });

  it('accepts a route that names the default destination, and routes with distinct names', () => {
    const path = configFile(`${destinations}routes:\n  - name: critical\n    matchers: ['severity="critical"']\n    destination: oncall\n  - matchers: ['team="db"']\n    destination: default\n`);
    const { config } = loadConfig({ path, env: {} });
    expect(config.routes.map((entry) => entry.destination)).toEqual(['oncall', 'default']);
  });

  it('refuses a route to a destination that does not exist, listing those that do', () => {
    const path = configFile(`${destinations}routes:\n  - matchers: ['severity="critical"']\n    destination: on-call\n`);
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/no destination named "on-call" \(known: default, oncall\)\n\s*→ at routes\[0\]\.destination/);
  });

  it('refuses a destination named "default"', () => {
    const path = configFile(`discord:\n  webhook_url: ${WEBHOOK}\ndestinations:\n  default: { webhook_url: "${WEBHOOK}" }\n`);
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/"default" is discord\.webhook_url; choose another name\n\s*→ at destinations\.default/);
  });

  it('refuses bot.channel_id without the bot, which would leave the alerts printed instead', () => {
    const path = configFile('bot:\n  channel_id: "345678901234567890"\n');
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/posting to a channel needs the bot \(bot\.enabled: true\)\n\s*→ at bot\.channel_id/);
  });
});

describe('a default destination that only prints', () => {
  const named = `destinations:\n  oncall: { webhook_url: "${WEBHOOK}" }\n`;
  const criticalRoute = `routes:\n  - matchers: ['severity="critical"']\n    destination: oncall\n`;

  it('is an error when named destinations send but what no route takes would only be printed', () => {
    const path = configFile(named + criticalRoute);
    const message = loadError(() => loadConfig({ path, env: {} }));
    expect(message).toMatch(/alerts no route takes would only be printed, never sent[\s\S]*discord\.preview: true[\s\S]*→ at discord\.webhook_url/);
    expect(message).not.toContain(WEBHOOK);
  });

  it('names the routes and the watchdog that would only be printed', () => {
    const path = configFile(`${named}watchdog:\n  enabled: true\nroutes:\n  - matchers: ['severity="critical"']\n    destination: oncall\n  - destination: default\n`);
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/routes\[1\] \(destination: default\) and the watchdog's messages would only be printed/);
  });

  it('is allowed with discord.preview: true, in the file or as AMCORD_DISCORD_PREVIEW', () => {
    expect(loadConfig({ path: configFile(`discord:\n  preview: true\n${named}${criticalRoute}`), env: {} }).config.discord.preview).toBe(true);
    expect(loadConfig({ path: configFile(named + criticalRoute), env: { AMCORD_DISCORD_PREVIEW: 'true' } }).config.discord.preview).toBe(true);
  });

  it('is no error when a route without matchers takes every alert and nothing names the default', () => {
    const path = configFile(`${named}routes:\n  - destination: oncall\n`);
    expect(loadConfig({ path, env: {} }).config.discord.webhook_url).toBeUndefined();
  });

  it('is plain preview mode without named destinations', () => {
    const path = configFile(`routes:\n  - matchers: ['severity="critical"']\n`);
    expect(loadConfig({ path, env: {} }).config.discord.preview).toBe(false);
  });

  it('refuses discord.preview together with a webhook, which it would contradict', () => {
    const path = configFile(`discord:\n  preview: true\n  webhook_url: ${WEBHOOK}\n`);
    expect(loadError(() => loadConfig({ path, env: {} }))).toMatch(/cannot be combined with discord\.webhook_url[\s\S]*→ at discord\.preview/);
  });

  it('counts the bot channel as the default destination', () => {
    const path = configFile(
      `${named}${criticalRoute}bot:\n  enabled: true\n  token: t\n  application_id: "123456789012345678"\n  guild_id: "234567890123456789"\n  channel_id: "345678901234567890"\n`,
    );
    expect(loadConfig({ path, env: {} }).config.bot.channel_id).toBe('345678901234567890');
  });
});

describe('environment variable names', () => {
  it('exist for every scalar setting, secrets files included', () => {
    const names = scalarSettings(configSchema).map((setting) => envName(setting.path));
    expect(names).toEqual(
      expect.arrayContaining([
        'AMCORD_SERVER_PORT',
        'AMCORD_SERVER_HOST',
        'AMCORD_DISCORD_WEBHOOK_URL',
        'AMCORD_DISCORD_WEBHOOK_URL_FILE',
        'AMCORD_SERVER_AUTH_BEARER_TOKEN',
        'AMCORD_SERVER_AUTH_BASIC_AUTH_PASSWORD_FILE',
        'AMCORD_LOG_LEVEL',
      ]),
    );
  });
});
