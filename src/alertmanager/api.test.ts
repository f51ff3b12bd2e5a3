import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProcess, startAlertmanager } from '../../test/support/processes.js';
import { AlertmanagerClient, AlertmanagerError, silenceLink } from './api.js';
import { MatcherParseError } from './matchers.js';

const HOUR_MS = 3_600_000;

async function rejection(promise: Promise<unknown>): Promise<AlertmanagerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AlertmanagerError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('AlertmanagerClient against a real Alertmanager', () => {
  let alertmanager: RunningProcess;
  let client: AlertmanagerClient;

  beforeAll(async () => {
    alertmanager = await startAlertmanager({
      config: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
    });
    client = new AlertmanagerClient({ baseUrl: `${alertmanager.url}/`, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await alertmanager?.stop();
  });

  it('reads the status', async () => {
    const status = await client.getStatus();
    expect(status.versionInfo.version).toMatch(/^0\.\d+\.\d+/);
    expect(status.cluster.status).toBe('disabled');
    expect(status.uptime).toBeInstanceOf(Date);
    expect(status.config.original).toContain('receiver: "null"');
  });

  it('silences an alert, reports it silenced, and expires the silence', async () => {
    const now = Date.now();
    const silenceId = await client.createSilence({
      matchers: '{alertname="DiskFull",instance=~"db-.*"}',
      startsAt: new Date(now),
      endsAt: new Date(now + HOUR_MS),
      createdBy: 'api.test',
      comment: 'maintenance',
    });
    expect(silenceId).toMatch(/^[0-9a-f-]{36}$/);

    const silences = await client.getSilences(['alertname="DiskFull"']);
    expect(silences).toHaveLength(1);
    const silence = silences[0];
    expect(silence).toMatchObject({
      id: silenceId,
      status: { state: 'active' },
      createdBy: 'api.test',
      comment: 'maintenance',
      matchers: [
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
      ],
    });
    expect(silence?.endsAt.getTime()).toBe(now + HOUR_MS);
    expect(await client.getSilences(['alertname="SomethingElse"'])).toEqual([]);

    await client.postAlerts([
      { labels: { alertname: 'DiskFull', instance: 'db-1' }, annotations: { summary: 'disk full' } },
      { labels: { alertname: 'DiskFull', instance: 'web-1' } },
    ]);

    const alerts = await client.getAlerts({ filter: ['alertname=DiskFull'] });
    const byInstance = new Map(alerts.map((alert) => [alert.labels['instance'], alert]));
    expect(byInstance.get('db-1')?.status).toEqual({ state: 'suppressed', silencedBy: [silenceId], inhibitedBy: [] });
    expect(byInstance.get('db-1')?.annotations).toEqual({ summary: 'disk full' });
    expect(byInstance.get('db-1')?.receivers).toEqual([{ name: 'null' }]);
    expect(byInstance.get('db-1')?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(byInstance.get('web-1')?.status.state).toBe('active');

    const notSilenced = await client.getAlerts({
      silenced: false,
      filter: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
    });
    expect(notSilenced.map((alert) => alert.labels['instance'])).toEqual(['web-1']);

    await client.expireSilence(silenceId);
    const [expired] = await client.getSilences(['alertname="DiskFull"']);
    expect(expired?.status.state).toBe('expired');
    const afterExpiry = await client.getAlerts({ filter: ['alertname="DiskFull"', 'instance="db-1"'] });
    expect(afterExpiry.map((alert) => alert.status.state)).toEqual(['active']);

    // Expiring twice is harmless, which makes a retried button click safe.
    await client.expireSilence(silenceId);
  });

  it('updates a silence when given its id', async () => {
    const now = Date.now();
    const id = await client.createSilence({
      matchers: [{ name: 'job', value: 'backup', isRegex: false, isEqual: true }],
      startsAt: new Date(now),
      endsAt: new Date(now + HOUR_MS),
      createdBy: 'api.test',
      comment: 'first',
    });
    const updatedId = await client.createSilence({
      id,
      matchers: 'job="backup"',
      startsAt: new Date(now),
      endsAt: new Date(now + 2 * HOUR_MS),
      createdBy: 'api.test',
      comment: 'extended',
    });
    const silences = await client.getSilences(['job="backup"']);
    const current = silences.find((silence) => silence.id === updatedId);
    expect(current?.comment).toBe('extended');
    expect(current?.endsAt.getTime()).toBe(now + 2 * HOUR_MS);
  });

  it('surfaces a silence ending in the past as a readable HTTP error', async () => {
    const now = Date.now();
    const error = await rejection(
      client.createSilence({
        matchers: 'alertname="Past"',
        startsAt: new Date(now - 2 * HOUR_MS),
        endsAt: new Date(now - HOUR_MS),
        createdBy: 'api.test',
        comment: 'too late',
      }),
    );
    expect(error.kind).toBe('http');
    expect(error.status).toBe(400);
    expect(error.detail).toMatch(/end time/);
    expect(error.message).toBe(
      `Alertmanager at ${alertmanager.url} answered POST /api/v2/silences with HTTP 400: ${error.detail}`,
    );
  });

  it('surfaces a matcher that matches everything as a readable HTTP error', async () => {
    const now = Date.now();
    const error = await rejection(
      client.createSilence({
        matchers: 'alertname=~".*"',
        startsAt: new Date(now),
        endsAt: new Date(now + HOUR_MS),
        createdBy: 'api.test',
        comment: 'everything',
      }),
    );
    expect(error.status).toBe(400);
    expect(error.detail).toContain('at least one matcher must not match the empty string');
  });

  it('reports validation errors from the API framework with their message', async () => {
    const error = await rejection(client.expireSilence('not-a-uuid'));
    expect(error.kind).toBe('http');
    expect(error.status).toBe(422);
    expect(error.detail).toContain('silenceID in path must be of type uuid');
  });

  it('throws MatcherParseError for malformed matcher text before any request', async () => {
    await expect(client.getAlerts({ filter: ['alertname=="x"'] })).rejects.toBeInstanceOf(MatcherParseError);
  });
});

describe('AlertmanagerClient failures', () => {
  let silentServer: Server;
  let silentUrl: string;

  beforeAll(async () => {
    // Accepts connections and never answers: what a hung Alertmanager looks like.
    silentServer = createServer(() => undefined);
    await new Promise<void>((resolve) => silentServer.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silentServer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    silentServer.closeAllConnections();
    await new Promise((resolve) => silentServer.close(resolve));
  });

  it('reports an unreachable Alertmanager', async () => {
    const port = await freePort();
    const client = new AlertmanagerClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await rejection(client.getStatus());
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain(`Alertmanager at http://127.0.0.1:${port} is unreachable (GET /api/v2/status)`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('Check the URL and that Alertmanager is running.');
  });

  it('reports a timeout in words', async () => {
    const client = new AlertmanagerClient({ baseUrl: silentUrl, timeoutMs: 300 });
    const error = await rejection(client.getAlerts());
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(`Alertmanager at ${silentUrl} did not answer within 0.3 s (GET /api/v2/alerts).`);
  });

  it('reports a response of the wrong shape', async () => {
    const client = new AlertmanagerClient({
      baseUrl: 'http://alertmanager.invalid:9093',
      fetch: () => Promise.resolve(Response.json([{ labels: {} }])),
    });
    const error = await rejection(client.getAlerts());
    expect(error.kind).toBe('invalid-response');
    expect(error.message).toMatch(
      /^Alertmanager at http:\/\/alertmanager\.invalid:9093 sent an unexpected response to GET \/api\/v2\/alerts: 0\.startsAt: /,
    );
  });

  it('reports a body that is not JSON', async () => {
    const client = new AlertmanagerClient({
      baseUrl: 'http://alertmanager.invalid:9093',
      fetch: () => Promise.resolve(new Response('<html>proxy login</html>', { status: 200 })),
    });
    const error = await rejection(client.getStatus());
    expect(error.kind).toBe('invalid-response');
    expect(error.detail).toBe('body is not JSON: <html>proxy login</html>');
  });

  it('sends configured headers and turns URL credentials into a header kept out of messages', async () => {
    const seen: { url: string; headers: Headers }[] = [];
    const client = new AlertmanagerClient({
      baseUrl: 'http://bot:s3cret@alertmanager.invalid:9093/am/',
      headers: { 'x-scope-orgid': 'home' },
      fetch: (input, init) => {
        seen.push({ url: String(input), headers: new Headers(init?.headers) });
        return Promise.resolve(new Response('"nope"', { status: 500 }));
      },
    });
    const error = await rejection(client.getAlerts({ active: true, filter: ['a="1"', 'b=~"2|3"'] }));

    expect(seen[0]?.url).toBe(
      'http://alertmanager.invalid:9093/am/api/v2/alerts?active=true&filter=a%3D%221%22&filter=b%3D%7E%222%7C3%22',
    );
    expect(seen[0]?.headers.get('authorization')).toBe(`Basic ${Buffer.from('bot:s3cret').toString('base64')}`);
    expect(seen[0]?.headers.get('x-scope-orgid')).toBe('home');
    expect(error.message).toBe(
      'Alertmanager at http://alertmanager.invalid:9093/am answered GET /am/api/v2/alerts with HTTP 500: nope',
    );
    expect(error.message).not.toContain('s3cret');
  });

  it('rejects a base URL that is not http(s)', () => {
    expect(() => new AlertmanagerClient({ baseUrl: 'alertmanager:9093' })).toThrow(/only http and https/);
    expect(() => new AlertmanagerClient({ baseUrl: 'not a url' })).toThrow(/Invalid base URL/);
  });
});

describe('silenceLink', () => {
  it('prefills the new-silence form with the matchers', () => {
    const link = silenceLink('http://am.example:9093/', [
      { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
      { name: 'instance', value: 'db-.*', isRegex: true, isEqual: true },
    ]);
    expect(link).toBe(
      'http://am.example:9093/#/silences/new?filter=%7Balertname%3D%22DiskFull%22%2Cinstance%3D~%22db-.*%22%7D',
    );
    expect(decodeURIComponent(link.split('filter=')[1] ?? '')).toBe('{alertname="DiskFull",instance=~"db-.*"}');
  });

  it('keeps a path prefix and accepts matcher text', () => {
    expect(silenceLink('https://example.org/alertmanager', 'severity!=info')).toBe(
      'https://example.org/alertmanager/#/silences/new?filter=%7Bseverity!%3D%22info%22%7D',
    );
  });

  it('refuses malformed matcher text', () => {
    expect(() => silenceLink('http://am', 'severity')).toThrow(MatcherParseError);
  });
});
