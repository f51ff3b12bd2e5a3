import { z } from 'zod';

/** What an environment variable's text is turned into for a setting. */
type LeafKind = 'string' | 'number' | 'boolean';

export interface EnvSetting {
  path: string[];
  kind: LeafKind;
}

export const ENV_PREFIX = 'AMCORD_';
/** Variables with the prefix that are not settings. */
const RESERVED = new Set(['AMCORD_CONFIG']);

/** The environment variable for a setting path: discord.webhook_url -> AMCORD_DISCORD_WEBHOOK_URL. */
export function envName(path: readonly string[]): string {
  return ENV_PREFIX + path.join('_').toUpperCase();
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      current = current.def.innerType as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.def.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/** Every scalar setting of an object schema, found by walking it, so new settings get a variable for free. */
export function scalarSettings(schema: z.ZodType, path: string[] = []): EnvSetting[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
      scalarSettings(child, [...path, key]),
    );
  }
  if (inner instanceof z.ZodArray || inner instanceof z.ZodRecord) return [];
  if (inner instanceof z.ZodNumber) return [{ path, kind: 'number' }];
  if (inner instanceof z.ZodBoolean) return [{ path, kind: 'boolean' }];
  return [{ path, kind: 'string' }];
}

export class EnvOverrideError extends Error {}

function convert(name: string, text: string, kind: LeafKind): string | number | boolean {
  if (kind === 'number') {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) throw new EnvOverrideError(`${name}: expected a number`);
    return value;
  }
  if (kind === 'boolean') {
    if (text === 'true') return true;
    if (text === 'false') return false;
    throw new EnvOverrideError(`${name}: expected true or false`);
  }
  return text;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] ?? ''] = value;
}

/**
 * Lays AMCORD_* variables over the parsed file. An AMCORD_ variable that names no setting is an
 * error, as an unknown key in the file is: a typo should fail loudly, not be ignored.
 */
export function applyEnvOverrides(
  raw: Record<string, unknown>,
  schema: z.ZodType,
  env: Record<string, string | undefined>,
): Record<string, unknown> {
  const settings = new Map(scalarSettings(schema).map((setting) => [envName(setting.path), setting]));
  const result = structuredClone(raw);
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED.has(name) || text === undefined) continue;
    const setting = settings.get(name);
    if (!setting) throw new EnvOverrideError(`${name} is not an amcord setting (see the configuration reference)`);
    setPath(result, setting.path, convert(name, text, setting.kind));
  }
  return result;
}
