/**
 * A Kazoo account as a bridge source: blackhole events -> `channels` (patches, in order),
 * REST channel list after every (re)subscribe and periodically -> `channels` (full resync),
 * ACDC agents poll -> `agents`, crossbar for commands. Health follows the socket (`degraded`
 * from the first failed connection, `down` after `health.downAfter` in a row) and the polls.
 */
import type { Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Topic, SourceStatus } from '../../protocol/entities.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { BridgeMetrics } from '../../observability/metrics.js';
import { PollLoop } from '../../pollers/poll-loop.js';
import { bindDemand } from '../../demand/demand-interval.js';
import { isPollError } from '../../pollers/poll-error.js';
import type { SnapshotSink } from '../../pollers/snapshot-sink.js';
import type { SourceHealth } from '../../pollers/source-health.js';
import { createSourceOutputs } from '../../sources/health-publisher.js';
import type { CommandContext, CommandOutcome, Source, SourceContext } from '../../sources/source.js';
import { agentsFromKazoo } from './agents.js';
import { KazooAuth } from './auth-client.js';
import { BlackholeClient, type BlackholeSession, type CallEvent } from './blackhole-client.js';
import { ChannelTracker } from './channel-tracker.js';
import type { KazooSourceConfig } from './config.js';
import { CrossbarClient } from './crossbar-client.js';
import { KAZOO_COMMANDS, KazooCommands } from './kazoo-commands.js';
import { eventAccountId } from './normalizer.js';
import {
  AgentListingSchema,
  AgentStatusesSchema,
  CALL_BINDINGS,
  RestChannelListSchema,
  type IgnoreReason,
  type RestChannel,
} from './wire.js';
import { childWith } from '../../util/logger.js';

export interface KazooSourceContext extends SourceContext {
  metrics?: BridgeMetrics;
  /** Crossbar dispatcher (tests, shared pools); by default the source owns one Pool. */
  dispatcher?: Dispatcher;
  /** Jitter source for reconnects (tests make it deterministic). */
  random?: () => number;
}

const VENDOR = 'kazoo';

export class KazooSource implements Source {
  readonly id: string;
  readonly vendor = VENDOR;
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[];
  readonly commands: readonly CommandType[] = KAZOO_COMMANDS;

  readonly #config: KazooSourceConfig;
  readonly #context: KazooSourceContext;
  /** Bound to `source` once (the SourceManager's logger may already be). */
  readonly #log: Logger;
  readonly #sink: SnapshotSink;
  readonly #health: SourceHealth;
  readonly #auth: KazooAuth;
  readonly #crossbar: CrossbarClient;
  readonly #blackhole: BlackholeClient;
  readonly #tracker: ChannelTracker;
  readonly #commands: KazooCommands;
  readonly #agentsLoop: PollLoop | undefined;
  #unbindDemand: () => void = () => undefined;
  readonly #ownPool: Pool | undefined;
  readonly #ignored = new Map<string, number>();
  #stop = new AbortController();
  #channelsTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #resyncFailures = 0;
  #generation = 0;
  #resyncing = false;

  constructor(config: KazooSourceConfig, context: KazooSourceContext) {
    this.#config = config;
    this.#context = context;
    this.#log = childWith(context.logger, { source: config.id });
    this.id = config.id;
    this.tenants = [config.tenant];
    this.topics = config.poll.agents > 0 ? ['channels', 'agents'] : ['channels'];
    const now = context.now ?? (() => new Date());
    ({ sink: this.#sink, health: this.#health } = createSourceOutputs({
      bus: context.bus,
      source: config.id,
      vendor: VENDOR,
      tenants: this.tenants,
      downAfter: config.health.downAfter,
      // The publisher and the conflict warning add `source` themselves.
      logger: context.logger,
      now: now,
    }));
    this.#ownPool = context.dispatcher
      ? undefined
      : new Pool(new URL(config.rest).origin, { connections: config.limits.concurrency + 1, connectTimeout: 10_000, keepAliveTimeout: 4_000 });
    const dispatcher = context.dispatcher ?? (this.#ownPool as Pool);
    this.#auth = new KazooAuth({
      rest: config.rest,
      apiKey: config.apiKey,
      dispatcher,
      refreshMarginMs: config.tokenRefreshMargin,
      timeoutMs: config.limits.timeout,
    });
    this.#crossbar = new CrossbarClient({ rest: config.rest, accountId: config.accountId, dispatcher, auth: this.#auth });
    this.#tracker = new ChannelTracker({ sink: this.#sink, tenant: config.tenant, source: config.id, logger: context.logger, now });
    this.#blackhole = new BlackholeClient({
      url: config.websocket,
      accountId: config.accountId,
      bindings: CALL_BINDINGS,
      auth: this.#auth,
      pingIntervalMs: config.liveness.pingInterval,
      replyTimeoutMs: config.liveness.pongTimeout,
      initialDelayMs: config.reconnect.initialDelay,
      maxDelayMs: config.reconnect.maxDelay,
      logger: this.#log,
      ...(context.random ? { random: context.random } : {}),
    });
    this.#agentsLoop =
      config.poll.agents > 0
        ? new PollLoop({
            intervalMs: config.poll.agents,
            timeoutMs: config.limits.timeout,
            poll: (signal) => this.#pollAgents(signal),
            onSuccess: () => this.#health.succeeded('agents'),
            onFailure: (err) => this.#health.failed('agents', safeMessage(err, 'agents poll failed')),
          })
        : undefined;
    this.#commands = new KazooCommands({
      crossbar: this.#crossbar,
      quickcallVia: config.quickcallVia,
      pauseTimeoutSec: config.pauseTimeoutSec,
      timeoutMs: config.limits.timeout,
      commandIdFor: (callId) => this.#tracker.commandIdFor(callId),
      onAgentChange: () => this.#agentsLoop?.triggerNow(),
    });
    this.#wireBlackhole();
  }

  get status(): SourceStatus | undefined {
    return this.#health.status;
  }

  /** Vendor frames ignored so far, by reason (also in the `vendorMessagesIgnored` metric). */
  get ignoredMessages(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.#ignored);
  }

  /** Successful `api_auth` logins so far. */
  get logins(): number {
    return this.#auth.logins;
  }

  /** Resolves when every call event received so far has reached the bus. */
  settled(): Promise<void> {
    return this.#tracker.idle();
  }

  async start(): Promise<void> {
    this.#stop = new AbortController();
    this.#blackhole.start();
    if (this.#agentsLoop) {
      // Agents are polled (calls come over the websocket): slow down while nobody watches them.
      this.#unbindDemand = bindDemand(this.#agentsLoop, {
        demand: this.#context.demand,
        tenants: [this.#config.tenant],
        topic: 'agents',
        activeMs: this.#config.poll.agents,
        idleMs: this.#context.idlePollMs,
      });
    }
    this.#agentsLoop?.start();
    if (this.#config.poll.channels > 0) {
      this.#channelsTimer = setInterval(() => this.#periodicResync(), this.#config.poll.channels);
      this.#channelsTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort(new Error('source stopped'));
    this.#unbindDemand();
    clearInterval(this.#channelsTimer);
    clearTimeout(this.#retryTimer);
    await Promise.all([this.#agentsLoop?.stop(), this.#blackhole.stop()]);
    await this.#tracker.idle();
    await this.#ownPool?.close();
  }

  execute(command: ValidatedCommand, context: CommandContext): Promise<CommandOutcome> {
    return this.#commands.execute(command, context.signal);
  }

  #wireBlackhole(): void {
    this.#blackhole.on('session', (session) => this.#onSession(session));
    this.#blackhole.on('up', () => this.#health.succeeded('websocket'));
    this.#blackhole.on('down', ({ message }) => this.#health.failed('websocket', message));
    this.#blackhole.on('event', (event) => this.#onEvent(event));
    this.#blackhole.on('ignored', (reason) => this.#ignore(reason));
  }

  #onEvent(event: CallEvent): void {
    const account = eventAccountId(event.data);
    if (account !== undefined && account !== this.#config.accountId) return this.#ignore('foreign_account');
    this.#tracker.event(event);
  }

  #ignore(reason: IgnoreReason): void {
    this.#ignored.set(reason, (this.#ignored.get(reason) ?? 0) + 1);
    this.#context.metrics?.vendorMessagesIgnored.inc({ source: this.id, reason });
    this.#log.debug({ reason }, 'Kazoo frame ignored');
  }

  /** Blackhole replays nothing: every new session starts with a REST resync, queued first. */
  #onSession(session: BlackholeSession): void {
    this.#generation = session.generation;
    clearTimeout(this.#retryTimer);
    // A session that never subscribed is the socket's failure, already reported by `down`;
    // a failed fetch after subscribing is reported and retried by #resync.
    this.#resync(session.generation, session.subscribed).catch(() => undefined);
  }

  #periodicResync(): void {
    if (!this.#blackhole.isUp || this.#resyncing || this.#stop.signal.aborted) return;
    this.#resync(this.#generation).catch(() => undefined);
  }

  async #resync(generation: number, ready?: Promise<void>): Promise<void> {
    this.#resyncing = true;
    try {
      await this.#tracker.resync(() => this.#fetchChannels(), ready ? { generation, ready } : { generation });
      this.#resyncFailures = 0;
      this.#health.succeeded('channels');
    } catch (err) {
      if (this.#stop.signal.aborted || generation !== this.#generation || !this.#blackhole.isUp) throw err;
      this.#resyncFailures++;
      this.#health.failed('channels', safeMessage(err, 'channel resync failed'));
      this.#log.warn({ reason: safeMessage(err, 'error') }, 'Kazoo channel resync failed');
      const { initialDelay, maxDelay } = this.#config.reconnect;
      const delay = Math.min(maxDelay, initialDelay * 2 ** Math.min(this.#resyncFailures - 1, 20));
      this.#retryTimer = setTimeout(() => {
        if (generation === this.#generation && this.#blackhole.isUp) this.#resync(generation).catch(() => undefined);
      }, delay);
      this.#retryTimer.unref();
      throw err;
    } finally {
      this.#resyncing = false;
    }
  }

  async #fetchChannels(): Promise<RestChannel[]> {
    return (await this.#read('/channels', RestChannelListSchema, this.#stop.signal)) ?? [];
  }

  async #pollAgents(signal: AbortSignal): Promise<void> {
    const listing = (await this.#read('/agents', AgentListingSchema, signal)) ?? [];
    const statuses = (await this.#read('/agents/status', AgentStatusesSchema, signal)) ?? {};
    const observedAt = (this.#context.now?.() ?? new Date()).toISOString();
    await this.#sink.replace(this.#config.tenant, 'agents', () => agentsFromKazoo(listing, statuses, { source: this.id, observedAt }));
  }

  /** A REST read inside the vendor budget (polls yield to commands). */
  #read<T>(path: string, schema: z.ZodType<T>, signal: AbortSignal): Promise<T | undefined> {
    const timeoutMs = this.#config.limits.timeout;
    return this.#context.budget.run('poll', () => this.#crossbar.request({ method: 'GET', path, kind: 'poll', schema, timeoutMs, signal }), signal);
  }
}

/** A PollError's message is publishable by contract; anything else gets a fixed one. */
function safeMessage(err: unknown, fallback: string): string {
  if (isPollError(err)) return err.message;
  return fallback;
}

export function createKazooSource(config: KazooSourceConfig, context: KazooSourceContext): KazooSource {
  return new KazooSource(config, context);
}
