/**
 * Realistic alerts for the benchmarks: the labels, annotations and generator URLs Prometheus
 * rules produce (summary, description, runbook_url; a graph link with the rule's expression),
 * and Alertmanager webhook payloads (version 4) around them.
 */
import { createHash } from 'node:crypto';
import type { TestAlert } from '../test/support/processes.js';

interface AlertKind {
  name: string;
  severity: 'critical' | 'warning' | 'info';
  job: string;
  expr: string;
  summary: string;
}

/** Forty kinds of alert, as a node/Kubernetes/database estate has them. */
const KINDS: readonly AlertKind[] = [
  { name: 'NodeDown', severity: 'critical', job: 'node', expr: 'up{job="node"} == 0', summary: 'Host is down' },
  { name: 'HighCPUUsage', severity: 'warning', job: 'node', expr: '1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > 0.8', summary: 'High CPU usage' },
  { name: 'HighMemoryUsage', severity: 'warning', job: 'node', expr: 'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1', summary: 'Memory almost exhausted' },
  { name: 'DiskSpaceLow', severity: 'warning', job: 'node', expr: 'node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes < 0.1', summary: 'Disk almost full' },
  { name: 'DiskWillFillIn4Hours', severity: 'critical', job: 'node', expr: 'predict_linear(node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"}[6h], 4 * 3600) < 0', summary: 'Disk will fill within 4 hours' },
  { name: 'FilesystemReadOnly', severity: 'critical', job: 'node', expr: 'node_filesystem_readonly{fstype!~"tmpfs|overlay|squashfs"} == 1', summary: 'Filesystem is read-only' },
  { name: 'HighLoadAverage', severity: 'warning', job: 'node', expr: 'node_load15 / count without (cpu, mode) (node_cpu_seconds_total{mode="idle"}) > 2', summary: 'Load average high' },
  { name: 'SwapUsageHigh', severity: 'warning', job: 'node', expr: '1 - node_memory_SwapFree_bytes / node_memory_SwapTotal_bytes > 0.8', summary: 'Swap almost full' },
  { name: 'NetworkReceiveErrors', severity: 'warning', job: 'node', expr: 'rate(node_network_receive_errs_total[5m]) / rate(node_network_receive_packets_total[5m]) > 0.01', summary: 'Network receive errors' },
  { name: 'NetworkTransmitErrors', severity: 'warning', job: 'node', expr: 'rate(node_network_transmit_errs_total[5m]) / rate(node_network_transmit_packets_total[5m]) > 0.01', summary: 'Network transmit errors' },
  { name: 'ClockSkewDetected', severity: 'warning', job: 'node', expr: 'abs(node_timex_offset_seconds) > 0.05', summary: 'Clock skew detected' },
  { name: 'NTPNotSynchronised', severity: 'warning', job: 'node', expr: 'min_over_time(node_timex_sync_status[5m]) == 0', summary: 'Clock not synchronised' },
  { name: 'OOMKillDetected', severity: 'warning', job: 'node', expr: 'increase(node_vmstat_oom_kill[5m]) > 0', summary: 'OOM killer ran' },
  { name: 'SystemdUnitFailed', severity: 'warning', job: 'node', expr: 'node_systemd_unit_state{state="failed"} == 1', summary: 'A systemd unit failed' },
  { name: 'InodesLow', severity: 'warning', job: 'node', expr: 'node_filesystem_files_free / node_filesystem_files < 0.1', summary: 'Inodes almost exhausted' },
  { name: 'DiskIOSaturated', severity: 'warning', job: 'node', expr: 'rate(node_disk_io_time_seconds_total[5m]) > 0.9', summary: 'Disk I/O saturated' },
  { name: 'HighContextSwitching', severity: 'info', job: 'node', expr: 'rate(node_context_switches_total[5m]) > 50000', summary: 'High context switching' },
  { name: 'ConntrackTableFull', severity: 'critical', job: 'node', expr: 'node_nf_conntrack_entries / node_nf_conntrack_entries_limit > 0.9', summary: 'Conntrack table almost full' },
  { name: 'FileDescriptorsExhausted', severity: 'warning', job: 'node', expr: 'node_filefd_allocated / node_filefd_maximum > 0.8', summary: 'File descriptors almost exhausted' },
  { name: 'TemperatureHigh', severity: 'warning', job: 'node', expr: 'node_hwmon_temp_celsius > 85', summary: 'Hardware temperature high' },
  { name: 'RAIDDegraded', severity: 'critical', job: 'node', expr: 'node_md_disks{state="failed"} > 0', summary: 'RAID array degraded' },
  { name: 'SMARTFailure', severity: 'critical', job: 'smartctl', expr: 'smartctl_device_smart_status != 1', summary: 'Disk reports a SMART failure' },
  { name: 'EdacCorrectableErrors', severity: 'info', job: 'node', expr: 'increase(node_edac_correctable_errors_total[5m]) > 0', summary: 'Correctable memory errors' },
  { name: 'NodeRebootedRecently', severity: 'info', job: 'node', expr: 'node_time_seconds - node_boot_time_seconds < 600', summary: 'Host rebooted' },
  { name: 'TargetDown', severity: 'warning', job: 'blackbox', expr: 'up{job!~"node.*"} == 0', summary: 'Scrape target is down' },
  { name: 'ScrapeSlow', severity: 'info', job: 'node', expr: 'scrape_duration_seconds > 10', summary: 'Scrape takes too long' },
  { name: 'KubeletDown', severity: 'critical', job: 'kubelet', expr: 'up{job="kubelet"} == 0', summary: 'Kubelet is down' },
  { name: 'ContainerRestarting', severity: 'warning', job: 'kube-state-metrics', expr: 'increase(kube_pod_container_status_restarts_total[15m]) > 3', summary: 'Container keeps restarting' },
  { name: 'PodCrashLooping', severity: 'critical', job: 'kube-state-metrics', expr: 'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1', summary: 'Pod is crash looping' },
  { name: 'PodNotReady', severity: 'warning', job: 'kube-state-metrics', expr: 'sum by (namespace, pod) (kube_pod_status_phase{phase=~"Pending|Unknown"}) > 0', summary: 'Pod not ready' },
  { name: 'DeploymentReplicasMismatch', severity: 'warning', job: 'kube-state-metrics', expr: 'kube_deployment_spec_replicas != kube_deployment_status_replicas_available', summary: 'Deployment is missing replicas' },
  { name: 'PersistentVolumeFillingUp', severity: 'critical', job: 'kubelet', expr: 'kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.03', summary: 'Persistent volume almost full' },
  { name: 'CertificateExpiringSoon', severity: 'warning', job: 'blackbox', expr: 'probe_ssl_earliest_cert_expiry - time() < 14 * 86400', summary: 'TLS certificate expires soon' },
  { name: 'BackupJobFailed', severity: 'critical', job: 'pushgateway', expr: 'time() - backup_last_success_timestamp_seconds > 26 * 3600', summary: 'Backup has not succeeded for a day' },
  { name: 'PostgresReplicationLag', severity: 'warning', job: 'postgres', expr: 'pg_replication_lag_seconds > 30', summary: 'PostgreSQL replica is lagging' },
  { name: 'PostgresTooManyConnections', severity: 'warning', job: 'postgres', expr: 'sum by (instance) (pg_stat_activity_count) / pg_settings_max_connections > 0.8', summary: 'PostgreSQL connections almost exhausted' },
  { name: 'RedisMemoryHigh', severity: 'warning', job: 'redis', expr: 'redis_memory_used_bytes / redis_memory_max_bytes > 0.9', summary: 'Redis memory almost full' },
  { name: 'NginxHighErrorRate', severity: 'critical', job: 'nginx', expr: 'sum by (instance) (rate(nginx_http_requests_total{status=~"5.."}[5m])) / sum by (instance) (rate(nginx_http_requests_total[5m])) > 0.05', summary: 'Nginx serves many 5xx' },
  { name: 'HTTPProbeFailed', severity: 'critical', job: 'blackbox', expr: 'probe_success{job="blackbox"} == 0', summary: 'HTTP probe failing' },
  { name: 'DNSResolutionSlow', severity: 'warning', job: 'blackbox', expr: 'probe_dns_lookup_time_seconds > 1', summary: 'DNS resolution slow' },
];

const PROMETHEUS = 'http://prometheus.dc1.example.net:9090';
export const EXTERNAL_URL = 'http://alertmanager.dc1.example.net:9093';

/** One alert group of the benchmark: an alert name and the instances it fires on. */
export interface BenchGroup {
  alertname: string;
  instances: string[];
}

function kindFor(index: number): AlertKind {
  const kind = KINDS[index % KINDS.length] as AlertKind;
  const round = Math.floor(index / KINDS.length);
  // Past forty groups the names repeat with a suffix; visibility checks match whole names only.
  return round === 0 ? kind : { ...kind, name: `${kind.name}${round + 1}` };
}

function instanceName(index: number, width: number): string {
  return `node-${String(index + 1).padStart(width, '0')}.dc1.example.net:9100`;
}

/** An alert as Prometheus posts it to Alertmanager. */
export function benchAlert(group: number, alertname: string, instance: string): TestAlert {
  const kind = { ...kindFor(group), name: alertname };
  const host = instance.replace(/:\d+$/, '');
  const value = ((group * 37 + instance.length * 11) % 90) + 5;
  return {
    labels: { alertname: kind.name, instance, job: kind.job, severity: kind.severity, cluster: 'dc1' },
    annotations: {
      summary: `${kind.summary} on ${host}`,
      description: `${instance} (job ${kind.job}, cluster dc1): ${kind.summary.toLowerCase()} for more than 5 minutes; the rule's value is ${value}.`,
      runbook_url: `https://runbooks.example.net/alerts/${kind.name.toLowerCase()}`,
    },
    generatorURL: `${PROMETHEUS}/graph?g0.expr=${encodeURIComponent(kind.expr)}&g0.tab=1`,
  };
}

/** `total` alerts spread evenly over `groups` alert names, each group on its own run of instances. */
export function stormAlerts(total: number, groups: number): { alerts: TestAlert[]; groups: BenchGroup[] } {
  const width = Math.max(3, String(total).length);
  const alerts: TestAlert[] = [];
  const result: BenchGroup[] = [];
  const base = Math.floor(total / groups);
  const extra = total % groups;
  for (let group = 0; group < groups; group += 1) {
    const size = base + (group < extra ? 1 : 0);
    const alertname = kindFor(group).name;
    const instances = Array.from({ length: size }, (_, index) => instanceName(index, width));
    for (const instance of instances) alerts.push(benchAlert(group, alertname, instance));
    result.push({ alertname, instances });
  }
  return { alerts, groups: result };
}

/** Alertmanager's fingerprint is a hash of the sorted label set; any stable 16 hex digits do here. */
function fingerprint(labels: Record<string, string>): string {
  const sorted = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 16);
}

function common(sets: ReadonlyArray<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = sets;
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([name, value]) => rest.every((set) => set[name] === value)));
}

/** The webhook (version 4) Alertmanager sends for one group of firing alerts grouped by alertname. */
export function webhookPayload(alerts: readonly TestAlert[], options: { receiver: string; startsAt: Date }): Record<string, unknown> {
  const alertname = alerts[0]?.labels.alertname ?? 'Alert';
  const startsAt = options.startsAt.toISOString().replace('Z', '000000Z');
  return {
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: options.receiver,
    groupLabels: { alertname },
    commonLabels: common(alerts.map((alert) => alert.labels)),
    commonAnnotations: common(alerts.map((alert) => alert.annotations ?? {})),
    externalURL: EXTERNAL_URL,
    alerts: alerts.map((alert) => ({
      status: 'firing',
      labels: alert.labels,
      annotations: alert.annotations ?? {},
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: alert.generatorURL ?? '',
      fingerprint: fingerprint(alert.labels),
    })),
  };
}

/** Request bodies for the ingest benchmark: `groups` distinct webhooks of `alertsPerRequest` alerts each. */
export function ingestBodies(groups: number, alertsPerRequest: number, startsAt: Date): string[] {
  return Array.from({ length: groups }, (_, group) => {
    const alertname = kindFor(group).name;
    const alerts = Array.from({ length: alertsPerRequest }, (_, index) => benchAlert(group, alertname, instanceName(index, 3)));
    return JSON.stringify(webhookPayload(alerts, { receiver: 'amcord', startsAt }));
  });
}
