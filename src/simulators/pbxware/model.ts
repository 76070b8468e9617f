/**
 * The simulated PBXware's data: tenants (servers) with their packages, extensions, DIDs and
 * CDRs. Tests and the scenario change it; the action handlers read it.
 */

export interface SimTenant {
  serverId: string;
  name: string;
  tenantcode: string;
  packageId: string;
  extLength: number;
  countryId: string;
  countryCode: string;
}

/** A package: its name and the `package.add` settings (limits and options), as given. */
export interface SimPackage {
  id: string;
  name: string;
  settings: Record<string, string>;
}

export interface SimExtension {
  id: string;
  server: string;
  ext: string;
  name: string;
  email: string;
  protocol: string;
  status: 'enabled' | 'disabled';
  /** The SIP secret: only `ext.configuration` shows it, as the real API does. */
  secret: string;
  department: string;
}

export interface SimDid {
  id: string;
  server: string;
  number: string;
  trunk: string;
  ext: string;
  status: 'enabled' | 'disabled';
}

export type CdrStatus = 'Answered' | 'Not Answered' | 'Busy' | 'Failed';

export interface SimCdr {
  server: string;
  /** `Name (ext)` for an extension, the bare number otherwise. */
  from: string;
  to: string;
  /** Call start, epoch ms (the CDR's `Date/Time`). */
  startedAt: number;
  durationSec: number;
  billsec: number;
  status: CdrStatus;
  uniqueId: string;
  locationType: string;
  recordingAvailable: boolean;
}

export interface CdrSpec {
  server: string;
  from: string;
  to: string;
  status?: CdrStatus;
  durationSec?: number;
  /** Call start (epoch ms); by default the call ends now, so it starts `durationSec` ago. */
  startedAt?: number;
  uniqueId?: string;
  locationType?: string;
}

export interface PbxwareModelOptions {
  clock?: () => number;
  /** Start with the demo tenants, packages and extensions (default true). */
  seed?: boolean;
}

/** `package.add`'s settings for a package allowing `n` of each thing. */
export function packageSettings(n: number): Record<string, string> {
  const count = String(n);
  return {
    restrict_splans: '0',
    call_recordings: '1',
    monitoring: '1',
    call_screening: '0',
    extensions: count,
    voicemails: count,
    queues: String(Math.max(1, Math.floor(n / 10))),
    cfs: String(Math.max(1, Math.floor(n / 10))),
    rgroups: String(Math.max(1, Math.floor(n / 10))),
    hot_desking: count,
    ivrs: String(Math.max(1, Math.floor(n / 20))),
  };
}

export class PbxwareModel {
  readonly tenants = new Map<string, SimTenant>();
  readonly packages = new Map<string, SimPackage>();
  readonly extensions = new Map<string, SimExtension>();
  readonly dids = new Map<string, SimDid>();
  readonly cdrs: SimCdr[] = [];
  readonly #clock: () => number;
  #nextExtensionId = 1;
  #nextPackageId = 1;
  #nextDidId = 1;
  #seq = 0;

  constructor(options: PbxwareModelOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    if (options.seed ?? true) this.#seedDemo();
  }

  now(): number {
    return this.#clock();
  }

  addPackage(name: string, settings: Record<string, string>): SimPackage {
    const pkg: SimPackage = { id: String(this.#nextPackageId++), name, settings: { ...settings } };
    this.packages.set(pkg.id, pkg);
    return pkg;
  }

  addTenant(spec: { serverId: string; name: string; tenantcode: string; packageId?: string; extLength?: number }): SimTenant {
    const tenant: SimTenant = {
      serverId: spec.serverId,
      name: spec.name,
      tenantcode: spec.tenantcode,
      packageId: spec.packageId ?? '1',
      extLength: spec.extLength ?? 3,
      countryId: '869',
      countryCode: '1',
    };
    this.tenants.set(tenant.serverId, tenant);
    return tenant;
  }

  addExtension(spec: { server: string; ext: string; name?: string; protocol?: string; status?: 'enabled' | 'disabled' }): SimExtension {
    const id = String(this.#nextExtensionId++);
    const extension: SimExtension = {
      id,
      server: spec.server,
      ext: spec.ext,
      name: spec.name ?? `User ${spec.ext}`,
      email: `user${spec.ext}@example.com`,
      protocol: spec.protocol ?? 'sip',
      status: spec.status ?? 'enabled',
      secret: `s3cr3t-${spec.server}-${spec.ext}-${id}`,
      department: '4,6',
    };
    this.extensions.set(id, extension);
    return extension;
  }

  extensionsOf(server: string): SimExtension[] {
    return [...this.extensions.values()].filter((ext) => ext.server === server);
  }

  findExtension(server: string, ext: string): SimExtension | undefined {
    return this.extensionsOf(server).find((row) => row.ext === ext);
  }

  addDid(spec: { server: string; number: string; ext: string; trunk?: string }): SimDid {
    const did: SimDid = { id: String(this.#nextDidId++), server: spec.server, number: spec.number, trunk: spec.trunk ?? '6099', ext: spec.ext, status: 'enabled' };
    this.dids.set(did.id, did);
    return did;
  }

  /**
   * Writes a CDR, as PBXware does when a call ends.
   *
   * @example
   * model.addCdr({ server: '2', from: 'User 530 (530)', to: '33170200258', durationSec: 42 });
   */
  addCdr(spec: CdrSpec): SimCdr {
    const status = spec.status ?? 'Answered';
    const durationSec = spec.durationSec ?? 30;
    const startedAt = spec.startedAt ?? this.#clock() - durationSec * 1000;
    const cdr: SimCdr = {
      server: spec.server,
      from: spec.from,
      to: spec.to,
      startedAt,
      durationSec,
      billsec: status === 'Answered' ? durationSec : 0,
      status,
      uniqueId: spec.uniqueId ?? `${Math.floor(startedAt / 1000)}.${this.#seq++}`,
      locationType: spec.locationType ?? 'Local',
      recordingAvailable: false,
    };
    this.cdrs.push(cdr);
    return cdr;
  }

  /** CDRs of `server` whose start is within [fromMs, toMs], oldest first (stable). */
  cdrsBetween(server: string, fromMs: number, toMs: number): SimCdr[] {
    return this.cdrs
      .map((cdr, index) => ({ cdr, index }))
      .filter(({ cdr }) => cdr.server === server && cdr.startedAt >= fromMs && cdr.startedAt <= toMs)
      .sort((a, b) => a.cdr.startedAt - b.cdr.startedAt || a.index - b.index)
      .map(({ cdr }) => cdr);
  }

  #seedDemo(): void {
    this.addPackage('Package 1', packageSettings(100));
    this.addPackage('Package 2', packageSettings(50));
    this.addPackage('Package 3', packageSettings(10));
    this.addTenant({ serverId: '2', name: 'acme.pbx.example', tenantcode: '344', packageId: '1' });
    this.addTenant({ serverId: '3', name: 'globex.pbx.example', tenantcode: '345', packageId: '2' });
    this.addExtension({ server: '2', ext: '530', name: 'User 530' });
    this.addExtension({ server: '2', ext: '531', name: 'Alice Martin' });
    this.addExtension({ server: '2', ext: '532', name: 'Reception', status: 'disabled' });
    this.addExtension({ server: '3', ext: '300', name: 'Bob Durand' });
    this.addExtension({ server: '3', ext: '301', name: 'Support', protocol: 'pjsip' });
    this.addDid({ server: '2', number: '33170200258', ext: '530' });
  }
}
