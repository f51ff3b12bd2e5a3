import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHART_SIZE, THRESHOLD_COLOR } from '../src/graphs/chart.js';
import { COLORS } from '../src/severity/severity.js';
import { countColor, decodePng, horizontalLines } from './graphs/png.js';
import { makeAlert, makePayload } from './support/payloads.js';
import { freePort, waitUntil } from './support/processes.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'alertmanager-0.25', 'webhook-group-firing.json');
/** A clean environment: no AMCORD_* from the developer's shell. */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AMCORD_')));

function run(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    input: options.input ?? '',
    encoding: 'utf8',
    env: { ...cleanEnv(), ...options.env },
    timeout: 20_000,
  });
}

function tempConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'amcord-cli-')), 'amcord.yml');
  writeFileSync(path, text);
  return path;
}

describe('amcord render', () => {
  it('prints the Discord message JSON for a payload on stdin', () => {
    const result = run(['render'], { input: readFileSync(FIXTURE, 'utf8') });
    expect(result.status).toBe(0);
    const messages = JSON.parse(result.stdout) as Array<{ embeds: Array<{ title: string }> }>;
    expect(messages[0]?.embeds[0]?.title).toBe('🟠 3 firing: DiskSpaceLow (warning)');
  });

  it('prints a readable form with --text', () => {
    const result = run(['render', '--text'], { input: readFileSync(FIXTURE, 'utf8') });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('🟠 3 firing: DiskSpaceLow (warning) [orange]');
  });

  it('renders with another shipped template by name, and refuses an unknown name', () => {
    const compact = run(['render', '--template', 'compact'], { input: readFileSync(FIXTURE, 'utf8') });
    expect(compact.status).toBe(0);
    const [message] = JSON.parse(compact.stdout) as Array<{ embeds: unknown[] }>;
    expect(message?.embeds).toHaveLength(1);
    const unknown = run(['render', '--template', 'fancy'], { input: readFileSync(FIXTURE, 'utf8') });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no template named "fancy"; there are: .*compact.*default|no template named "fancy"; there are: .*default.*compact/);
  });

  it('says what is wrong with input that is not a payload', () => {
    const notJson = run(['render'], { input: 'hello' });
    expect(notJson.status).toBe(1);
    expect(notJson.stderr).toMatch(/stdin is not JSON/);
    const notPayload = run(['render'], { input: '{"version":"4"}' });
    expect(notPayload.status).toBe(1);
    expect(notPayload.stderr).toMatch(/not an Alertmanager webhook payload[\s\S]*groupKey/);
  });

  describe('--png FILE', () => {
    const expression = '100 * (1 - node_filesystem_avail_bytes / node_filesystem_size_bytes) > 90';
    const payload = JSON.stringify(
      makePayload([
        makeAlert({
          labels: { alertname: 'DiskAlmostFull', instance: 'nas:9100', severity: 'critical' },
          startsAt: new Date(Date.now() - 20 * 60_000).toISOString(),
          generatorURL: `http://prometheus:9090/graph?g0.expr=${encodeURIComponent(expression)}&g0.tab=1`,
        }),
      ]),
    );

    it('writes the picture from sample series when no Prometheus is configured, and says so', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'amcord-png-')), 'graph.png');
      const result = run(['render', '--png', file], { input: payload });
      expect(result.status).toBe(0);
      expect(result.stderr).toBe(`amcord render: picture written to ${file} from sample series: no Prometheus is configured\n`);
      expect(JSON.parse(result.stdout)).toHaveLength(1);
      const picture = decodePng(readFileSync(file));
      expect({ width: picture.width, height: picture.height }).toEqual(CHART_SIZE);
      // The series in the critical colour, and the threshold drawn across the chart.
      expect(countColor(picture, COLORS.critical)).toBeGreaterThan(500);
      expect(horizontalLines(picture, THRESHOLD_COLOR, 0.3).length).toBeGreaterThan(0);
    });

    it('falls back to sample series when the configured Prometheus cannot be asked', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'amcord-png-')), 'graph.png');
      const result = run(['render', '--png', file], { input: payload, env: { AMCORD_PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}` } });
      expect(result.status).toBe(0);
      expect(result.stderr).toBe(`amcord render: picture written to ${file} from sample series: Prometheus could not be asked\n`);
    });

    it('refuses alerts that name no expression', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'amcord-png-')), 'graph.png');
      const result = run(['render', '--png', file], { input: readFileSync(FIXTURE, 'utf8') });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/no picture: the alerts do not say which expression they come from/);
    });
  });
});

describe('amcord check-config', () => {
  it('accepts a valid file and says which mode it gives', () => {
    const path = tempConfig('discord:\n  webhook_url: https://discord.com/api/webhooks/1234567890123456789/tok-en\n');
    const result = run(['check-config', '--config', path]);
    expect(result.stdout).toMatch(/configuration OK .* delivers to a Discord webhook/);
    expect(result.status).toBe(0);
  });

  it('exits non-zero naming the key and the reason', () => {
    const result = run(['check-config'], { env: { AMCORD_CONFIG: tempConfig('server:\n  port: 70000\n') } });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/server\.port/);
    expect(result.stderr).toMatch(/65535/);
  });

  it('refuses a broken template, naming its file and line', () => {
    const path = tempConfig('templates:\n  dir: mine\n');
    const dir = join(path, '..', 'mine');
    mkdirSync(dir);
    writeFileSync(join(dir, 'default.yml'), 'firing:\n  embeds:\n    - title: "{{ group.nmae }}"\n      alerts: firing\n      item: "{{ alert.headline }}"\n');
    const result = run(['check-config', '--config', path]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/default\.yml:3:\d+: .*unknown variable "group\.nmae"/);
  });

  it('refuses routes that clash by name, naming the key', () => {
    const webhook = 'https://discord.com/api/webhooks/1234567890123456789/tok-en';
    const path = tempConfig(
      `discord:\n  webhook_url: ${webhook}\nroutes:\n  - name: critical\n    matchers: ['severity="critical"']\n` +
        `  - name: default\n    matchers: ['team="db"']\n  - name: critical\n    matchers: ['team="web"']\n`,
    );
    const result = run(['check-config', '--config', path]);
    expect(result.status).toBe(1);
    expect(result.stdout).not.toMatch(/configuration OK/);
    expect(result.stderr).toMatch(/"default" is reserved for the route that takes what no other route matches[^\n]*\n\s*→ at routes\[1\]\.name/);
    expect(result.stderr).toMatch(/"critical" is already the name of routes\[0\]\n\s*→ at routes\[2\]\.name/);
  });

  const namedOnly = `destinations:\n  oncall: { webhook_url: "https://discord.com/api/webhooks/1234567890123456789/tok-en" }\nroutes:\n  - matchers: ['severity="critical"']\n    destination: oncall\n`;

  it('refuses named destinations without a default one, since unmatched alerts would only be printed', () => {
    const result = run(['check-config', '--config', tempConfig(namedOnly)]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/alerts no route takes would only be printed, never sent[\s\S]*→ at discord\.webhook_url/);
  });

  it('says plainly that unmatched alerts are only printed when discord.preview allows it', () => {
    const result = run(['check-config', '--config', tempConfig(`discord:\n  preview: true\n${namedOnly}`)]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/configuration OK .*: routes deliver to oncall; .*alerts no route takes are only printed on stdout, not sent to Discord/);
    expect(result.stdout).not.toMatch(/delivers to a Discord webhook/);
  });

  it('refuses an unknown command', () => {
    const result = run(['frobnicate']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unknown command "frobnicate"/);
  });
});

describe('amcord serve with no configuration', () => {
  it('starts in preview mode, prints what it would send, and stops cleanly on SIGTERM', async () => {
    // The captured alerts started long ago, so their group flushes at once instead of after group_wait.
    const port = await freePort();
    const child = spawn(process.execPath, [CLI], {
      env: {
        ...cleanEnv(),
        AMCORD_SERVER_PORT: String(port),
        AMCORD_SERVER_HOST: '127.0.0.1',
        AMCORD_LOG_FORMAT: 'json',
        AMCORD_DATA_DIR: mkdtempSync(join(tmpdir(), 'amcord-cli-data-')),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUntil(() => stdout.includes('amcord is listening in preview mode'), { timeoutMs: 15_000, description: 'amcord to start' });
      const response = await fetch(`http://127.0.0.1:${port}/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: readFileSync(FIXTURE, 'utf8'),
      });
      expect(response.status).toBe(200);
      await waitUntil(() => stdout.includes('3 firing: DiskSpaceLow'), { timeoutMs: 5_000, description: 'the preview' });
      expect(stdout).toContain('Disk almost full on registry:9100');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain('amcord stopped');
  });
});

describe('amcord serve with named destinations and discord.preview', () => {
  it('warns at start that what no route takes is only printed', async () => {
    const port = await freePort();
    const path = tempConfig(
      'discord:\n  preview: true\ndestinations:\n  oncall: { webhook_url: "http://127.0.0.1:9/api/webhooks/1234567890123456789/tok-en" }\n' +
        "routes:\n  - matchers: ['severity=\"critical\"']\n    destination: oncall\n",
    );
    const child = spawn(process.execPath, [CLI, '--config', path], {
      env: { ...cleanEnv(), AMCORD_SERVER_PORT: String(port), AMCORD_SERVER_HOST: '127.0.0.1', AMCORD_LOG_FORMAT: 'json', AMCORD_DATA_DIR: mkdtempSync(join(tmpdir(), 'amcord-cli-data-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitUntil(() => stdout.includes('only printed on stdout'), { timeoutMs: 15_000, description: 'the start-up warning' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const warning = stdout.split('\n').find((line) => line.includes('only printed on stdout')) ?? '';
    expect(JSON.parse(warning)).toMatchObject({ level: 40, msg: expect.stringMatching(/alerts no route takes are only printed on stdout, not sent to Discord/) as unknown });
  });
});
