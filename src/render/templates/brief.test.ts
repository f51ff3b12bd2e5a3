import { describe, expect, it } from 'vitest';
import { makeAlert, makePayload } from '../../../test/support/payloads.js';
import { briefAlert, MAX_BREVITY } from './brief.js';
import { messageScope, type AlertView } from './context.js';

const viewOf = (labels: Record<string, string>, annotations: Record<string, string>): AlertView => {
  const alert = makeAlert({ labels: { alertname: 'DiskSpaceLow', severity: 'warning', ...labels }, annotations });
  const other = makeAlert({ labels: { alertname: 'DiskSpaceLow', severity: 'warning', instance: 'other:9100', job: 'node' } });
  const [view] = messageScope(makePayload([alert, other]), { reason: 'new', mentions: '', externalUrl: 'http://am:9093' }).alerts;
  if (!view) throw new Error('no view');
  return view;
};

describe('briefAlert', () => {
  const long = 'The volume fills faster than the retention job frees it, so writes will fail within the hour and the service stops.';
  const view = viewOf(
    { instance: 'db-7.dc1.example.net:9100', job: 'node', mountpoint: '/srv/postgresql/data/base/tablespaces', device: '/dev/mapper/vg0-data' },
    { summary: `${long} ${long}`, description: long },
  );

  it('leaves the alert as it is at brevity 0', () => {
    expect(briefAlert(view, 0)).toBe(view);
  });

  it('cuts the texts and the labels further at each step, keeping the instance whole until the last', () => {
    const subjects = Array.from({ length: MAX_BREVITY }, (_, step) => briefAlert(view, step + 1).subject);
    expect(view.subject).toBe('db-7.dc1.example.net:9100 (device=/dev/mapper/vg0-data, mountpoint=/srv/postgresql/data/base/tablespaces)');
    expect(subjects).toEqual([
      'db-7.dc1.example.net:9100 (device=/dev/mapper/vg0-data, mountpoint=/srv/postgresql/data/base/table…)',
      'db-7.dc1.example.net:9100 (/dev/mapper/vg0-data, /srv/postgresql/dat…)',
      'db-7.dc1.example.net:9100',
    ]);
    const headlines = Array.from({ length: MAX_BREVITY }, (_, step) => briefAlert(view, step + 1).headline.length);
    expect(headlines).toEqual([160, 80, 40]);
    expect(briefAlert(view, MAX_BREVITY).headline).toBe('The volume fills faster than the retent…');
    expect(briefAlert(view, 1).source_url).toBe(view.source_url);
    expect(briefAlert(view, 2).source_url).toBeNull();
    expect(briefAlert(view, 99)).toEqual(briefAlert(view, MAX_BREVITY));
  });

  it('keeps one label to tell an alert without an instance apart', () => {
    const bare = viewOf({ pod: 'api-7f9c-abcde', namespace: 'payments-production-eu-west' }, { summary: 'Pod not ready' });
    expect(briefAlert(bare, MAX_BREVITY).subject).toBe('payments-production-eu-west');
  });
});
