/**
 * The PBXware source: three read-only polls per mapped tenant (server id). `extensions` from
 * `pbxware.ext.list`; `calls` records (`call.recorded`) from `pbxware.cdr.download`, followed by a
 * CdrFollower per tenant with a cursor that survives restarts; and a slow `packages` poll that
 * checks the server ids (`pbxware.tenant.list`) and keeps each tenant's package limits for
 * operators (`info`). The PBXware HTTP API has no call control and no live state: every command
 * is `unsupported`.
 */
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { UnsupportedError } from '../../errors.js';
import type { BridgeMetrics } from '../../observability/metrics.js';
import { PollError, isPollError } from '../../pollers/poll-error.js';
import type { PollLoop } from '../../pollers/poll-loop.js';
import { vendorPollLoop } from '../../pollers/vendor-poll-loop.js';
import type { SnapshotSink } from '../../pollers/snapshot-sink.js';
import type { SourceHealth } from '../../pollers/source-health.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { CallRecord, Entity, SourceStatus, Topic } from '../../protocol/entities.js';
import { createSourceOutputs } from '../../sources/health-publisher.js';
import type { CommandContext, CommandOutcome, Source, SourceContext } from '../../sources/source.js';
import type { VendorBudget } from '../../sources/vendor-budget.js';
import { CdrCursorStore } from './cdr-cursor-store.js';
import { CdrFollower } from './cdr-follower.js';
import { PbxwareClient, type PbxwareAction } from './client.js';
import type { PbxwarePollTopic, PbxwareSourceConfig } from './config.js';
import { extensionsFromList, type CdrRecord } from './normalizer.js';
import { parseCdrPage, parseExtList, parsePackageConfiguration, parsePackageList, parseTenantList, type PackageConfiguration } from './parsers.js';
import { packageIdsOf, tenantInfos, type TenantInfo } from './tenant-directory.js';
import { PBXWARE_VENDOR_NAME, isNoRecordsError } from './vendor-errors.js';
import { childWith } from '../../util/logger.js';

export interface PbxwareSourceOptions extends SourceContext {
  config: PbxwareSourceConfig;
  metrics?: BridgeMetrics;
  dispatcher?: Dispatcher;
}

type TenantPoll = (tenant: string, server: string, signal: AbortSignal, timeoutMs: number) => Promise<void>;

/** A tenant's failure, named: one source serves several tenants. */
function forTenant(err: unknown, tenant: string): unknown {
  return isPollError(err) ? new PollError(err.reason, `tenant ${tenant}: ${err.message}`, { cause: err }) : err;
}

export class PbxwareSource implements Source {
  readonly id: string;
  readonly vendor = 'pbxware';
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[];
  readonly commands: readonly CommandType[] = [];
  readonly #config: PbxwareSourceConfig;
  readonly #client: PbxwareClient;
  readonly #sink: SnapshotSink;
  readonly #health: SourceHealth;
  readonly #budget: VendorBudget;
  readonly #logger: Logger;
  readonly #metrics: BridgeMetrics | undefined;
  readonly #now: () => Date;
  readonly #cursors: CdrCursorStore;
  readonly #followers = new Map<string, CdrFollower>();
  /** Tenants whose server id `pbxware.tenant.list` does not know: not polled until it does. */
  readonly #unknown = new Set<string>();
  /** Consecutive empty extension lists per tenant while extensions were known. */
  readonly #emptyStreak = new Map<string, number>();
  #info = new Map<string, TenantInfo>();
  #packageNames = new Map<string, string>();
  readonly #packages = new Map<string, PackageConfiguration>();
  #loops: PollLoop[] = [];

  constructor(options: PbxwareSourceOptions) {
    const config = options.config;
    this.#config = config;
    this.id = config.id;
    this.tenants = Object.keys(config.tenants);
    const topics: Topic[] = [];
    if (config.poll.extensions > 0) topics.push('extensions');
    if (config.poll.cdr > 0) topics.push('calls');
    this.topics = topics;
    this.#budget = options.budget;
    this.#logger = childWith(options.logger, { source: config.id, vendor: 'pbxware' });
    this.#metrics = options.metrics;
    this.#now = options.now ?? (() => new Date());
    const clientOptions: ConstructorParameters<typeof PbxwareClient>[0] = { url: config.url, apiKey: config.apiKey, connections: config.limits.concurrency };
    if (options.dispatcher) clientOptions.dispatcher = options.dispatcher;
    this.#client = new PbxwareClient(clientOptions);
    ({ sink: this.#sink, health: this.#health } = createSourceOutputs({
      bus: options.bus,
      source: config.id,
      vendor: 'pbxware',
      tenants: this.tenants,
      downAfter: config.health.downAfter,
      logger: options.logger,
      now: this.#now,
    }));
    this.#cursors = new CdrCursorStore(config.dataDir, config.id);
  }

  get status(): SourceStatus | undefined {
    return this.#health.status;
  }

  /**
   * What PBXware says about `tenant` (server id check, package and its limits) and how far its
   * CDRs were read; undefined for a tenant this source does not serve. No secrets in it.
   */
  info(tenant: string): Readonly<Record<string, unknown>> | undefined {
    const server = this.#config.tenants[tenant];
    if (server === undefined) return undefined;
    const out: Record<string, unknown> = { ...structuredClone(this.#info.get(tenant) ?? { serverId: server }) };
    const watermark = this.#followers.get(tenant)?.cursor.watermark;
    // Every CDR PBXware had written by this time has been read.
    if (watermark !== undefined) out.cdrReadUpTo = new Date(watermark).toISOString();
    return out;
  }

  async start(): Promise<void> {
    if (this.#loops.length > 0) return;
    if (this.#followers.size === 0) await this.#loadCursors();
    const plans: Array<[PbxwarePollTopic, (signal: AbortSignal, timeoutMs: number) => Promise<void>]> = [
      ['packages', (signal, timeoutMs) => this.#pollPackages(signal, timeoutMs)],
      ['extensions', (signal, timeoutMs) => this.#eachTenant(signal, timeoutMs, (t, s, sig, ms) => this.#pollExtensions(t, s, sig, ms))],
      ['cdr', (signal, timeoutMs) => this.#eachTenant(signal, timeoutMs, (t, s, sig, ms) => this.#pollCdr(t, s, sig, ms))],
    ];
    this.#loops = plans.filter(([topic]) => this.#config.poll[topic] > 0).map(([topic, poll]) => this.#loop(topic, poll));
    for (const loop of this.#loops) loop.start();
  }

  async stop(): Promise<void> {
    const loops = this.#loops;
    this.#loops = [];
    await Promise.all(loops.map((loop) => loop.stop()));
    await this.#client.close();
  }

  /** PBXware's HTTP API has no call, agent or queue control (docs/vendors/pbxware.md). */
  execute(command: ValidatedCommand, _context: CommandContext): Promise<CommandOutcome> {
    return Promise.reject(new UnsupportedError(`PBXware's API cannot do ${command.type}`));
  }

  async #loadCursors(): Promise<void> {
    const saved = await this.#cursors.load();
    const { lookback, pageSize, maxPagesPerPoll, timeZone, startAt } = this.#config.cdr;
    for (const [tenant, server] of Object.entries(this.#config.tenants)) {
      const previous = saved.get(tenant);
      // A cursor of another server id belongs to other CDRs.
      const cursor = previous?.server === server ? previous : { server, watermark: undefined, seen: new Map<string, number>() };
      this.#followers.set(
        tenant,
        new CdrFollower(cursor, { lookbackMs: lookback, pageSize, maxPagesPerPoll, timeZone, silentStart: startAt === 'latest', now: () => this.#now().getTime() }),
      );
    }
  }

  #loop(topic: PbxwarePollTopic, poll: (signal: AbortSignal, timeoutMs: number) => Promise<void>): PollLoop {
    const requestTimeoutMs = this.#config.limits.timeout;
    // CDR pages and per-tenant lists are several requests per run, each with its own deadline.
    const requests = topic === 'cdr' ? this.#config.cdr.maxPagesPerPoll * this.tenants.length : this.tenants.length + 2;
    return vendorPollLoop({
      vendor: PBXWARE_VENDOR_NAME,
      source: this.id,
      topic,
      intervalMs: this.#config.poll[topic],
      timeoutMs: requestTimeoutMs * Math.max(2, requests),
      poll: (signal) => poll(signal, requestTimeoutMs),
      health: this.#health,
      logger: this.#logger,
      metrics: this.#metrics,
    });
  }

  #call(action: PbxwareAction, params: Record<string, string>, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
    return this.#budget.run('poll', (slot) => this.#client.call(action, params, { timeoutMs, signal: slot ?? signal }), signal);
  }

  /** Runs `poll` for every tenant with a known server id; one tenant's failure does not hold back the others. */
  async #eachTenant(signal: AbortSignal, timeoutMs: number, poll: TenantPoll): Promise<void> {
    let firstError: unknown;
    for (const [tenant, server] of Object.entries(this.#config.tenants)) {
      if (this.#unknown.has(tenant)) continue;
      try {
        await poll(tenant, server, signal, timeoutMs);
      } catch (err) {
        if (signal.aborted) throw err;
        firstError ??= forTenant(err, tenant);
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  async #pollExtensions(tenant: string, server: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
    const rows = parseExtList(await this.#call('pbxware.ext.list', { server }, signal, timeoutMs));
    const base = { source: this.id, observedAt: this.#now().toISOString() };
    await this.#sink.replace(tenant, 'extensions', (previous) => {
      this.#guardEmpty(tenant, rows.size === 0, previous.size);
      return extensionsFromList(rows, base);
    });
  }

  /**
   * A tenant that had extensions and now lists none is a failed poll (a key glitch or a
   * half-broken PBX answers `[]`), until `health.downAfter` such answers in a row: the next is believed.
   */
  #guardEmpty(tenant: string, empty: boolean, previous: number): void {
    if (!empty || previous === 0) {
      this.#emptyStreak.delete(tenant);
      return;
    }
    const count = (this.#emptyStreak.get(tenant) ?? 0) + 1;
    if (count > this.#config.health.downAfter) {
      this.#emptyStreak.delete(tenant);
      this.#logger.warn({ op: 'extensions', tenant, previous }, 'pbxware empty extension list accepted after repeated polls');
      return;
    }
    this.#emptyStreak.set(tenant, count);
    throw new PollError('suspicious_empty', `empty extension list while ${previous} were known; ignored`);
  }

  async #pollCdr(tenant: string, server: string, signal: AbortSignal, timeoutMs: number): Promise<void> {
    const follower = this.#followers.get(tenant);
    if (!follower) return;
    const result = await follower.poll(
      async (params) => {
        try {
          return parseCdrPage(await this.#call('pbxware.cdr.download', { server, ...params }, signal, timeoutMs));
        } catch (err) {
          if (isNoRecordsError(err)) return { header: [], rows: [], nextPage: false };
          throw err;
        }
      },
      (records) => this.#publishCalls(tenant, records),
    );
    if (result.skipped > 0) this.#logger.warn({ op: 'cdr', tenant, skipped: result.skipped }, 'pbxware CDR rows without a unique id or time skipped');
    if (result.changed && this.#cursors.persistent) await this.#cursors.save(new Map([...this.#followers].map(([t, f]) => [t, f.cursor])));
  }

  async #publishCalls(tenant: string, records: readonly CdrRecord[]): Promise<void> {
    const observedAt = this.#now().toISOString();
    const upserts = new Map<string, Entity>();
    for (const record of records) upserts.set(record.key, { ...record.fields, source: this.id, observedAt } satisfies CallRecord);
    await this.#sink.patch(tenant, 'calls', upserts);
  }

  async #pollPackages(signal: AbortSignal, timeoutMs: number): Promise<void> {
    const tenants = parseTenantList(await this.#call('pbxware.tenant.list', {}, signal, timeoutMs));
    this.#checkServers(tenants);
    const servers = Object.values(this.#config.tenants);
    const wanted = packageIdsOf(servers, tenants);
    try {
      if (wanted.size > 0) this.#packageNames = parsePackageList(await this.#call('pbxware.package.list', {}, signal, timeoutMs));
      for (const id of wanted) {
        this.#packages.set(id, parsePackageConfiguration(await this.#call('pbxware.package.configuration', { id }, signal, timeoutMs)));
      }
    } finally {
      // The server check stands even when a package call failed; its limits are the last read.
      this.#info = tenantInfos(this.#config.tenants, tenants, this.#packageNames, this.#packages, this.#now().toISOString());
    }
  }

  /** Flags (once) the tenants whose server id PBXware does not list, and clears those that came back. */
  #checkServers(tenants: ReadonlyMap<string, unknown>): void {
    for (const [tenant, server] of Object.entries(this.#config.tenants)) {
      const part = `server:${tenant}`;
      if (!tenants.has(server)) {
        if (this.#unknown.has(tenant)) continue;
        this.#unknown.add(tenant);
        const message = `tenant ${tenant}: ${PBXWARE_VENDOR_NAME} has no tenant with server id ${server} (see pbxware.tenant.list); not polled`;
        this.#logger.warn({ op: 'packages', tenant, server }, 'pbxware server id unknown');
        this.#health.failed(part, message);
      } else if (this.#unknown.delete(tenant)) {
        this.#health.succeeded(part);
      }
    }
  }
}
