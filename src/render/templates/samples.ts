import { GO_ZERO_TIME, type WebhookAlert, type WebhookPayload } from '../../alertmanager/webhook.js';
import type { Acknowledgement } from './context.js';

/**
 * Payloads every template is rendered against when it is loaded, so a mistake shows at start
 * and not on the first real alert: the shapes captured from Alertmanager 0.25 (one alert, a
 * group, partly and fully resolved) and the awkward ones (no annotations, no instance, no
 * links, mixed severities, alerts cut by max_alerts, unicode).
 */

const START = '2026-11-25T14:00:54.375764793Z';
const END = '2026-11-25T14:00:57Z';

function alert(labels: Record<string, string>, annotations: Record<string, string>, extra: Partial<WebhookAlert> = {}): WebhookAlert {
  return { status: 'firing', labels, annotations, startsAt: START, endsAt: GO_ZERO_TIME, generatorURL: '', fingerprint: '0123456789abcdef', ...extra };
}

const resolved = (one: WebhookAlert): WebhookAlert => ({ ...one, status: 'resolved', endsAt: END });

function common(sets: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = sets;
  return Object.fromEntries(Object.entries(first ?? {}).filter(([name, value]) => rest.every((set) => set[name] === value)));
}

function payload(alerts: WebhookAlert[], groupLabels: Record<string, string>, extra: Partial<WebhookPayload> = {}): WebhookPayload {
  return {
    version: '4',
    groupKey: `{}:{${Object.entries(groupLabels).map(([name, value]) => `${name}="${value}"`).join(', ')}}`,
    truncatedAlerts: 0,
    status: alerts.some((each) => each.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'amcord',
    groupLabels,
    commonLabels: common(alerts.map((each) => each.labels)),
    commonAnnotations: common(alerts.map((each) => each.annotations)),
    externalURL: 'http://alertmanager:9093',
    alerts,
    ...extra,
  };
}

const disk = (instance: string, mountpoint: string, description?: string): WebhookAlert =>
  alert(
    { alertname: 'DiskSpaceLow', instance, mountpoint, severity: 'warning' },
    { summary: `Disk almost full on ${instance}`, ...(description ? { description } : {}) },
  );

const k8s = disk('k8s:9100', '/');
const nextcloud = disk('nextcloud:9100', '/srv', '/srv is 88% full');
const registry = disk('registry:9100', '/var/lib/registry', '/var/lib/registry is 91% full');

export const SAMPLE_PAYLOADS: Readonly<Record<string, WebhookPayload>> = {
  'one alert': payload(
    [
      alert(
        { alertname: 'HighCPUUsage', instance: 'gateway:9100', severity: 'warning' },
        { summary: 'High CPU usage on gateway:9100', description: 'CPU at 93%' },
        { generatorURL: 'http://prometheus:9090/graph?g0.expr=x' },
      ),
    ],
    { alertname: 'HighCPUUsage', instance: 'gateway:9100' },
  ),
  'a group': payload([k8s, nextcloud, registry], { alertname: 'DiskSpaceLow' }),
  'a group, partly resolved': payload([k8s, resolved(nextcloud), registry], { alertname: 'DiskSpaceLow' }),
  'a group, resolved': payload([k8s, nextcloud, registry].map(resolved), { alertname: 'DiskSpaceLow' }),
  'an alert with nothing but a name': payload([alert({ alertname: 'Watchdog' }, {})], {}, { externalURL: '' }),
  'a resolved alert with nothing but a name': payload([resolved(alert({ alertname: 'Watchdog' }, {}))], { alertname: 'Watchdog' }),
  'mixed severities, links, unicode and alerts cut by max_alerts': payload(
    [
      alert(
        { alertname: 'ServiceDown', instance: 'db-1:5432', job: 'postgres', severity: 'critical', team: 'données 🗄️' },
        {
          summary: 'PostgreSQL *down* on db-1',
          description: 'No scrape for 5m.\nCheck the `postgres` unit.',
          runbook_url: 'https://runbooks.example/ServiceDown',
          dashboard_url: 'https://grafana.example/d/pg',
          value: '0',
        },
        { generatorURL: 'http://prometheus:9090/graph?g0.expr=up%3D%3D0' },
      ),
      alert({ alertname: 'ServiceDown', job: 'cron_jobs', severity: 'info', service: 'backup_täglich' }, { message: 'Backup job missing' }),
      alert({ alertname: 'ServiceDown', instance: 'web:443', severity: 'page' }, { description: 'HTTPS probe failing' }),
      resolved(alert({ alertname: 'ServiceDown', instance: 'cache:6379', severity: 'warning' }, { summary: '' })),
    ],
    { alertname: 'ServiceDown' },
    { truncatedAlerts: 2 },
  ),
};

/** An acknowledgement taken over from someone else, for checking templates and the preview page. */
export const SAMPLE_ACKNOWLEDGEMENT: Acknowledgement = {
  userId: '234567890123456789',
  at: Date.parse('2026-11-25T14:05:00Z'),
  tookOverFrom: { userId: '345678901234567890', at: Date.parse('2026-11-25T14:02:00Z') },
};

/** A group as someone acknowledged it: drawn with SAMPLE_ACKNOWLEDGEMENT on the preview page. */
export const SAMPLE_ACKNOWLEDGED_PAYLOAD: WebhookPayload = payload([k8s, nextcloud, registry], { alertname: 'DiskSpaceLow' });
