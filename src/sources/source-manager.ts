/**
 * The one owner of running sources: builds each from its config with its own VendorBudget and
 * limits, registers it in the SourceDirectory, starts it, and later stops it again. The config
 * file's sources (bridge start) and the API's PBX profiles (at run time) both go through it, so
 * starting and stopping one source happens in exactly one place (`#start` / `#stop`): the place
 * where a cluster lease will be taken and released.
 */
import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import { KeyedLock } from '../bus/keyed-lock.js';
import type { SourceConfig } from '../config/schema.js';
import { DuplicateError, NotFoundError, UnavailableError } from '../errors.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import { SnapshotSink } from '../pollers/snapshot-sink.js';
import type { Entity, SourceEntity, SourceStatus } from '../protocol/entities.js';
import { buildSource, type SourceBuildContext } from '../vendors/source-registry.js';
import type { Demand } from '../demand/demand.js';
import { LeasedSource, type Lease } from './leased-source.js';
import { SourceDirectory } from './source-directory.js';
import type { Source } from './source.js';
import { VendorBudget, type SharedRateGate } from './vendor-budget.js';

/** Where a source was defined: the config file, or the REST API (a PBX profile). */
export type SourceOrigin = 'config' | 'api';

/**
 * Cluster mode: what makes a source shared by several nodes. Each node builds every source (so
 * it can carry out its commands) but polls only while it holds the source's lease.
 */
export interface SourceCluster {
  /** A new lease for `source` (cluster/lease.ts), not started yet. */
  lease(source: string): Lease;
  /** The cluster-wide rate budget of `source` for its `limits.perSecond`. */
  rateGate(source: string, perSecond: number): SharedRateGate;
}

/** A source's `limits` as validated (durations in ms): what the command layer reads. */
export type SourceLimits = SourceConfig['limits'];

/** What `list()` and `get()` tell about one running source. */
export interface ManagedSourceInfo {
  readonly id: string;
  readonly vendor: string;
  readonly tenants: readonly string[];
  readonly origin: SourceOrigin;
  /** Undefined until the first poll (or connection) result. */
  readonly status: SourceStatus | undefined;
  /** Cluster mode: whether this node polls it now (holds its lease). Always true on one node. */
  readonly polling: boolean;
}

export interface SourceManagerOptions {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly metrics?: BridgeMetrics | undefined;
  /** Where running sources are registered; a fresh one by default. */
  readonly directory?: SourceDirectory | undefined;
  /** Builds a source from its config; `buildSource` (the vendor registry) by default. */
  readonly build?: ((config: SourceConfig, context: SourceBuildContext) => Source) | undefined;
  readonly now?: (() => Date) | undefined;
  /** Demand-driven polling: who watches what, and the interval of unwatched topics. */
  readonly demand?: Demand | undefined;
  readonly idlePollMs?: number | undefined;
  /** Cluster mode: leases and cluster-wide rate budgets. Absent: every source polls here. */
  readonly cluster?: SourceCluster | undefined;
}

export interface RemoveOptions {
  /**
   * Shown to clients as the `lastError` of the `source.down` published for each tenant
   * (`"source disabled"`). Safe to show: never a URL or a credential.
   */
  readonly reason?: string;
}

interface Entry {
  readonly config: SourceConfig;
  readonly origin: SourceOrigin;
  readonly source: Source;
  readonly budget: VendorBudget;
}

const DEFAULT_REMOVE_REASON = 'source stopped';

/**
 * @example
 * const manager = new SourceManager({ bus, logger, metrics });
 * await manager.add(config.sources[0]);                 // polling
 * await manager.replace({ ...profileConfig, key: next }); // new credentials, others untouched
 * await manager.remove('pbx-3f9a2c1d', { reason: 'source disabled' }); // source.down, polling stops
 * await manager.close();
 */
export class SourceManager {
  readonly #bus: Bus;
  readonly #logger: Logger;
  readonly #metrics: BridgeMetrics | undefined;
  readonly #directory: SourceDirectory;
  readonly #build: (config: SourceConfig, context: SourceBuildContext) => Source;
  readonly #now: () => Date;
  readonly #entries = new Map<string, Entry>();
  /** add / remove / replace of one id never interleave. */
  readonly #lock = new KeyedLock();
  #closed: Promise<void> | undefined;

  readonly #demand: Demand | undefined;
  readonly #idlePollMs: number | undefined;
  readonly #cluster: SourceCluster | undefined;
  readonly #stopWatchingStatus: (() => void) | undefined;

  constructor(options: SourceManagerOptions) {
    this.#bus = options.bus;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#directory = options.directory ?? new SourceDirectory();
    this.#build = options.build ?? buildSource;
    this.#now = options.now ?? (() => new Date());
    this.#demand = options.demand;
    this.#idlePollMs = options.idlePollMs;
    this.#cluster = options.cluster;
    // Cluster mode: a node that does not poll a source learns its health from the poller's
    // `sources` events, which every node's bus delivers.
    this.#stopWatchingStatus = options.cluster
      ? this.#bus.onEvent((event) => {
          if (event.topic !== 'sources' || event.removed) return;
          const source = this.#entries.get(event.key)?.source;
          const status = (event.data as Partial<SourceEntity>).status;
          if (source instanceof LeasedSource && status !== undefined) source.observeStatus(status);
        })
      : undefined;
  }

  /** The running sources, as the server and the command layer look them up. */
  get directory(): SourceDirectory {
    return this.#directory;
  }

  /**
   * Builds, registers and starts a source. Resolves once it is started (not once its first poll
   * is done). An id already running is `duplicate`; a source whose start throws is unregistered
   * again and the error rethrown.
   */
  add(config: SourceConfig, options: { origin?: SourceOrigin } = {}): Promise<Source> {
    return this.#lock.run(config.id, async () => {
      this.#assertOpen();
      if (this.#entries.has(config.id)) throw new DuplicateError(`source "${config.id}" is already running`);
      const entry = await this.#startWhileOpen(config, options.origin ?? 'config');
      return entry.source;
    });
  }

  /**
   * Stops a source cleanly (its polls and sockets end, requests under way settle), unregisters
   * it, closes its budget and publishes `source.down` to each of its tenants. False when no such
   * source runs. The source's last known entities stay in the state, as after a failed poll.
   */
  remove(id: string, options: RemoveOptions = {}): Promise<boolean> {
    return this.#lock.run(id, async () => {
      const entry = this.#entries.get(id);
      if (!entry) return false;
      // In a cluster every node removes the source; the one that polled it says it is down.
      const polled = isPolling(entry.source);
      await this.#stop(entry);
      if (polled) await this.#publishDown(entry, options.reason ?? DEFAULT_REMOVE_REASON);
      return true;
    });
  }

  /**
   * Swaps a running source for one built from `config` (same id): the old one stops, the new
   * one starts with a fresh budget; other sources are not touched. No `source.down` is published
   * in between: the new source reports its own health from its first poll.
   */
  replace(config: SourceConfig): Promise<Source> {
    return this.#lock.run(config.id, async () => {
      this.#assertOpen();
      const entry = this.#entries.get(config.id);
      if (!entry) throw new NotFoundError(`source "${config.id}" is not running`);
      await this.#stop(entry);
      const next = await this.#startWhileOpen(config, entry.origin);
      return next.source;
    });
  }

  get(id: string): ManagedSourceInfo | undefined {
    const entry = this.#entries.get(id);
    return entry ? infoOf(entry) : undefined;
  }

  list(): ManagedSourceInfo[] {
    return [...this.#entries.values()].map(infoOf);
  }

  /** The VendorBudget a running source shares between its polls and its commands. */
  budget(id: string): VendorBudget | undefined {
    return this.#entries.get(id)?.budget;
  }

  /** A running source's limits (timeout, breaker), for the command layer. */
  limits(id: string): SourceLimits | undefined {
    return this.#entries.get(id)?.config.limits;
  }

  /**
   * Stops every source and closes the budgets, without publishing `source.down` (the whole node
   * is going away; clients see their connection close). Later `add`/`replace` calls refuse.
   */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopWatchingStatus?.();
      const ids = [...this.#entries.keys()];
      await Promise.allSettled(
        ids.map((id) =>
          this.#lock.run(id, async () => {
            const entry = this.#entries.get(id);
            if (entry) await this.#stop(entry);
          }),
        ),
      );
    })();
    return this.#closed;
  }

  #assertOpen(): void {
    if (this.#closed) throw new UnavailableError('the bridge is shutting down');
  }

  async #startWhileOpen(config: SourceConfig, origin: SourceOrigin): Promise<Entry> {
    const entry = await this.#start(config, origin);
    if (this.#closed) {
      // close() began while this one was starting and did not see it: stop it here.
      await this.#stop(entry);
      throw new UnavailableError('the bridge is shutting down');
    }
    return entry;
  }

  /** The one place a source starts: polling here, or (cluster mode) contending for its lease. */
  async #start(config: SourceConfig, origin: SourceOrigin): Promise<Entry> {
    const cluster = this.#cluster;
    const budget = new VendorBudget({ ...config.limits, shared: cluster?.rateGate(config.id, config.limits.perSecond) });
    const context: SourceBuildContext = {
      bus: this.#bus,
      logger: this.#logger.child({ source: config.id }),
      budget,
      now: this.#now,
      demand: this.#demand,
      idlePollMs: this.#idlePollMs,
    };
    if (this.#metrics) context.metrics = this.#metrics;
    let source: Source;
    try {
      source = cluster ? this.#leased(config, context, cluster) : this.#build(config, context);
    } catch (err) {
      budget.close();
      throw err;
    }
    const entry: Entry = { config, origin, source, budget };
    // Registered before it starts, so a command or a hello sees it as soon as it may poll.
    this.#entries.set(config.id, entry);
    this.#directory.add(source);
    try {
      await source.start();
    } catch (err) {
      this.#entries.delete(config.id);
      this.#directory.remove(config.id);
      await source.stop().catch(() => undefined);
      budget.close();
      throw err;
    }
    this.#logger.info({ source: config.id, vendor: config.vendor, origin, cluster: cluster !== undefined }, 'source started');
    return entry;
  }

  /** Cluster mode: the source as every node holds it, polling only under its lease. */
  #leased(config: SourceConfig, context: SourceBuildContext, cluster: SourceCluster): LeasedSource {
    const leased = new LeasedSource({
      build: () => this.#build(config, context),
      lease: cluster.lease(config.id),
      logger: this.#logger,
    });
    // Until the poller's next `sources` event: the status it last published.
    void this.#bus
      .entity(leased.tenants[0] ?? '', 'sources', config.id)
      .then((entity) => {
        const status = (entity as Partial<SourceEntity> | undefined)?.status;
        if (status !== undefined && !leased.polling) leased.observeStatus(status);
      })
      .catch(() => undefined);
    return leased;
  }

  /** The one place a source stops: out of the directory first, so no new command picks it. */
  async #stop(entry: Entry): Promise<void> {
    const id = entry.config.id;
    this.#entries.delete(id);
    if (this.#directory.get(id) === entry.source) this.#directory.remove(id);
    try {
      await entry.source.stop();
    } catch (err) {
      this.#logger.error({ err, source: id }, 'source did not stop cleanly');
    }
    entry.budget.close();
    this.#logger.info({ source: id, vendor: entry.config.vendor, origin: entry.origin }, 'source stopped');
  }

  /** `source.down` for each tenant, keeping the last `lastOkAt` the bus knows of. */
  async #publishDown(entry: Entry, reason: string): Promise<void> {
    const id = entry.config.id;
    const sink = new SnapshotSink({ bus: this.#bus, source: id, now: this.#now });
    for (const tenant of entry.source.tenants) {
      try {
        const previous = (await sink.get(tenant, 'sources', id)) as SourceEntity | undefined;
        const down: SourceEntity = {
          source: id,
          observedAt: this.#now().toISOString(),
          vendor: entry.source.vendor,
          status: 'down',
          lastError: reason,
        };
        if (previous?.lastOkAt !== undefined) down.lastOkAt = previous.lastOkAt;
        await sink.patch(tenant, 'sources', new Map<string, Entity>([[id, down]]));
      } catch (err) {
        this.#logger.error({ err, source: id, tenant }, 'publishing source.down failed');
      }
    }
  }
}

function isPolling(source: Source): boolean {
  return source instanceof LeasedSource ? source.polling : true;
}

function infoOf(entry: Entry): ManagedSourceInfo {
  return {
    id: entry.config.id,
    vendor: entry.config.vendor,
    tenants: entry.source.tenants,
    origin: entry.origin,
    status: entry.source.status,
    polling: isPolling(entry.source),
  };
}
