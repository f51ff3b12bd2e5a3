import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, Scalar, parse, parseDocument, visit, type Document } from 'yaml';
import { z } from 'zod';
import { postgresUrlSecrets } from './postgres-url.js';
import { configSchema, SECRET_FILE_KEYS, type Config } from './schema.js';
import { applyEnvOverrides, EnvOverrideError } from './env-overrides.js';

/** A configuration problem, worded for the person who has to fix it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface LoadedConfig {
  config: Config;
  /** Where the settings came from, for the start-up log. */
  source: string;
  /** Secret values, so logs and errors can scrub them. */
  secrets: string[];
  /** Relative paths in the configuration (templates.dir) are relative to this folder. */
  baseDir: string;
}

export interface LoadOptions {
  path?: string | undefined;
  env?: Record<string, string | undefined>;
  readFile?: (path: string) => string;
}

const readText = (path: string): string => readFileSync(path, 'utf8');

const VARIABLE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces ${VAR} in the file's values (never in comments or keys, so a value cannot change the
 * document's shape); `$${` stays a literal `${`. An unquoted value that is one reference takes the
 * type of what it becomes (`port: ${PORT}` is a number). An unset variable is an error.
 */
function substituteEnv(document: Document, env: Record<string, string | undefined>, source: string, lines: LineCounter): void {
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const original = node.value;
      const replaced = original.replace(VARIABLE, (match, escape: string, name: string) => {
        if (escape) return match.slice(1);
        const value = env[name];
        if (value === undefined) {
          const line = lines.linePos(node.range?.[0] ?? 0).line;
          throw new ConfigError(`${source}:${line}: \${${name}} is used but the environment variable ${name} is not set`);
        }
        return value;
      });
      const wholeReference = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(original);
      node.value = wholeReference && node.type === Scalar.PLAIN ? asScalar(replaced) : replaced;
    },
  });
}

/** A number or boolean if the text reads as one in YAML; otherwise the text itself, never a structure. */
function asScalar(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return typeof value === 'number' || typeof value === 'boolean' ? value : text;
  } catch {
    return text;
  }
}

function parseYaml(text: string, env: Record<string, string | undefined>, source: string): Record<string, unknown> {
  const lines = new LineCounter();
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  const [firstError] = document.errors;
  if (firstError) throw new ConfigError(`${source}: ${firstError.message}`);
  substituteEnv(document, env, source, lines);
  const value: unknown = document.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`${source}: the top level must be a mapping of settings`);
  }
  return value as Record<string, unknown>;
}

function getNode(root: Record<string, unknown>, path: readonly string[]): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}

/** Expands `*` in a secret's path to every key present there (e.g. each named destination). */
function expandPaths(raw: Record<string, unknown>, pattern: readonly string[]): string[][] {
  const star = pattern.indexOf('*');
  if (star < 0) return [[...pattern]];
  const parent = getNode(raw, pattern.slice(0, star));
  return Object.keys(parent ?? {}).flatMap((key) => expandPaths(raw, [...pattern.slice(0, star), key, ...pattern.slice(star + 1)]));
}

/** Reads `<key>_file` secrets into `<key>`, relative to the config file's folder as Alertmanager does. */
function resolveSecretFiles(raw: Record<string, unknown>, baseDir: string, readFile: (path: string) => string): string[] {
  const secrets: string[] = [];
  for (const secretPath of SECRET_FILE_KEYS.flatMap((pattern) => expandPaths(raw, pattern))) {
    const parent = getNode(raw, secretPath.slice(0, -1));
    const key = secretPath[secretPath.length - 1] ?? '';
    if (!parent) continue;
    const dotted = secretPath.join('.');
    const filePath = parent[`${key}_file`];
    if (filePath !== undefined) {
      if (parent[key] !== undefined) throw new ConfigError(`${dotted}: set ${key} or ${key}_file, not both`);
      if (typeof filePath !== 'string') throw new ConfigError(`${dotted}_file: expected a file path`);
      try {
        parent[key] = readFile(resolve(baseDir, filePath)).trim();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        throw new ConfigError(`${dotted}_file: cannot read ${filePath} (${code})`);
      }
      delete parent[`${key}_file`];
    }
    if (typeof parent[key] === 'string' && parent[key] !== '') secrets.push(parent[key]);
  }
  return secrets;
}

/**
 * Loads the one configuration: the YAML file (optional: without one amcord runs on the embedded
 * default, in preview mode), ${VAR} substitution, AMCORD_* overrides, *_file secrets, then the
 * strict schema. Any problem is a ConfigError naming the key and what is wrong with it.
 */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const readFile = options.readFile ?? readText;
  const path = options.path ?? env.AMCORD_CONFIG;
  let raw: Record<string, unknown> = {};
  let source = 'embedded defaults';
  let baseDir = process.cwd();
  if (path) {
    source = path;
    baseDir = dirname(resolve(path));
    let text: string;
    try {
      text = readFile(path);
    } catch (error) {
      throw new ConfigError(`cannot read config file ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    raw = parseYaml(text, env, path);
  }
  try {
    raw = applyEnvOverrides(raw, configSchema, env);
  } catch (error) {
    if (error instanceof EnvOverrideError) throw new ConfigError(error.message);
    throw error;
  }
  const secrets = resolveSecretFiles(raw, baseDir, readFile);
  // The database password inside the URL, in each spelling an error or a log line could quote.
  const postgresUrl = getNode(raw, ['storage', 'postgres'])?.['url'];
  if (typeof postgresUrl === 'string' && postgresUrl !== '') secrets.push(...postgresUrlSecrets(postgresUrl.trim()));
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration (${source}):\n${z.prettifyError(parsed.error)}`);
  }
  return { config: parsed.data, source, secrets, baseDir };
}
