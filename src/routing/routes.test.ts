import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { resolveRoutes, routesFor } from './routes.js';

const HOOK = 'https://discord.com/api/webhooks/123456789012345678/abc';

function routes(raw: unknown) {
  return resolveRoutes(configSchema.parse(raw));
}

describe('routing', () => {
  const config = {
    discord: { webhook_url: HOOK },
    destinations: { ops: { webhook_url: HOOK }, k8s: { webhook_url: HOOK } },
    grouping: { group_wait: '10s' },
    routes: [
      { name: 'critical', matchers: ['severity="critical"'], destination: 'ops', continue: true, repeat_interval: '1h' },
      { name: 'kubernetes', matchers: ['{instance=~"k8s.*", job!="node"}'], destination: 'k8s' },
      { name: 'never', matchers: ['severity="critical"'], destination: 'ops' },
    ],
  };

  it('takes the first matching route, and the next ones while a match says continue', () => {
    const table = routes(config);
    const names = (labels: Record<string, string>) => routesFor(labels, table).map((route) => route.name);
    expect(names({ severity: 'critical', instance: 'k8s-1' })).toEqual(['critical', 'kubernetes']);
    expect(names({ severity: 'critical', instance: 'nas' })).toEqual(['critical', 'never']);
    expect(names({ severity: 'warning', instance: 'k8s-2', job: 'kubelet' })).toEqual(['kubernetes']);
    expect(names({ severity: 'warning', instance: 'k8s-2', job: 'node' })).toEqual(['default']);
  });

  it('fills in timers from grouping unless the route overrides them', () => {
    const [critical, kubernetes, , fallback] = routes(config);
    expect(critical?.grouping).toMatchObject({ groupWaitMs: 10_000, repeatIntervalMs: 3_600_000 });
    expect(kubernetes?.grouping).toMatchObject({ groupWaitMs: 10_000, repeatIntervalMs: 14_400_000 });
    expect(fallback).toMatchObject({ name: 'default', destination: 'default' });
  });

  it('names a matcher that does not parse, and a destination that does not exist', () => {
    const bad = configSchema.safeParse({ routes: [{ matchers: ['severity=~"(unclosed"'], destination: 'nowhere' }] });
    expect(bad.success).toBe(false);
    const issues = bad.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(issues.some((issue) => issue.startsWith('routes.0.matchers.0: '))).toBe(true);
    const missing = configSchema.safeParse({ routes: [{ destination: 'nowhere' }] });
    expect(missing.error?.issues[0]?.message).toBe('no destination named "nowhere" (known: default)');
  });
});
