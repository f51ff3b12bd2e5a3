import { beforeEach, describe, expect, it } from 'vitest';
import { AlertmanagerError } from '../../alertmanager/api.js';
import { ALICE, fakeClients, firingAlert, NOW, silentLogger, UI_URL } from '../../../test/bot/fakes.js';
import { MAX_CHOICES } from '../interactions/reply.js';
import type { SilenceActionContext } from '../silences/silencing.js';
import { buildSilence, silenceChoices, silenceReply } from './silence.js';

let clients: ReturnType<typeof fakeClients>;
let context: SilenceActionContext;

beforeEach(() => {
  clients = fakeClients();
  context = { clients, actor: ALICE, logger: silentLogger() };
});

describe('buildSilence', () => {
  it('combines matcher text with alertname and instance, defaulting to 2 hours', () => {
    const built = buildSilence({ matchers: '{severity=~"warn|crit"}', alertname: 'DiskFull', instance: 'gw1:9100' });
    expect(built).toEqual({
      ok: true,
      durationMs: 2 * 3_600_000,
      matchers: [
        { name: 'severity', value: 'warn|crit', isRegex: true, isEqual: true },
        { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        { name: 'instance', value: 'gw1:9100', isRegex: false, isEqual: true },
      ],
    });
  });

  it.each([
    [{}, 'Give at least one matcher'],
    [{ matchers: '{alertname="X"' }, "missing closing '}'"],
    [{ matchers: 'alertname=~"(x"' }, 'invalid regular expression'],
    [{ matchers: '{instance!="gw1"}' }, 'would silence everything'],
    [{ alertname: 'X', duration: '2 hours' }, '"2 hours" is not a duration'],
    [{ alertname: 'X', duration: '0m' }, '"0m" is not a duration'],
  ])('refuses %j', (options, problem) => {
    const built = buildSilence(options);
    expect(built.ok).toBe(false);
    expect(!built.ok && built.problem).toContain(problem);
  });
});

describe('silenceReply', () => {
  it('reports what it mutes, creates the silence as the user and links to it', async () => {
    clients.alertmanager.alerts = [
      firingAlert({ alertname: 'DiskFull', instance: 'gw1:9100' }),
      firingAlert({ alertname: 'DiskFull', instance: 'gw2:9100' }, { status: { state: 'suppressed', silencedBy: ['old'], inhibitedBy: [] } }),
      firingAlert({ alertname: 'HostDown', instance: 'gw1:9100' }),
    ];
    const reply = await silenceReply({ matchers: 'instance=~"gw.*"', alertname: 'DiskFull', duration: '1d' }, context, NOW);

    expect(clients.alertmanager.created).toEqual([
      {
        matchers: [
          { name: 'instance', value: 'gw.*', isRegex: true, isEqual: true },
          { name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true },
        ],
        startsAt: NOW,
        endsAt: new Date(NOW.getTime() + 86_400_000),
        createdBy: `alice (Discord ${ALICE.id})`,
        comment: 'Silenced from Discord by Alice',
      },
    ]);
    const embed = reply.embeds?.[0];
    expect(reply.ephemeral).toBeUndefined();
    expect(embed?.description).toContain('for **1d**, until <t:1777723200:f>');
    expect(embed?.description).toContain('It mutes **2** alerts firing now (1 of them already silenced): DiskFull on gw1:9100, DiskFull on gw2:9100.');
    const id = clients.alertmanager.silences[0]?.id ?? '';
    expect(embed?.url).toBe(`${UI_URL}/#/silences/${id}`);
    expect(embed?.fields?.[0]).toEqual({ name: 'Silence ID', value: `\`${id}\``, inline: true });
  });

  it('keeps a given comment and says when nothing matches yet', async () => {
    const reply = await silenceReply({ alertname: 'Maintenance', comment: '  kernel update  ' }, context, NOW);
    expect(clients.alertmanager.created[0]?.comment).toBe('kernel update');
    expect(reply.embeds?.[0]?.description).toContain('No alert matches right now');
  });

  it('changes nothing for bad input', async () => {
    const reply = await silenceReply({ matchers: 'alertname=' }, context, NOW);
    expect(reply.ephemeral).toBe(true);
    expect(clients.alertmanager.created).toEqual([]);
  });

  it('explains an unreachable Alertmanager', async () => {
    clients.alertmanager.failure = new Error('Alertmanager at http://am:9093 is unreachable (GET /api/v2/alerts): ECONNREFUSED');
    const reply = await silenceReply({ alertname: 'X' }, context, NOW);
    expect(reply).toEqual({ ephemeral: true, content: expect.stringContaining('No silence was created. Alertmanager at http://am:9093 is unreachable') as unknown });
  });

  it('says a timed-out creation may have happened', async () => {
    clients.alertmanager.createFailure = new AlertmanagerError({
      kind: 'timeout',
      method: 'POST',
      baseUrl: 'http://am:9093',
      url: 'http://am:9093/api/v2/silences',
      timeoutMs: 5000,
      detail: 'no answer in time',
    });
    const reply = await silenceReply({ alertname: 'X' }, context, NOW);
    expect(reply.content).toBe(
      '⚠️ The silence may or may not have been created: check /silences before retrying. Alertmanager at http://am:9093 did not answer within 5 s (POST /api/v2/silences).',
    );
  });
});

describe('silenceChoices', () => {
  beforeEach(() => {
    clients.alertmanager.alerts = [
      firingAlert({ alertname: 'DiskFull', instance: 'gw1:9100' }),
      firingAlert({ alertname: 'DiskFull', instance: 'gw2:9100' }),
      firingAlert({ alertname: 'HostDown', instance: 'gw2:9100' }),
      ...Array.from({ length: 40 }, (_, index) => firingAlert({ alertname: `Synthetic${index}`, instance: `node${index}:9100` })),
    ];
  });

  it('suggests alert names, most firing first, never more than 25', async () => {
    const all = await silenceChoices({ name: 'alertname', value: '' }, {}, clients.alertmanager);
    expect(all).toHaveLength(MAX_CHOICES);
    expect(all[0]).toEqual({ name: 'DiskFull · 2 firing · gw1:9100, gw2:9100', value: 'DiskFull' });
    const typed = await silenceChoices({ name: 'alertname', value: 'host' }, {}, clients.alertmanager);
    expect(typed.map((choice) => choice.value)).toEqual(['HostDown']);
  });

  it('narrows instances by the alert name already chosen', async () => {
    const instances = await silenceChoices({ name: 'instance', value: '' }, { alertname: 'DiskFull' }, clients.alertmanager);
    expect(instances.map((choice) => choice.value)).toEqual(['gw1:9100', 'gw2:9100']);
  });

  it('suggests durations, putting a valid typed one first', async () => {
    const choices = await silenceChoices({ name: 'duration', value: '90m' }, {}, clients.alertmanager);
    expect(choices).toEqual([{ name: '90m (1h 30m)', value: '90m' }]);
    const all = await silenceChoices({ name: 'duration', value: '' }, {}, clients.alertmanager);
    expect(all.map((choice) => choice.value)).toEqual(['30m', '1h', '2h', '4h', '8h', '1d', '3d', '1w']);
  });
});
