import { beforeEach, describe, expect, it } from 'vitest';
import { ALICE, fakeClients, firingAlert, NOW, silentLogger, UI_URL } from '../../../test/bot/fakes.js';
import { makeAlert, makePayload } from '../../../test/support/payloads.js';
import { limitViolations } from '../../discord/limits.js';
import { renderPayload } from '../../render/render.js';
import { alertsReply } from './alerts.js';
import { silencesReply } from './silences.js';
import { unsilenceChoices, unsilenceReply } from './unsilence.js';

let clients: ReturnType<typeof fakeClients>;

beforeEach(() => {
  clients = fakeClients();
});

async function silence(matchers: string, hours: number, createdBy = 'bob (Discord 1)'): Promise<string> {
  return clients.alertmanager.createSilence({
    matchers,
    startsAt: NOW,
    endsAt: new Date(NOW.getTime() + hours * 3_600_000),
    createdBy,
    comment: 'maintenance',
  });
}

describe('/silences', () => {
  it('lists current silences soonest ending first, without expired ones', async () => {
    const later = await silence('alertname="Backup"', 5);
    const sooner = await silence('{instance=~"gw.*"}', 1, 'alice (Discord 5)');
    await clients.alertmanager.expireSilence(await silence('alertname="Old"', 1));
    const reply = await silencesReply(clients, NOW);
    const embed = reply.embeds?.[0];
    expect(embed?.title).toBe('🔕 Silences (2)');
    expect(embed?.fields?.map((field) => field.name)).toEqual(['{instance=~"gw.*"}', '{alertname="Backup"}']);
    expect(embed?.fields?.[0]?.value).toBe(
      `until <t:1777640400:f> (<t:1777640400:R>) · by alice (Discord 5)\n“maintenance”\n[${sooner}](${UI_URL}/#/silences/${sooner})`,
    );
    expect(embed?.fields?.[1]?.value).toBe(
      `until <t:1777654800:f> (<t:1777654800:R>) · by bob (Discord 1)\n“maintenance”\n[${later}](${UI_URL}/#/silences/${later})`,
    );
  });

  it('stays within limits with many silences and says when there are none', async () => {
    expect((await silencesReply(clients, NOW)).embeds?.[0]?.description).toBe('No active silences.');
    for (let index = 0; index < 40; index += 1) await silence(`{alertname="${'x'.repeat(400)}${index}"}`, 1, 'y'.repeat(900));
    const reply = await silencesReply(clients, NOW);
    expect(limitViolations(reply)).toEqual([]);
    expect(reply.embeds?.[0]?.footer?.text).toMatch(/^and \d+ more: see Alertmanager$/);
    expect((reply.embeds?.[0]?.fields?.length ?? 0) + Number(/\d+/.exec(reply.embeds?.[0]?.footer?.text ?? '')?.[0])).toBe(40);
  });
});

describe('/unsilence', () => {
  const context = () => ({ clients, actor: ALICE, logger: silentLogger() });

  it('expires an active silence', async () => {
    const id = await silence('alertname="Backup"', 2);
    const reply = await unsilenceReply({ id }, context());
    expect(reply.embeds?.[0]?.title).toBe('🔔 Silence expired');
    expect(clients.alertmanager.silences[0]?.status.state).toBe('expired');
  });

  it('explains unknown and already expired ids, changing nothing', async () => {
    expect((await unsilenceReply({ id: 'nope' }, context())).content).toContain('There is no silence with the id `nope`');
    const id = await silence('alertname="Backup"', 2);
    await clients.alertmanager.expireSilence(id);
    expect((await unsilenceReply({ id }, context())).content).toContain('has already expired');
  });

  it('autocompletes current silences by matchers, author or id', async () => {
    const backup = await silence('alertname="Backup"', 2);
    await silence('alertname="Disk"', 3, 'carol (Discord 7)');
    expect(await unsilenceChoices('backup', clients.alertmanager)).toEqual([{ name: '{alertname="Backup"} · by bob (Discord 1)', value: backup }]);
    expect((await unsilenceChoices('carol', clients.alertmanager)).map((choice) => choice.name)).toEqual(['{alertname="Disk"} · by carol (Discord 7)']);
  });
});

describe('/alerts', () => {
  beforeEach(() => {
    clients.alertmanager.alerts = [
      firingAlert({ alertname: 'DiskFull', instance: 'nas', severity: 'warning' }, { annotations: { summary: 'Disk / at 91%' } }),
      firingAlert({ alertname: 'HostDown', instance: 'gw1', severity: 'critical' }),
      firingAlert({ alertname: 'Quiet', severity: 'critical' }, { status: { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] } }),
    ];
  });

  it('lists notifying alerts most severe first and counts the muted ones', async () => {
    const embed = (await alertsReply({}, clients, NOW)).embeds?.[0];
    expect(embed?.title).toBe('🔴 2 alerts firing');
    expect(embed?.fields).toEqual([
      { name: '🔴 HostDown', value: 'gw1 · critical · since <t:1777636200:R>' },
      { name: '🟠 DiskFull', value: 'nas · warning · since <t:1777636200:R>\nDisk / at 91%' },
    ]);
    expect(embed?.footer?.text).toBe('1 more is silenced or inhibited.');
  });

  it('filters by severity', async () => {
    const embed = (await alertsReply({ severity: 'warning' }, clients, NOW)).embeds?.[0];
    expect(embed?.title).toBe('🟠 1 alert firing (warning)');
    const none = (await alertsReply({ severity: 'info' }, clients, NOW)).embeds?.[0];
    expect(none?.title).toBe('✅ No alerts firing (info)');
  });

  it('counts an alert labelled severity=high as critical, marked and coloured as in the channel', async () => {
    const labels = { alertname: 'ApiErrors', instance: 'api-1', severity: 'high' };
    clients.alertmanager.alerts = [firingAlert(labels)];
    const channel = renderPayload(makePayload([makeAlert({ labels })])).message.embeds?.[0];
    const channelMark = channel?.title?.split(' ')[0];
    expect(channel?.title).toContain('(critical)');

    const embed = (await alertsReply({ severity: 'critical' }, clients, NOW)).embeds?.[0];
    expect(embed?.title).toBe(`${channelMark} 1 alert firing (critical)`);
    expect(embed?.color).toBe(channel?.color);
    expect(embed?.fields?.map((field) => field.name)).toEqual([`${channelMark} ApiErrors`]);
  });

  it('stays within limits with many long alerts', async () => {
    const long = 'x'.repeat(300);
    clients.alertmanager.alerts = Array.from({ length: 60 }, (_, index) =>
      firingAlert({ alertname: `${long}${index}`, instance: long, severity: 'critical' }, { annotations: { summary: 'y'.repeat(2000) } }),
    );
    const reply = await alertsReply({}, clients, NOW);
    expect(limitViolations(reply)).toEqual([]);
    expect(reply.embeds?.[0]?.footer?.text).toMatch(/^and \d+ more$/);
  });

  it('explains an unreachable Alertmanager', async () => {
    clients.alertmanager.failure = new Error('Alertmanager at http://am:9093 is unreachable');
    expect((await alertsReply({}, clients, NOW)).content).toBe('⚠️ Could not list alerts. Alertmanager at http://am:9093 is unreachable');
  });
});
