/**
 * What `pbxware.tenant.list` and `pbxware.package.*` say about the bridge's tenants: whether each
 * configured server id exists, and the tenant's package (its limits, when PBXware shows them).
 * Served read-only to operators (GET /v1/tenants/{tenant}/sources/{id}). Pure: no I/O.
 */
import type { PackageConfiguration, TenantRow } from './parsers.js';

/** `package.add` fields that cap a tenant (seed 000), under the names the bridge shows. */
const LIMIT_FIELDS = {
  extensions: 'extensions',
  voicemails: 'voicemails',
  queues: 'queues',
  cfs: 'conferences',
  rgroups: 'ringGroups',
  hot_desking: 'hotDesking',
  ivrs: 'ivrs',
} as const;
/** `package.add` yes/no options. */
const FEATURE_FIELDS = {
  call_recordings: 'callRecordings',
  monitoring: 'monitoring',
  call_screening: 'callScreening',
} as const;

export interface PackageInfo {
  id: string;
  name?: string;
  /** Most of each thing the tenant may create; absent when PBXware does not show the settings. */
  limits?: Record<string, number>;
  features?: Record<string, boolean>;
}

export interface TenantInfo {
  serverId: string;
  /** False when `pbxware.tenant.list` has no such server id. */
  known: boolean;
  name?: string;
  tenantCode?: string;
  extLength?: number;
  countryCode?: string;
  package?: PackageInfo;
  /** When PBXware was last asked. */
  checkedAt: string;
}

const text = (value: string | null | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/** The package ids of the mapped tenants that exist (the only ones worth a configuration call). */
export function packageIdsOf(servers: Iterable<string>, tenants: ReadonlyMap<string, TenantRow>): Set<string> {
  const ids = new Set<string>();
  for (const server of servers) {
    const id = text(tenants.get(server)?.package_id);
    if (id !== undefined && /^\d+$/.test(id)) ids.add(id);
  }
  return ids;
}

/** Limits and features from a package's settings; unknown fields are left out. */
export function packageLimits(settings: Readonly<Record<string, string>>): Pick<PackageInfo, 'limits' | 'features'> {
  const limits: Record<string, number> = {};
  for (const [field, name] of Object.entries(LIMIT_FIELDS)) {
    const value = settings[field]?.trim();
    if (value !== undefined && /^\d{1,9}$/.test(value)) limits[name] = Number(value);
  }
  const features: Record<string, boolean> = {};
  for (const [field, name] of Object.entries(FEATURE_FIELDS)) {
    const value = settings[field]?.trim().toLowerCase();
    if (value === '1' || value === 'yes' || value === 'true') features[name] = true;
    else if (value === '0' || value === 'no' || value === 'false') features[name] = false;
  }
  return { limits, features };
}

/**
 * One TenantInfo per bridge tenant.
 *
 * @example
 * const infos = tenantInfos({ acme: '2' }, parseTenantList(body), packageNames, configurations, new Date().toISOString());
 * infos.get('acme'); // { serverId: '2', known: true, name: 't1.dot.com', package: { id: '1', name: 'Package 1', limits: {...} }, ... }
 */
export function tenantInfos(
  mapping: Readonly<Record<string, string>>,
  tenants: ReadonlyMap<string, TenantRow>,
  packageNames: ReadonlyMap<string, string>,
  configurations: ReadonlyMap<string, PackageConfiguration>,
  checkedAt: string,
): Map<string, TenantInfo> {
  const out = new Map<string, TenantInfo>();
  for (const [tenant, serverId] of Object.entries(mapping)) {
    const row = tenants.get(serverId);
    const info: TenantInfo = { serverId, known: row !== undefined, checkedAt };
    if (row) {
      const name = text(row.name);
      if (name !== undefined) info.name = name;
      const code = text(row.tenantcode);
      if (code !== undefined) info.tenantCode = code;
      const extLength = Number(text(row.ext_length));
      if (Number.isInteger(extLength) && extLength > 0) info.extLength = extLength;
      const country = text(row.country_code);
      if (country !== undefined) info.countryCode = country;
      const packageId = text(row.package_id);
      if (packageId !== undefined) {
        const pkg: PackageInfo = { id: packageId };
        const packageName = packageNames.get(packageId) ?? text(row.package);
        if (packageName !== undefined) pkg.name = packageName;
        const configuration = configurations.get(packageId);
        if (configuration?.kind === 'settings') Object.assign(pkg, packageLimits(configuration.settings));
        info.package = pkg;
      }
    }
    out.set(tenant, info);
  }
  return out;
}
