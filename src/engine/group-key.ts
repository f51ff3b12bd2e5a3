/** `group_by` as configured: label names, or every label ('...'). */
export type GroupBy = readonly string[] | 'all';

/** The labels of an alert that choose its group. */
export function groupLabelsOf(labels: Record<string, string>, groupBy: GroupBy): Record<string, string> {
  if (groupBy === 'all') return { ...labels };
  const chosen: Record<string, string> = {};
  for (const name of groupBy) {
    const value = labels[name];
    if (value !== undefined && value !== '') chosen[name] = value;
  }
  return chosen;
}

/** Alertmanager's group key form: `<route>:{a="x", b="y"}`, labels sorted by name. */
export function groupKeyOf(route: string, groupLabels: Record<string, string>): string {
  const pairs = Object.keys(groupLabels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(groupLabels[name])}`);
  return `${route}:{${pairs.join(', ')}}`;
}
