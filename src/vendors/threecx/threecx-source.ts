/**
 * A 3CX PBX as a bridge source: Call Control websocket notifications (each followed by a GET of
 * the entity) -> `channels` and `peers` patches, in order; the whole `GET /callcontrol` tree
 * after every (re)connect and periodically -> full resync; REST actions for commands. Health
 * follows the socket (`degraded` from the first failed connection, `down` after
 * `health.downAfter` in a row) and the reads.
 */
import type { Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import type { BridgeMetrics } from '../../observability/metrics.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { SourceStatus, Topic } from '../../protocol/entities.js';
import { isPollError } from '../../pollers/poll-error.js';
import type { SourceHealth } from '../../pollers/source-health.js';
import { createSourceOutputs } from '../../sources/health-publisher.js';
import type { CommandContext, CommandOutcome, Source, SourceContext } from '../../sources/source.js';
import { ThreeCxAuth } from './auth-client.js';
import { CallControlClient } from './client.js';
import { THREECX_COMMANDS, ThreeCxCommands } from './commands.js';
import { callControlWsUrl, type ThreeCxSourceConfig } from './config.js';
import type { IgnoreReason } from './parsers.js';
import { createReader } from './reader.js';
import { CallControlTracker } from './tracker.js';
import { CallControlWs } from './ws-client.js';
import { childWith } from '../../util/logger.js';

export interface ThreeCxSourceContext extends SourceContext {
  metrics?: BridgeMetrics;
  /** REST dispatcher (tests, shared pools); by default the source owns one Pool. */
  dispatcher?: Dispatcher;
  /** Jitter source for reconnects (tests make it deterministic). */
  random?: () => number;
}

const VENDOR = '3cx';
/** Health parts: the socket, and the REST reads (resyncs and entity GETs). */
const PART_SOCKET = 'websocket';
const PART_REST = 'callcontrol';

export class ThreeCxSource implements Source {
  readonly id: string;
  readonly vendor = VENDOR;
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[] = ['channels', 'peers'];
  readonly commands: readonly CommandType[] = THREECX_COMMANDS;

  readonly #config: ThreeCxSourceConfig;
  readonly #context: ThreeCxSourceContext;
  /** Bound to `source` once (the SourceManager's logger may already be). */
  readonly #log: Logger;
  readonly #health: SourceHealth;
  readonly #auth: ThreeCxAuth;
  readonly #ws: CallControlWs;
  readonly #tracker: CallControlTracker;
  readonly #commands: ThreeCxCommands;
  readonly #ownPool: Pool | undefined;
  readonly #ignored = new Map<string, number>();
  #stop = new AbortController();
  #snapshotTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #resyncFailures = 0;
  #generation = 0;
  #resyncing = false;

  constructor(config: ThreeCxSourceConfig, context: ThreeCxSourceContext) {
    this.#config = config;
    this.#context = context;
    this.#log = childWith(context.logger, { source: config.id });
    this.id = config.id;
    this.tenants = [config.tenant];
    const now = context.now ?? (() => new Date());
    const { sink, health } = createSourceOutputs({
      bus: context.bus,
      source: config.id,
      vendor: VENDOR,
      tenants: this.tenants,
      downAfter: config.health.downAfter,
      logger: context.logger,
      now,
    });
    this.#health = health;
    this.#ownPool = context.dispatcher
      ? undefined
      : new Pool(new URL(config.url).origin, { connections: config.limits.concurrency + 1, connectTimeout: 10_000, keepAliveTimeout: 4_000 });
    const dispatcher = context.dispatcher ?? (this.#ownPool as Pool);
    this.#auth = new ThreeCxAuth({
      url: config.url,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      dispatcher,
      refreshMarginMs: config.tokenRefreshMargin,
      timeoutMs: config.limits.timeout,
    });
    const client = new CallControlClient({ url: config.url, dispatcher, auth: this.#auth });
    this.#tracker = new CallControlTracker({
      sink,
      tenant: config.tenant,
      source: config.id,
      reader: createReader({ client, budget: context.budget, timeoutMs: config.limits.timeout, signal: () => this.#stop.signal }),
      logger: context.logger,
      onFetchFailed: (err) => this.#onFetchFailed(err),
      now,
    });
    this.#ws = new CallControlWs({
      url: callControlWsUrl(config.url),
      auth: this.#auth,
      pingIntervalMs: config.liveness.pingInterval,
      pongTimeoutMs: config.liveness.pongTimeout,
      initialDelayMs: config.reconnect.initialDelay,
      maxDelayMs: config.reconnect.maxDelay,
      logger: this.#log,
      ...(context.random ? { random: context.random } : {}),
    });
    this.#commands = new ThreeCxCommands({
      client,
      dialVia: config.dialVia,
      timeoutMs: config.limits.timeout,
      channelKey: (channel) => this.#tracker.channelKey(channel),
      devicesOf: (dn) => this.#tracker.devicesOf(dn),
    });
    this.#ws.on('session', (generation) => this.#onSession(generation));
    this.#ws.on('up', () => this.#health.succeeded(PART_SOCKET));
    this.#ws.on('down', ({ message }) => this.#health.failed(PART_SOCKET, message));
    this.#ws.on('notification', (notification) => this.#tracker.notification(notification));
    this.#ws.on('ignored', (reason) => this.#ignore(reason));
  }

  get status(): SourceStatus | undefined {
    return this.#health.status;
  }

  /** Vendor frames ignored so far, by reason (also in the `vendorMessagesIgnored` metric). */
  get ignoredMessages(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#ignored);
  }

  /** Successful token requests so far. */
  get logins(): number {
    return this.#auth.logins;
  }

  /** Resolves when every notification received so far has reached the bus. */
  settled(): Promise<void> {
    return this.#tracker.idle();
  }

  async start(): Promise<void> {
    this.#stop = new AbortController();
    this.#ws.start();
    if (this.#config.poll.snapshot > 0) {
      this.#snapshotTimer = setInterval(() => this.#periodicResync(), this.#config.poll.snapshot);
      this.#snapshotTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('source stopped'));
    clearInterval(this.#snapshotTimer);
    clearTimeout(this.#retryTimer);
    await this.#ws.stop();
    await this.#tracker.idle();
    await this.#ownPool?.close();
  }

  execute(command: ValidatedCommand, context: CommandContext): Promise<CommandOutcome> {
    return this.#commands.execute(command, context.signal);
  }

  #ignore(reason: IgnoreReason): void {
    this.#ignored.set(reason, (this.#ignored.get(reason) ?? 0) + 1);
    this.#context.metrics?.vendorMessagesIgnored.inc({ source: this.id, reason });
    this.#log.debug({ reason }, '3CX frame ignored');
  }

  /** 3CX replays nothing: every new connection starts with a full resync, queued first. */
  #onSession(generation: number): void {
    this.#generation = generation;
    clearTimeout(this.#retryTimer);
    this.#resync(generation).catch(() => undefined);
  }

  #periodicResync(): void {
    if (!this.#ws.isUp || this.#resyncing || this.#stop.signal.aborted) return;
    this.#resync(this.#generation).catch(() => undefined);
  }

  /** A notification's GET failed: its change is unknown, so the whole tree is read again. */
  #onFetchFailed(err: unknown): void {
    if (this.#stop.signal.aborted) return;
    this.#health.failed(PART_REST, safeMessage(err, '3CX entity read failed'));
    this.#log.warn({ reason: safeMessage(err, 'error') }, '3CX entity read failed: resyncing');
    if (!this.#resyncing) this.#scheduleRetry(this.#generation);
  }

  async #resync(generation: number): Promise<void> {
    this.#resyncing = true;
    try {
      await this.#tracker.resync();
      this.#resyncFailures = 0;
      this.#health.succeeded(PART_REST);
    } catch (err) {
      if (this.#stop.signal.aborted || generation !== this.#generation) throw err;
      this.#health.failed(PART_REST, safeMessage(err, '3CX snapshot failed'));
      this.#log.warn({ reason: safeMessage(err, 'error') }, '3CX snapshot failed');
      this.#scheduleRetry(generation);
      throw err;
    } finally {
      this.#resyncing = false;
    }
  }

  #scheduleRetry(generation: number): void {
    this.#resyncFailures++;
    const { initialDelay, maxDelay } = this.#config.reconnect;
    const delay = Math.min(maxDelay, initialDelay * 2 ** Math.min(this.#resyncFailures - 1, 20));
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      // Not gated on `isUp`: a session still waiting for its first pong needs its snapshot too.
      if (generation === this.#generation && !this.#stop.signal.aborted) this.#resync(generation).catch(() => undefined);
    }, delay);
    this.#retryTimer.unref();
  }
}

/** A PollError's message is publishable by contract; anything else gets a fixed one. */
function safeMessage(err: unknown, fallback: string): string {
  return isPollError(err) ? err.message : fallback;
}

export function createThreeCxSource(config: ThreeCxSourceConfig, context: ThreeCxSourceContext): ThreeCxSource {
  return new ThreeCxSource(config, context);
}
