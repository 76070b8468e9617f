/**
 * The XiVO source: a CEL poller (`searchid&idbeg=<last id>`, paging while pages are full) that
 * turns rows into `channels` (patched as they start, answer and end) and `calls` records, plus
 * slow config polls for `queues` and `extensions`. XiVO web services have no call control:
 * every command is `unsupported`.
 */
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { UnsupportedError } from '../../errors.js';
import type { BridgeMetrics } from '../../observability/metrics.js';
import type { PollLoop } from '../../pollers/poll-loop.js';
import { vendorPollLoop } from '../../pollers/vendor-poll-loop.js';
import type { SnapshotSink } from '../../pollers/snapshot-sink.js';
import type { SourceHealth } from '../../pollers/source-health.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { CallRecord, Channel, Entity, SourceStatus, Topic } from '../../protocol/entities.js';
import { createSourceOutputs } from '../../sources/health-publisher.js';
import type { CommandContext, CommandOutcome, Source, SourceContext } from '../../sources/source.js';
import type { VendorBudget } from '../../sources/vendor-budget.js';
import { CelTracker, parseCelPage, type CelEffect } from './cel.js';
import { XIVO_PATHS, XIVO_VENDOR_NAME, XivoClient } from './client.js';
import type { XivoPollTopic, XivoSourceConfig } from './config.js';
import { CursorStore } from './cursor-store.js';
import { extensionsFromUsers, parseList, queuesFromRows } from './directory.js';
import { childWith } from '../../util/logger.js';

export interface XivoSourceOptions extends SourceContext {
  config: XivoSourceConfig;
  metrics?: BridgeMetrics;
  dispatcher?: Dispatcher;
}

/** Changes waiting to be published; kept across polls when publishing failed. */
class PendingChanges {
  readonly channels = new Map<string, Entity>();
  readonly removals = new Set<string>();
  readonly calls = new Map<string, Entity>();
  get empty(): boolean {
    return this.channels.size === 0 && this.removals.size === 0 && this.calls.size === 0;
  }
}

export class XivoSource implements Source {
  readonly id: string;
  readonly vendor = 'xivo';
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[];
  readonly commands: readonly CommandType[] = [];
  readonly #config: XivoSourceConfig;
  readonly #tenant: string;
  readonly #client: XivoClient;
  readonly #sink: SnapshotSink;
  readonly #health: SourceHealth;
  readonly #budget: VendorBudget;
  readonly #logger: Logger;
  readonly #metrics: BridgeMetrics | undefined;
  readonly #now: () => Date;
  readonly #cursor: CursorStore;
  readonly #tracker: CelTracker;
  readonly #pending = new PendingChanges();
  /** Last CEL id applied; undefined until the cursor is loaded or the backlog is read. */
  #lastId: number | undefined;
  #savedId: number | undefined;
  /** True while the backlog is read without publishing (startAt `latest`, no saved cursor). */
  #catchingUp = false;
  #loops: PollLoop[] = [];

  constructor(options: XivoSourceOptions) {
    const config = options.config;
    this.#config = config;
    this.id = config.id;
    this.#tenant = config.tenant;
    this.tenants = [config.tenant];
    const topics: Topic[] = [];
    if (config.poll.cel > 0) topics.push('channels', 'calls');
    if (config.poll.queues > 0) topics.push('queues');
    if (config.poll.extensions > 0) topics.push('extensions');
    this.topics = topics;
    this.#budget = options.budget;
    this.#logger = childWith(options.logger, { source: config.id, vendor: 'xivo' });
    this.#metrics = options.metrics;
    this.#now = options.now ?? (() => new Date());
    const clientOptions: ConstructorParameters<typeof XivoClient>[0] = {
      url: config.url,
      username: config.username,
      password: config.password,
      connections: config.limits.concurrency,
    };
    if (options.dispatcher) clientOptions.dispatcher = options.dispatcher;
    this.#client = new XivoClient(clientOptions);
    ({ sink: this.#sink, health: this.#health } = createSourceOutputs({
      bus: options.bus,
      source: config.id,
      vendor: 'xivo',
      tenants: this.tenants,
      downAfter: config.health.downAfter,
      // The publisher and the conflict warning add `source` themselves.
      logger: options.logger,
      now: this.#now,
    }));
    this.#cursor = new CursorStore(config.dataDir, config.id);
    this.#tracker = new CelTracker({ now: this.#now });
  }

  get status(): SourceStatus | undefined {
    return this.#health.status;
  }

  /** The last CEL id read (for tests and diagnostics). */
  get lastCelId(): number | undefined {
    return this.#lastId;
  }

  async start(): Promise<void> {
    if (this.#loops.length > 0) return;
    if (this.#lastId === undefined) {
      const saved = await this.#cursor.load();
      if (saved !== undefined) {
        this.#lastId = saved;
        this.#savedId = saved;
      } else if (this.#config.cel.startAt === 'latest') {
        this.#catchingUp = true;
      }
    }
    const plans: Array<[XivoPollTopic, (signal: AbortSignal, timeoutMs: number) => Promise<void>]> = [
      ['cel', (signal, timeoutMs) => this.#pollCel(signal, timeoutMs)],
      ['queues', (signal, timeoutMs) => this.#pollQueues(signal, timeoutMs)],
      ['extensions', (signal, timeoutMs) => this.#pollExtensions(signal, timeoutMs)],
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

  /** XiVO web services have no call or agent control (docs/vendors/xivo.md). */
  execute(command: ValidatedCommand, _context: CommandContext): Promise<CommandOutcome> {
    return Promise.reject(new UnsupportedError(`XiVO web services cannot do ${command.type}`));
  }

  #loop(topic: XivoPollTopic, poll: (signal: AbortSignal, timeoutMs: number) => Promise<void>): PollLoop {
    const intervalMs = this.#config.poll[topic];
    const requestTimeoutMs = this.#config.limits.timeout;
    // CEL pages until caught up: a few requests per run, each with its own deadline.
    const timeoutMs = topic === 'cel' ? requestTimeoutMs * 3 : requestTimeoutMs;
    return vendorPollLoop({
      vendor: XIVO_VENDOR_NAME,
      source: this.id,
      topic,
      intervalMs: intervalMs,
      timeoutMs: timeoutMs,
      poll: (signal) => poll(signal, requestTimeoutMs),
      health: this.#health,
      logger: this.#logger,
      metrics: this.#metrics,
    });
  }

  #get(path: string, params: Record<string, string>, signal: AbortSignal, timeoutMs: number): Promise<string> {
    return this.#budget.run('poll', (slot) => this.#client.get(path, params, { timeoutMs, signal: slot ?? signal }), signal);
  }

  async #pollCel(signal: AbortSignal, timeoutMs: number): Promise<void> {
    // Changes a failed publish left behind go out first, in order.
    if (!this.#catchingUp) await this.#flush();
    const { pageSize, maxPagesPerPoll } = this.#config.cel;
    const started = Date.now();
    for (let page = 0; page < maxPagesPerPoll; page++) {
      const params: Record<string, string> = { act: 'searchid', idbeg: String(this.#lastId ?? 0), limit: String(pageSize) };
      const rows = parseCelPage(await this.#get(XIVO_PATHS.cel, params, signal, timeoutMs));
      for (const row of rows) {
        const id = Number(row.id);
        if (this.#lastId !== undefined && id <= this.#lastId) continue;
        const effects = this.#tracker.apply(row);
        if (!this.#catchingUp) await this.#stage(effects);
        this.#lastId = id;
      }
      if (!this.#catchingUp) await this.#flush();
      const full = rows.length >= pageSize;
      if (!full) {
        if (this.#catchingUp) await this.#finishCatchUp();
        break;
      }
      if (Date.now() - started > timeoutMs) break;
    }
    this.#lastId ??= 0;
    if (this.#lastId !== this.#savedId && !this.#catchingUp && this.#cursor.persistent) {
      await this.#cursor.save(this.#lastId);
      this.#savedId = this.#lastId;
    }
  }

  /** End of the silent backlog read: the calls still in progress become this source's channels. */
  async #finishCatchUp(): Promise<void> {
    const observedAt = this.#now().toISOString();
    const live = new Map<string, Entity>();
    for (const [key, fields] of this.#tracker.liveChannels()) live.set(key, { ...fields, source: this.id, observedAt } satisfies Channel);
    await this.#sink.replace(this.#tenant, 'channels', () => live);
    this.#catchingUp = false;
    this.#logger.info({ lastId: this.#lastId, live: live.size }, 'xivo CEL backlog read');
  }

  /** Adds one row's effects to the pending changes (publishing first when order requires it). */
  async #stage(effects: readonly CelEffect[]): Promise<void> {
    const observedAt = this.#now().toISOString();
    for (const effect of effects) {
      switch (effect.kind) {
        case 'channel':
          this.#pending.channels.set(effect.key, { ...effect.fields, source: this.id, observedAt } satisfies Channel);
          break;
        case 'channel_end':
          // A channel born in this batch must be published before it can hang up.
          if (this.#pending.channels.has(effect.key)) await this.#flush();
          this.#pending.removals.add(effect.key);
          break;
        case 'call_end':
          this.#pending.calls.set(effect.key, { ...effect.fields, source: this.id, observedAt } satisfies CallRecord);
          break;
      }
    }
  }

  async #flush(): Promise<void> {
    const pending = this.#pending;
    if (pending.empty) return;
    if (pending.channels.size > 0 || pending.removals.size > 0) {
      await this.#sink.patch(this.#tenant, 'channels', pending.channels, [...pending.removals]);
      pending.channels.clear();
      pending.removals.clear();
    }
    if (pending.calls.size > 0) {
      await this.#sink.patch(this.#tenant, 'calls', pending.calls);
      pending.calls.clear();
    }
  }

  async #pollQueues(signal: AbortSignal, timeoutMs: number): Promise<void> {
    const rows = parseList(await this.#get(XIVO_PATHS.queues, { act: 'list' }, signal, timeoutMs), 'queues');
    const base = { source: this.id, observedAt: this.#now().toISOString() };
    await this.#sink.replace(this.#tenant, 'queues', () => queuesFromRows(rows, base));
  }

  async #pollExtensions(signal: AbortSignal, timeoutMs: number): Promise<void> {
    const rows = parseList(await this.#get(XIVO_PATHS.users, { act: 'list' }, signal, timeoutMs), 'users');
    const base = { source: this.id, observedAt: this.#now().toISOString() };
    await this.#sink.replace(this.#tenant, 'extensions', () => extensionsFromUsers(rows, base));
  }
}
