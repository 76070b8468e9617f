/**
 * From an untrusted profile body to a stored profile and the SourceConfig it runs as. A body is
 * the profile's own fields (`_type`, `id`, `name`, `enabled`, `tenant`) plus the vendor's fields
 * exactly as a `sources[]` entry of the config file has them; the vendor part is validated with
 * the vendor's schema, after the bridge has put in what is not the caller's to choose: the
 * source id, the vendor, the tenant binding and the data directory.
 */
import { z } from 'zod';
import type { SourceConfig } from '../config/schema.js';
import { InvalidArgumentError } from '../errors.js';
import { NameSchema } from '../protocol/messages.js';
import { parseOrThrow } from '../server/ack.js';
import { formatPath, zodMessage } from '../util/zod-message.js';
import type { StoredProfile } from './profile-store.js';
import { resolveProfileType, type ResolvedProfileType } from './profile-types.js';
import { keepMaskedSecrets } from './secret-fields.js';

/** The profile's own keys; everything else in a body is the vendor's. */
const META_KEYS: ReadonlySet<string> = new Set(['_type', 'id', 'name', 'enabled', 'tenant', 'vendor']);
/** Keys answers carry: a client may send what it read back, and they are then ignored. */
const READ_ONLY_KEYS: ReadonlySet<string> = new Set(['sourceStatus', 'problem', 'createdAt', 'updatedAt']);
/** Vendor fields only the config file sets: a path on the bridge's disk is not the API's to choose. */
const OPERATOR_ONLY_FIELDS: readonly string[] = ['dataDir'];

const MAX_DEPTH = 6;
const MAX_KEYS = 256;
const MAX_KEY_LENGTH = 64;
/** Keys that reach prototypes when objects are merged by assignment (as a PATCH does). */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const MetaSchema = z.object({
  id: NameSchema.optional(),
  name: z.string().trim().min(1).max(128).optional(),
  enabled: z.boolean().optional(),
  tenant: NameSchema.optional(),
  vendor: z.string().max(64).optional(),
});
type Meta = z.infer<typeof MetaSchema>;

export type Settings = Record<string, unknown>;

/** What a POST body asks for, checked. */
export interface CreateRequest {
  readonly type: ResolvedProfileType;
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly enabled: boolean;
  readonly settings: Settings;
}

/** What a PATCH body changes; absent members are left as they are. */
export interface PatchRequest {
  readonly name: string | undefined;
  readonly enabled: boolean | undefined;
  /** The vendor fields after the merge, or undefined when the body changes none. */
  readonly settings: Settings | undefined;
}

export interface BindOptions {
  /** The bridge's `dataDir`, given to vendors that keep cursors on disk (XiVO, PBXware). */
  readonly dataDir?: string | undefined;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/** A POST body: `_type` first (it picks the schema), then the rest. */
export function parseCreate(body: unknown, tenant: string): CreateRequest {
  const object = asBody(body);
  const type = resolveProfileType(object._type);
  const meta = parseMeta(object, tenant, type);
  const settings = keepMaskedSecrets(vendorPart(object), undefined, type.secrets);
  return { type, id: meta.id, name: meta.name, enabled: meta.enabled ?? false, settings };
}

/**
 * A PATCH body against the stored profile: a JSON merge patch (RFC 7396: objects merge, `null`
 * removes a field, anything else replaces). `_type`, `id` and `tenant` may be sent but not
 * changed; a masked secret keeps the stored one.
 */
export function parsePatch(body: unknown, current: StoredProfile): PatchRequest {
  const object = asBody(body);
  const type = resolveProfileType(current.type);
  if (object._type !== undefined && object._type !== current.type) {
    throw new InvalidArgumentError(`_type: cannot change (is "${current.type}"); delete the profile and create another`);
  }
  const meta = parseMeta(object, current.tenant, type);
  if (meta.id !== undefined && meta.id !== current.id) throw new InvalidArgumentError(`id: cannot change (is "${current.id}")`);
  const patch = vendorPart(object);
  const settings =
    Object.keys(patch).length === 0 ? undefined : (mergePatch(current.settings, keepMaskedSecrets(patch, current.settings, type.secrets)) as Settings);
  return { name: meta.name, enabled: meta.enabled, settings };
}

/**
 * The SourceConfig a profile runs as, validated with its vendor's schema; `invalid_argument`
 * naming the field when it does not pass.
 *
 * @example
 * toSourceConfig({ id: 'pbx-1', tenant: 'acme', type: 'KazooPbxConnectionProfile', settings }, {});
 * // { id: 'pbx-1', vendor: 'kazoo', tenant: 'acme', rest: ..., apiKey: ..., poll: {...}, limits: {...} }
 */
export function toSourceConfig(profile: Pick<StoredProfile, 'id' | 'tenant' | 'type' | 'settings'>, options: BindOptions): SourceConfig {
  const type = resolveProfileType(profile.type);
  const candidate: Settings = { ...profile.settings, id: profile.id, vendor: type.vendor };
  if (type.fields.has('tenant')) candidate.tenant = profile.tenant;
  else if (type.fields.has('tenants')) checkTenantMap(profile.settings.tenants, profile.tenant);
  else throw new InvalidArgumentError(`_type: "${type.type}" has no tenant binding the API can restrict`);
  if (type.fields.has('dataDir') && options.dataDir !== undefined) candidate.dataDir = options.dataDir;
  const parsed = type.schema.safeParse(candidate);
  if (!parsed.success) throw new InvalidArgumentError(zodMessage(parsed.error));
  return parsed.data;
}

function asBody(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw new InvalidArgumentError('(root): expected a JSON object');
  const problem = scan(body);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return body;
}

function parseMeta(object: Record<string, unknown>, tenant: string, type: ResolvedProfileType): Meta {
  const picked: Record<string, unknown> = {};
  for (const key of META_KEYS) if (key !== '_type' && object[key] !== undefined) picked[key] = object[key];
  const meta = parseOrThrow(MetaSchema, picked);
  if (meta.tenant !== undefined && meta.tenant !== tenant) {
    throw new InvalidArgumentError(`tenant: a profile serves the tenant of its path ("${tenant}"), not "${meta.tenant}"`);
  }
  if (meta.vendor !== undefined && meta.vendor !== type.vendor) {
    throw new InvalidArgumentError(`vendor: "${type.type}" is vendor "${type.vendor}"`);
  }
  return meta;
}

/** The vendor's fields of a body: neither the profile's own keys nor the read-only ones. */
function vendorPart(object: Record<string, unknown>): Settings {
  const settings: Settings = {};
  for (const [key, value] of Object.entries(object)) {
    if (META_KEYS.has(key) || READ_ONLY_KEYS.has(key)) continue;
    if (OPERATOR_ONLY_FIELDS.includes(key)) throw new InvalidArgumentError(`${key}: set by the bridge's configuration, not through the API`);
    settings[key] = value;
  }
  return settings;
}

/** A `tenants` map (MiRTA, PBXware) may only name the path's tenant. */
function checkTenantMap(map: unknown, tenant: string): void {
  if (!isPlainObject(map)) return; // the vendor schema reports the missing or malformed map
  const others = Object.keys(map).filter((key) => key !== tenant);
  if (others.length > 0) {
    throw new InvalidArgumentError(
      `tenants: a profile serves only the tenant of its path ("${tenant}"); remove ${others
        .slice(0, 3)
        .map((key) => `"${key.slice(0, 64)}"`)
        .join(', ')}`,
    );
  }
}

/** RFC 7396 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** Prototype keys, absurd nesting, key floods and huge keys: refused before anything reads them. */
function scan(root: Record<string, unknown>): string | undefined {
  let keysSeen = 0;
  const visit = (value: unknown, path: PropertyKey[]): string | undefined => {
    if (value === null || typeof value !== 'object') return undefined;
    if (path.length >= MAX_DEPTH) return `${formatPath(path)}: nested too deeply`;
    const entries: Array<[PropertyKey, unknown]> = Array.isArray(value) ? value.map((item, index) => [index, item]) : Object.entries(value);
    keysSeen += entries.length;
    if (keysSeen > MAX_KEYS) return `${formatPath(path)}: too many keys`;
    for (const [key, child] of entries) {
      if (typeof key === 'string' && key.length > MAX_KEY_LENGTH) return `${formatPath(path)}: a key is longer than ${MAX_KEY_LENGTH} characters`;
      if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) return `${formatPath([...path, key])}: key not allowed`;
      const problem = visit(child, [...path, key]);
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
  return visit(root, []);
}
