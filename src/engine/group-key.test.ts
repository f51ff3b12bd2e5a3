import { describe, expect, it } from 'vitest';
import { groupKeyOf, groupLabelsOf } from './group-key.js';

const labels = { alertname: 'DiskFull', instance: 'nas:9100', severity: 'warning' };

/** Rule 1 of alertmanager.md: group labels and the group key. */
describe('group labels', () => {
  it('are the labels named in group_by that the alert has', () => {
    expect(groupLabelsOf(labels, ['alertname', 'cluster'])).toEqual({ alertname: 'DiskFull' });
    expect(groupLabelsOf(labels, ['instance', 'alertname'])).toEqual({ alertname: 'DiskFull', instance: 'nas:9100' });
  });

  it('are none for an empty group_by: every alert of the route shares one group', () => {
    expect(groupLabelsOf(labels, [])).toEqual({});
  });

  it("are all labels for group_by '...'", () => {
    expect(groupLabelsOf(labels, 'all')).toEqual(labels);
  });

  it('make a key of the route and the labels sorted by name, as Alertmanager writes it', () => {
    expect(groupKeyOf('{}', { instance: 'nas:9100', alertname: 'DiskFull' })).toBe('{}:{alertname="DiskFull", instance="nas:9100"}');
    expect(groupKeyOf('{}', {})).toBe('{}:{}');
  });
});
