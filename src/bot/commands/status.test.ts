import { beforeEach, describe, expect, it } from 'vitest';
import { fakeClients, firingAlert, NOW, sample, target } from '../../../test/bot/fakes.js';
import { limitViolations } from '../../discord/limits.js';
import type { DiscordEmbed } from '../../discord/types.js';
import { COLORS } from '../../severity/severity.js';
import { nodeChoices } from '../views/status/node-detail.js';
import { DASHBOARD_QUERIES, nodeQueries, OVERVIEW_QUERIES } from '../views/status/queries.js';
import { GraphUnavailableError } from '../../graphs/alert-graph.js';
import type { DashboardRequest, Grapher } from '../../graphs/grapher.js';
import { statusReply } from './status.js';

let clients: ReturnType<typeof fakeClients>;

function answerNode(instance: string, nodename: string, cpu: number, memory: number, disk: number, mountpoint = '/'): void {
  const add = (query: string, metric: Record<string, string>, value: number): void => {
    clients.prometheus.answer(query, [...(clients.prometheus.answers.get(query) ?? []), sample({ instance, ...metric }, value)]);
  };
  add(OVERVIEW_QUERIES.nodes, { nodename }, 1);
  add(OVERVIEW_QUERIES.cpu, {}, cpu);
  add(OVERVIEW_QUERIES.memory, {}, memory);
  add(OVERVIEW_QUERIES.fullestFilesystem, { mountpoint }, disk);
}

function text(embed: DiscordEmbed | undefined): string {
  return [embed?.title, embed?.description, ...(embed?.fields ?? []).flatMap((field) => [field.name, field.value]), embed?.footer?.text].join('\n');
}

beforeEach(() => {
  clients = fakeClients();
  clients.prometheus.scrapeTargets = [target('node', 'gw1:9100'), target('node', 'nas:9100'), target('blackbox', 'https://example.org', 'down')];
  answerNode('gw1:9100', 'gw1', 12.4, 52.2, 71.6, '/var');
  answerNode('nas:9100', 'nas', 3, 20, 93);
  clients.alertmanager.alerts = [
    firingAlert({ alertname: 'DiskAlmostFull', instance: 'nas:9100', severity: 'warning' }),
    firingAlert({ alertname: 'SiteDown', instance: 'https://example.org', severity: 'critical' }),
    firingAlert({ alertname: 'Muted', severity: 'critical' }, { status: { state: 'suppressed', silencedBy: ['s'], inhibitedBy: [] } }),
  ];
});

describe('/status overview', () => {
  it('draws targets, alerts and one bar panel per node, busiest first', async () => {
    const reply = await statusReply({}, clients, NOW);
    expect(limitViolations(reply)).toEqual([]);
    const embed = reply.embeds?.[0];
    expect(embed?.title).toBe('🔴 Status: needs attention');
    expect(embed?.description).toBe('**2** nodes · **2/3** targets up · **2** alerts firing');
    expect(embed?.fields?.map((field) => field.name)).toEqual(['Targets', 'Alerts', '🖥️ nas · `nas:9100`', '🖥️ gw1 · `gw1:9100`']);
    expect(embed?.fields?.[0]?.value).toBe('❌ blackbox 0/1 · down: https://example.org\n✅ node 2/2');
    expect(embed?.fields?.[1]?.value).toBe('🔴 **SiteDown** `https://example.org`\n🟠 **DiskAlmostFull** `nas:9100`\n🔕 1 silenced or inhibited');
    expect(embed?.fields?.[3]?.value).toBe('```\nCPU  ▰▱▱▱▱▱▱▱▱▱ 12%\nMEM  ▰▰▰▰▰▱▱▱▱▱ 52%\nDISK ▰▰▰▰▰▰▰▱▱▱ 72% /var\n```');
    expect(embed?.timestamp).toBe(NOW.toISOString());
  });

  it('ranks alerts as the channel does: severity=high is critical, and the status says so', async () => {
    clients.prometheus.scrapeTargets = [target('node', 'gw1:9100'), target('node', 'nas:9100')];
    clients.alertmanager.alerts = [
      firingAlert({ alertname: 'DiskAlmostFull', instance: 'nas:9100', severity: 'warning' }),
      firingAlert({ alertname: 'ApiErrors', instance: 'api-1', severity: 'high' }),
    ];
    const embed = (await statusReply({}, clients, NOW)).embeds?.[0];
    expect(embed?.title).toBe('🔴 Status: needs attention');
    expect(embed?.color).toBe(COLORS.critical);
    expect(embed?.fields?.[1]?.value).toBe('🔴 **ApiErrors** `api-1`\n🟠 **DiskAlmostFull** `nas:9100`');
  });

  it('shows pods and Proxmox guests only when their metrics exist', async () => {
    expect(text((await statusReply({}, clients, NOW)).embeds?.[0])).not.toMatch(/Kubernetes|Proxmox/);

    clients.prometheus
      .answer(OVERVIEW_QUERIES.podPhases, [sample({ phase: 'Running' }, 41), sample({ phase: 'Pending' }, 1), sample({ phase: 'Failed' }, 2), sample({ phase: 'Succeeded' }, 0)])
      .answer(OVERVIEW_QUERIES.crashLooping, [sample({}, 1)])
      .answer(OVERVIEW_QUERIES.proxmoxUp, [
        sample({ id: 'node/pve1' }, 1),
        sample({ id: 'qemu/100' }, 1),
        sample({ id: 'lxc/101' }, 0),
        sample({ id: 'storage/pve1/local' }, 1),
      ])
      .answer(OVERVIEW_QUERIES.proxmoxGuests, [sample({ id: 'lxc/101', name: 'pihole' }, 1)]);
    const fields = (await statusReply({}, clients, NOW)).embeds?.[0]?.fields ?? [];
    expect(fields.find((field) => field.name === 'Kubernetes pods')?.value).toBe('✅ 41 running\n⏳ 1 pending\n❌ 2 failed\n🔁 1 crash-looping');
    expect(fields.find((field) => field.name === 'Proxmox')?.value).toBe('🖥️ 1 node up\n✅ 1 guest running\n⏹️ 1 stopped: pihole');
  });

  it('names Prometheus when it is down and still shows the alerts', async () => {
    clients.prometheus.failure = new Error('Prometheus at http://prom:9090 is unreachable (GET /api/v1/query): ECONNREFUSED.');
    const reply = await statusReply({}, clients, NOW);
    const embed = reply.embeds?.[0];
    expect(limitViolations(reply)).toEqual([]);
    expect(embed?.title).toBe('⚠️ Status: incomplete');
    expect(embed?.description).toBe(
      '**2** alerts firing\n⚠️ Prometheus is unavailable, so its part is missing: Prometheus at http://prom:9090 is unreachable (GET /api/v1/query): ECONNREFUSED.',
    );
    expect(embed?.fields?.map((field) => field.name)).toEqual(['Alerts']);
  });

  it('names Alertmanager when it is down and still shows the servers', async () => {
    clients.alertmanager.failure = new Error('Alertmanager at http://am:9093 did not answer within 5 s (GET /api/v2/alerts).');
    const embed = (await statusReply({}, clients, NOW)).embeds?.[0];
    expect(embed?.description).toContain('⚠️ Alertmanager is unavailable, so its part is missing: Alertmanager at http://am:9093 did not answer within 5 s');
    expect(embed?.fields?.map((field) => field.name)).toEqual(['Targets', '🖥️ nas · `nas:9100`', '🖥️ gw1 · `gw1:9100`']);
  });

  it('says so when there is no node_exporter, and is green when all is well', async () => {
    clients.prometheus.answers.clear();
    clients.prometheus.scrapeTargets = [target('prometheus', 'localhost:9090')];
    clients.alertmanager.alerts = [];
    const embed = (await statusReply({}, clients, NOW)).embeds?.[0];
    expect(embed?.title).toBe('🟢 Status: all good');
    expect(embed?.description).toContain('⚠️ No node_exporter metrics in Prometheus');
    expect(embed?.fields?.[1]?.value).toBe('✅ none firing');
  });

  it('lists at most 15 nodes and counts the rest', async () => {
    for (let index = 0; index < 18; index += 1) answerNode(`node${index}:9100`, `node${index}`, 1, 1, 1);
    const embed = (await statusReply({}, clients, NOW)).embeds?.[0];
    expect(embed?.fields?.filter((field) => field.name.startsWith('🖥️'))).toHaveLength(15);
    expect(embed?.footer?.text).toBe('5 more nodes not shown (busiest first) · CPU: 5m average · /status node:<instance> shows one node');
  });

  it('stays within Discord limits with many long-named nodes, jobs and alerts', async () => {
    clients.prometheus.answers.clear();
    const long = 'x'.repeat(300);
    for (let index = 0; index < 60; index += 1) answerNode(`${long}-${index}:9100`, `${long}-${index}`, index, index, index, `/${long}`);
    clients.prometheus.scrapeTargets = Array.from({ length: 200 }, (_, index) => target(`${long}${index}`, `${long}:${index}`, 'down'));
    clients.alertmanager.alerts = Array.from({ length: 300 }, (_, index) => firingAlert({ alertname: `${long}${index}`, instance: long, severity: 'critical' }));
    const reply = await statusReply({}, clients, NOW);
    expect(limitViolations(reply)).toEqual([]);
    const embed = reply.embeds?.[0];
    const nodeFields = (embed?.fields ?? []).filter((field) => field.name.startsWith('🖥️'));
    expect(nodeFields.length).toBeGreaterThan(0);
    expect(embed?.footer?.text).toMatch(new RegExp(`^${60 - nodeFields.length} more nodes not shown`));
  });
});

describe('/status node', () => {
  const instance = 'gw1:9100';

  beforeEach(() => {
    const queries = nodeQueries(instance);
    const node = { instance, job: 'node' };
    clients.prometheus
      .answer(queries.uname, [sample({ ...node, nodename: 'gw1', sysname: 'Linux', release: '6.1.0-18-amd64' }, 1)])
      .answer(queries.cpu, [sample(node, 37.4)])
      .answer(queries.cpuCount, [sample(node, 4)])
      .answer(queries.memory, [
        sample({ ...node, __name__: 'node_memory_MemTotal_bytes' }, 8 * 2 ** 30),
        sample({ ...node, __name__: 'node_memory_MemAvailable_bytes' }, 2 * 2 ** 30),
        sample({ ...node, __name__: 'node_memory_SwapTotal_bytes' }, 2 ** 30),
        sample({ ...node, __name__: 'node_memory_SwapFree_bytes' }, 2 ** 30),
      ])
      .answer(queries.load, [
        sample({ ...node, __name__: 'node_load1' }, 1.5),
        sample({ ...node, __name__: 'node_load5' }, 1.25),
        sample({ ...node, __name__: 'node_load15' }, 0.75),
      ])
      .answer(queries.uptime, [sample(node, 3 * 86_400 + 4 * 3600)])
      .answer(queries.filesystems, [
        sample({ ...node, __name__: 'node_filesystem_size_bytes', mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' }, 100 * 2 ** 30),
        sample({ ...node, __name__: 'node_filesystem_avail_bytes', mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' }, 60 * 2 ** 30),
        sample({ ...node, __name__: 'node_filesystem_size_bytes', mountpoint: '/srv', device: '/dev/sdb1', fstype: 'xfs' }, 1000 * 2 ** 30),
        sample({ ...node, __name__: 'node_filesystem_avail_bytes', mountpoint: '/srv', device: '/dev/sdb1', fstype: 'xfs' }, 100 * 2 ** 30),
      ])
      .answer(queries.receive, [sample({ ...node, device: 'eth0' }, 125_000), sample({ ...node, device: 'dummy0' }, 0)])
      .answer(queries.transmit, [sample({ ...node, device: 'eth0' }, 12_500), sample({ ...node, device: 'dummy0' }, 0)]);
  });

  it('shows CPU, memory, load, uptime, each filesystem and the busy interfaces', async () => {
    const reply = await statusReply({ node: instance }, clients, NOW);
    expect(limitViolations(reply)).toEqual([]);
    const embed = reply.embeds?.[0];
    expect(embed?.title).toBe('🖥️ gw1');
    expect(embed?.description).toBe(
      '`gw1:9100` · Linux 6.1.0-18-amd64 · up 3d 4h\n```\n' +
        'CPU   ▰▰▰▰▱▱▱▱▱▱ 37%  4 cores\n' +
        'MEM   ▰▰▰▰▰▰▰▰▱▱ 75%  6.0 GiB / 8.0 GiB\n' +
        'SWAP  ▱▱▱▱▱▱▱▱▱▱ 0%  0 B / 1.0 GiB\n' +
        'LOAD  1.50 1.25 0.75 (0.38 per core)\n```',
    );
    expect(embed?.fields?.[0]).toEqual({
      name: 'Filesystems',
      value: '```\n▰▰▰▰▰▰▰▰▰▱ 90%  /srv  900 GiB / 1000 GiB\n▰▰▰▰▱▱▱▱▱▱ 40%  /  40.0 GiB / 100 GiB\n```',
    });
    expect(embed?.fields?.[1]).toEqual({ name: 'Network (5m average)', value: '```\neth0  ↓ 1.0 Mbit/s  ↑ 100 kbit/s\n```' });
  });

  it('quotes the instance safely in PromQL', () => {
    expect(nodeQueries('a"b\\c').uname).toBe('node_uname_info{instance="a\\"b\\\\c"}');
  });

  it('explains an unknown node and an unreachable Prometheus', async () => {
    const unknown = await statusReply({ node: 'nowhere:9100' }, clients, NOW);
    expect(unknown).toMatchObject({ ephemeral: true, content: expect.stringContaining('no node_exporter metrics for `nowhere:9100`') as unknown });
    clients.prometheus.failure = new Error('Prometheus at http://prom:9090 is unreachable');
    const down = await statusReply({ node: instance }, clients, NOW);
    expect(down.content).toContain('Could not show `gw1:9100`. Prometheus at http://prom:9090 is unreachable');
  });

  it('autocompletes instances, narrowed by what was typed', async () => {
    expect(await nodeChoices(clients.prometheus, '')).toEqual([
      { name: 'gw1 · gw1:9100', value: 'gw1:9100' },
      { name: 'nas · nas:9100', value: 'nas:9100' },
    ]);
    expect(await nodeChoices(clients.prometheus, 'NAS')).toEqual([{ name: 'nas · nas:9100', value: 'nas:9100' }]);
  });
});

describe('/status picture', () => {
  /** A grapher that records what the dashboard asks for, drawing nothing real. */
  function grapher(outcome: 'draws' | 'times out'): Grapher & { asked: DashboardRequest[] } {
    const asked: DashboardRequest[] = [];
    const unused = (): Promise<never> => Promise.reject(new Error('not used by /status'));
    return {
      asked,
      forAlerts: unused,
      forQuery: unused,
      sampleForAlerts: unused,
      forDashboard: (request) => {
        asked.push(request);
        if (outcome === 'times out') return Promise.reject(new GraphUnavailableError('prometheus_timeout', 'Prometheus did not answer in time'));
        return Promise.resolve({ fileName: 'status.png', png: new Uint8Array([137, 80, 78, 71]), description: 'Status: figures and panels' });
      },
    };
  }

  it('adds the dashboard to the embed, with the figures of the text beside it', async () => {
    clients.prometheus.answer(DASHBOARD_QUERIES.nodesUp, [sample({ instance: 'gw1:9100' }, 1), sample({ instance: 'nas:9100' }, 0)]);
    const drawing = grapher('draws');
    const reply = await statusReply({}, { ...clients, grapher: drawing }, NOW);
    expect(reply.embeds?.[0]?.image).toEqual({ url: 'attachment://status.png' });
    expect(reply.files).toEqual([{ name: 'status.png', contentType: 'image/png', data: new Uint8Array([137, 80, 78, 71]), description: 'Status: figures and panels' }]);
    const [request] = drawing.asked;
    expect(request?.tiles.map((tile) => `${tile.label} ${tile.value}${tile.detail ? ` (${tile.detail})` : ''}`)).toEqual([
      'Nodes up 1/2 (1 down)',
      'Pods running – (no kube-state-metrics)',
      'Alerts firing 2 (1 silenced)',
      'Targets up 2/3 (1 down)',
    ]);
    expect(request?.tiles[2]?.color).toBe(`#${COLORS.critical.toString(16)}`);
    expect(request?.panels.map((panel) => panel.title)).toEqual(['CPU', 'Memory', 'Fullest filesystem']);
    expect(request?.names).toEqual(new Map([['gw1:9100', 'gw1'], ['nas:9100', 'nas']]));
  });

  it('keeps the text and says why there is no picture when it cannot be drawn', async () => {
    const reply = await statusReply({}, { ...clients, grapher: grapher('times out') }, NOW);
    expect(reply.files).toBeUndefined();
    expect(reply.embeds?.[0]?.image).toBeUndefined();
    expect(reply.embeds?.[0]?.footer?.text).toBe('CPU: 5m average · /status node:<instance> shows one node · no picture: Prometheus did not answer in time');
    expect(limitViolations(reply)).toEqual([]);
  });
});
