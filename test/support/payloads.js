import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { webhookPayloadSchema } from '../../src/alertmanager/webhook.js';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'alertmanager-0.25');
/** The webhook payloads captured from Alertmanager 0.25, by file name without .json. */
export function capturedPayloads() {
    const payloads = {};
    for (const file of readdirSync(FIXTURES).filter((name) => name.startsWith('webhook-'))) {
        const raw = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
        payloads[file.replace(/\.json$/, '')] = webhookPayloadSchema.parse(raw);
    }
    return payloads;
}
export function capturedRaw(name) {
    return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
}
/** An alert as Alertmanager would send it; fields default to a firing node alert. */
export function makeAlert(overrides = {}) {
    return {
        status: 'firing',
        labels: { alertname: 'HighCPUUsage', instance: 'node-1:9100', job: 'node', severity: 'warning' },
        annotations: { summary: 'CPU busy', description: 'CPU at 93%' },
        startsAt: '2026-11-25T13:53:45.145505455Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
        fingerprint: '0123456789abcdef',
        ...overrides,
    };
}
/** A payload around the given alerts, with Alertmanager's derived fields filled in. */
export function makePayload(alerts, overrides = {}) {
    const commonLabels = commonOf(alerts.map((alert) => alert.labels));
    return {
        version: '4',
        groupKey: '{}:{alertname="HighCPUUsage"}',
        truncatedAlerts: 0,
        status: alerts.some((alert) => alert.status === 'firing') ? 'firing' : 'resolved',
        receiver: 'amcord',
        groupLabels: { alertname: alerts[0]?.labels.alertname ?? 'HighCPUUsage' },
        commonLabels,
        commonAnnotations: commonOf(alerts.map((alert) => alert.annotations)),
        externalURL: 'http://alertmanager:9093',
        alerts,
        ...overrides,
    };
}
function commonOf(sets) {
    const [first, ...rest] = sets;
    if (!first)
        return {};
    return Object.fromEntries(Object.entries(first).filter(([name, value]) => rest.every((set) => set[name] === value)));
}
/** `count` alerts of one group, each with an annotation of `annotationBytes` characters. */
export function manyAlerts(count, annotationBytes = 0) {
    return Array.from({ length: count }, (_, index) => makeAlert({
        labels: { alertname: 'DiskSpaceLow', instance: `host-${index}:9100`, mountpoint: `/srv/${index}`, severity: 'warning' },
        annotations: {
            summary: `Disk almost full on host-${index}`,
            description: `${'x'.repeat(annotationBytes)}`,
        },
        fingerprint: index.toString(16).padStart(16, '0'),
    }));
}
//# sourceMappingURL=payloads.js.map