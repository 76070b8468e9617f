/** Reads a YAML/JSON config file, replaces `${ENV}`, validates, freezes. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.js';
import { zodIssues } from '../util/zod-message.js';
import { ConfigSchema, type Config } from './schema.js';

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** No config is this deep; a hostile one must not exhaust the stack (a crash, not an error). */
export const MAX_CONFIG_DEPTH = 32;

/**
 * Replaces `${NAME}` in every string, collecting each missing variable with its path (and any
 * part nested beyond MAX_CONFIG_DEPTH) in `missing`.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, path: string, missing: string[], depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (_match, name: string) => {
      const replacement = env[name];
      if (replacement === undefined) {
        missing.push(`${path || '(root)'}: environment variable ${name} is not set`);
        return '';
      }
      return replacement;
    });
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_CONFIG_DEPTH) {
    missing.push(`${path || '(root)'}: nested deeper than ${MAX_CONFIG_DEPTH} levels`);
    return undefined;
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, `${path}[${i}]`, missing, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty, not assignment: a `__proto__` key stays a key (and is then refused as
    // unknown) instead of replacing the object's prototype.
    Object.defineProperty(out, key, {
      value: interpolateEnv(item, env, path ? `${path}.${key}` : key, missing, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/** Validates an already-parsed document (used by `load` and by embedded/demo configs). */
export function parseConfig(document: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const missing: string[] = [];
  const interpolated = interpolateEnv(document, env, '', missing);
  if (missing.length > 0) throw new ConfigError(missing);
  const result = ConfigSchema.safeParse(interpolated);
  if (!result.success) throw new ConfigError(zodIssues(result.error));
  return deepFreeze(result.data);
}

/** Loads the file; YAML is a superset of JSON, so one parser reads both. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    throw new ConfigError([`${file}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0]}`]);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([`${file}: the top level must be a mapping`]);
  }
  return parseConfig(document, env);
}
