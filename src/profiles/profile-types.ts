/**
 * PBX connection profile types (`_type`, as in the seed API) and the vendor each one stands
 * for. A profile's body is validated with that vendor's own source config schema, looked up at
 * run time in SOURCE_CONFIG_SCHEMAS by its `vendor` literal: a vendor whose folder is not
 * registered (yet) is simply not available, and a new vendor needs one line here.
 */
import type { z } from 'zod';
import type { SourceConfig } from '../config/schema.js';
import { InvalidArgumentError } from '../errors.js';
import { SOURCE_CONFIG_SCHEMAS } from '../vendors/config-registry.js';

export interface ProfileTypeInfo {
  /** The `vendor` of the source config (`sources[].vendor` in the config file). */
  readonly vendor: string;
  /** Top-level fields that hold credentials: write-only, masked in every answer. */
  readonly secrets: readonly string[];
}

export const PROFILE_TYPES = Object.freeze({
  MirtaPbxConnectionProfile: { vendor: 'mirta', secrets: ['key'] },
  KazooPbxConnectionProfile: { vendor: 'kazoo', secrets: ['apiKey'] },
  ThreeCxConnectionProfile: { vendor: '3cx', secrets: ['clientSecret'] },
  XivoConnectionProfile: { vendor: 'xivo', secrets: ['password'] },
  PbxwareConnectionProfile: { vendor: 'pbxware', secrets: ['apiKey'] },
  WebAppelConnectionProfile: { vendor: 'webappel', secrets: ['pass'] },
} as const satisfies Record<string, ProfileTypeInfo>);

export type ProfileTypeName = keyof typeof PROFILE_TYPES;
export const PROFILE_TYPE_NAMES = Object.keys(PROFILE_TYPES) as ProfileTypeName[];

/**
 * A vendor schema as this module uses it: parses to one member of the SourceConfig union, and
 * its `shape` tells which tenant binding the vendor has (`tenant` or a `tenants` map).
 */
export interface VendorSchema {
  readonly schema: z.ZodType<SourceConfig>;
  readonly fields: ReadonlySet<string>;
}

export interface ResolvedProfileType extends ProfileTypeInfo, VendorSchema {
  readonly type: ProfileTypeName;
}

export function isProfileType(value: unknown): value is ProfileTypeName {
  return typeof value === 'string' && Object.hasOwn(PROFILE_TYPES, value);
}

/** What a vendor registry holds: object schemas with a `vendor` literal (SOURCE_CONFIG_SCHEMAS). */
export type VendorRegistry = ReadonlyArray<{ readonly shape: { readonly vendor: { readonly value: unknown } } }>;

/** The registered schema whose `vendor` literal is `vendor`, or undefined. */
export function vendorSchema(vendor: string, registry: VendorRegistry = SOURCE_CONFIG_SCHEMAS): VendorSchema | undefined {
  for (const schema of registry) {
    if (schema.shape.vendor.value === vendor) {
      // Each registered schema is one member of the config file's `sources[]` union, so its
      // output is a SourceConfig; the tuple's element types are too many to narrow generically.
      return { schema: schema as unknown as z.ZodType<SourceConfig>, fields: new Set(Object.keys(schema.shape)) };
    }
  }
  return undefined;
}

/** The `_type`s this bridge can run now (their vendor is registered). */
export function availableProfileTypes(registry: VendorRegistry = SOURCE_CONFIG_SCHEMAS): ProfileTypeName[] {
  return PROFILE_TYPE_NAMES.filter((type) => vendorSchema(PROFILE_TYPES[type].vendor, registry) !== undefined);
}

/**
 * The type and vendor schema of a profile body's `_type`; `invalid_argument` naming `_type`
 * for a missing, unknown or not (yet) available one.
 *
 * @example
 * resolveProfileType('KazooPbxConnectionProfile').vendor; // 'kazoo'
 * resolveProfileType('Nope'); // throws InvalidArgumentError('_type: unknown profile type ...')
 */
export function resolveProfileType(type: unknown, registry: VendorRegistry = SOURCE_CONFIG_SCHEMAS): ResolvedProfileType {
  if (type === undefined) throw new InvalidArgumentError(`_type: required, one of ${PROFILE_TYPE_NAMES.join(', ')}`);
  if (!isProfileType(type)) {
    const shown = typeof type === 'string' ? `"${type.slice(0, 64)}"` : `a ${type === null ? 'null' : typeof type}`;
    throw new InvalidArgumentError(`_type: unknown profile type ${shown}; one of ${PROFILE_TYPE_NAMES.join(', ')}`);
  }
  const info = PROFILE_TYPES[type];
  const found = vendorSchema(info.vendor, registry);
  if (!found) {
    throw new InvalidArgumentError(`_type: "${type}" is not available on this bridge (its vendor "${info.vendor}" is not installed)`);
  }
  return { type, ...info, ...found };
}
