/**
 * The CommandService: validate -> authorize -> resolve the source -> claim the id -> circuit
 * breaker -> the source's budget -> the vendor, under one deadline; then the ack, the
 * `command.updated` lifecycle, one audit line and the metrics.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import type { Bus } from '../bus/bus.js';
import { DuplicateError, InternalError, TimeoutError, UnavailableError, isBridgeError, type BridgeError } from '../errors.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import type { ValidatedCommand } from '../protocol/commands.js';
import type { CommandOutcome, Source } from '../sources/source.js';
import type { SourceDirectory } from '../sources/source-directory.js';
import type { VendorBudget } from '../sources/vendor-budget.js';
import { writeAudit } from './audit-log.js';
import { authorize } from './authorize.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { failedAck, shouldRemember, verdictOf, type FailedAck } from './command-outcome.js';
import type { CommandAck, CommandRequestOptions, CommandService } from './command-service.js';
import { CommandUpdates, type Notify } from './command-updates.js';
import { validateCommand } from './command-validator.js';
import { commandKey, type IdempotencyStore } from './idempotency-store.js';
import { ObservationTracker } from './observation-tracker.js';
import { resolveSource } from './source-resolver.js';
import { callVendor } from './vendor-call.js';

/** The part of a source's `limits` the command layer uses (ms and counts). */
export interface CommandLimits {
  readonly timeout: number;
  readonly breakerThreshold: number;
  readonly breakerCooldown: number;
}

/** A per-source lookup: a Map by source id, or a function. */
export type SourceLookup<T> = ReadonlyMap<string, T> | ((sourceId: string) => T | undefined);

export interface CommandDispatcherOptions {
  readonly sources: SourceDirectory;
  /** Each source's VendorBudget (shared with its pollers). A source without one is a wiring bug: `internal`. */
  readonly budgets: SourceLookup<VendorBudget>;
  /** Each source's limits; a source without any gets DEFAULT_COMMAND_LIMITS. */
  readonly limits: SourceLookup<CommandLimits>;
  readonly store: IdempotencyStore;
  /** Watched for the events that make a command `observed`. */
  readonly bus: Bus;
  /** Receives the audit lines (info) and unexpected errors. */
  readonly logger: Logger;
  readonly metrics?: BridgeMetrics;
  /** Epoch ms; drives breakers, timestamps and latencies. */
  readonly now?: () => number;
  /** How long an id is remembered (config `commands.idempotencyTtl`); default 24 h. */
  readonly idempotencyTtlMs?: number;
  /** How long a command waits for its effect to show on the bus; default 30 s. */
  readonly observationWindowMs?: number;
}

export const DEFAULT_COMMAND_LIMITS: CommandLimits = Object.freeze({ timeout: 10_000, breakerThreshold: 5, breakerCooldown: 10_000 });
export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** A claim outlives its command's deadline by this much before another request may take it. */
const PENDING_GRACE_MS = 5_000;
/** A claim that vanished while waited on (released in a store race) is re-claimed once. */
const MAX_RESERVE_ATTEMPTS = 2;

/** What one request went through, for the audit line and the metrics. */
interface Trace {
  command?: ValidatedCommand;
  source?: string;
  replayed?: boolean;
  dispatched?: boolean;
  correlationId?: string;
}

/**
 * Carries client commands to the vendors (protocol §4). `execute` never throws: every outcome
 * is an ack, within the source's command timeout.
 *
 * @example
 * const commands = new CommandDispatcher({
 *   sources, budgets, limits: (id) => limitsById.get(id),
 *   store: new MemoryIdempotencyStore(), bus, logger, metrics,
 *   idempotencyTtlMs: config.commands.idempotencyTtl,
 * });
 * const ack = await commands.execute(principal, {
 *   id: '4f1c9d2e', tenant: 'acme', type: 'dial', args: { from: '1001', to: '33170200258' },
 * }, { notify: (update) => socket.emit('event', update) });
 * // ack: { ok: true, result: { callId: '...' } }; updates: queued, sent, succeeded, observed
 * await commands.close();
 */
export class CommandDispatcher implements CommandService {
  readonly #sources: SourceDirectory;
  readonly #budgets: SourceLookup<VendorBudget>;
  readonly #limits: SourceLookup<CommandLimits>;
  readonly #store: IdempotencyStore;
  readonly #logger: Logger;
  readonly #metrics: BridgeMetrics | undefined;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #tracker: ObservationTracker;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #inFlight = new Set<Promise<CommandAck>>();
  readonly #shutdown = new AbortController();
  /** Set by `drain`: new commands are refused, those under way may finish. */
  #draining = false;
  readonly #unwatchSources: () => void;

  constructor(options: CommandDispatcherOptions) {
    const ttl = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    if (!(ttl > 0)) throw new RangeError(`idempotencyTtlMs: expected a positive number, received ${ttl}`);
    this.#sources = options.sources;
    this.#budgets = options.budgets;
    this.#limits = options.limits;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#metrics = options.metrics;
    this.#now = options.now ?? Date.now;
    this.#ttlMs = ttl;
    // Every command under way listens on the shutdown signal (and stops when it settles); the
    // default cap of 10 would warn under ordinary load.
    setMaxListeners(0, this.#shutdown.signal);
    this.#tracker = new ObservationTracker({
      bus: options.bus,
      logger: options.logger,
      windowMs: options.observationWindowMs,
      now: this.#now,
    });
    // A source added again later (a profile reloaded) starts with a closed circuit.
    this.#unwatchSources = options.sources.onChange((change) => {
      if (change.kind === 'removed') this.#breakers.delete(change.source.id);
    });
  }

  execute(principal: Principal, body: unknown, options: CommandRequestOptions = {}): Promise<CommandAck> {
    const pending = this.#execute(principal, body, options);
    this.#inFlight.add(pending);
    void pending.then(() => this.#inFlight.delete(pending));
    return pending;
  }

  /**
   * The graceful half of a shutdown: refuses new commands (`unavailable`, not sent: the client
   * retries on another node) and waits up to `timeoutMs` for those under way to finish. Returns
   * how many were still running then (`close` aborts them).
   */
  async drain(timeoutMs: number): Promise<number> {
    this.#draining = true;
    if (this.#inFlight.size === 0) return 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.#inFlight]), deadline]);
    clearTimeout(timer);
    return this.#inFlight.size;
  }

  /** Aborts commands under way (sent ones answer `timeout`), waits for their acks, stops watching. Does not close the store. */
  async close(): Promise<void> {
    this.#shutdown.abort();
    this.#unwatchSources();
    await Promise.allSettled([...this.#inFlight]);
    this.#tracker.close();
  }

  async #execute(principal: Principal, body: unknown, options: CommandRequestOptions): Promise<CommandAck> {
    const startedAt = this.#now();
    const trace: Trace = {};
    let ack: CommandAck;
    try {
      if (this.#shutdown.signal.aborted || this.#draining) throw new UnavailableError('the bridge is shutting down; the command was not sent');
      ack = await this.#handle(principal, body, options, trace);
    } catch (err) {
      ack = this.#errorAck(err, trace);
    }
    try {
      this.#record(principal, trace, ack, this.#now() - startedAt);
    } catch {
      // Audit and metrics are best effort: the caller's ack matters more (execute never throws).
    }
    return ack;
  }

  async #handle(principal: Principal, body: unknown, options: CommandRequestOptions, trace: Trace): Promise<CommandAck> {
    const { command, fingerprint } = validateCommand(body, options.idempotencyKey);
    trace.command = command;
    authorize(principal, command, this.#now());
    const source = resolveSource(this.#sources, command);
    trace.source = source.id;
    const limits = this.#limitsOf(source.id);
    const key = commandKey(command.tenant, command.id);
    const pendingTtlMs = limits.timeout + PENDING_GRACE_MS;

    for (let attempt = 0; attempt < MAX_RESERVE_ATTEMPTS; attempt++) {
      const reservation = await this.#store.reserve(key, fingerprint, pendingTtlMs);
      switch (reservation.status) {
        case 'new':
          trace.dispatched = true;
          return this.#dispatch(command, fingerprint, key, source, limits, options.notify, trace);
        case 'mismatch':
          throw new DuplicateError('id: already used with another body');
        case 'completed':
          trace.replayed = true;
          return reservation.ack;
        case 'pending': {
          // Same id, same body, still in flight: share its outcome rather than call the vendor twice.
          const ack = await this.#store.wait(key, pendingTtlMs);
          if (ack) {
            trace.replayed = true;
            return ack;
          }
        }
      }
    }
    throw new TimeoutError('an earlier request with this id has not finished; its outcome is unknown');
  }

  async #dispatch(
    command: ValidatedCommand,
    fingerprint: string,
    key: string,
    source: Source,
    limits: CommandLimits,
    notify: Notify | undefined,
    trace: Trace,
  ): Promise<CommandAck> {
    const updates = new CommandUpdates({ command, source: source.id, notify, now: this.#now, logger: this.#logger });
    let sentAt: number | undefined;
    let ack: CommandAck;
    try {
      const outcome = await this.#send(command, source, limits, updates, () => (sentAt = this.#now()));
      ack = { ok: true, result: outcome.result };
      updates.succeeded(outcome.result);
      if (outcome.observe && !this.#shutdown.signal.aborted) {
        this.#tracker.watch({
          tenant: command.tenant,
          source: source.id,
          hint: outcome.observe,
          since: sentAt ?? 0,
          onObserved: (observation) => updates.observed(observation),
        });
      }
    } catch (err) {
      ack = this.#errorAck(err, trace);
      if (updates.accepted && !ack.ok) updates.failed(ack.error);
    }
    await this.#settleClaim(key, fingerprint, ack, sentAt !== undefined);
    return ack;
  }

  async #send(
    command: ValidatedCommand,
    source: Source,
    limits: CommandLimits,
    updates: CommandUpdates,
    onSent: () => void,
  ): Promise<CommandOutcome> {
    const budget = typeof this.#budgets === 'function' ? this.#budgets(source.id) : this.#budgets.get(source.id);
    if (!budget) throw new Error(`no VendorBudget for source "${source.id}"`);
    const breaker = this.#breakerOf(source.id, limits);
    const ticket = breaker.admit();
    if (!ticket) throw breaker.openError(source.id);

    updates.queued();
    let sent = false;
    try {
      const outcome = await callVendor({
        source,
        budget,
        command,
        timeoutMs: limits.timeout,
        shutdown: this.#shutdown.signal,
        onSent: () => {
          sent = true;
          onSent();
          updates.sent();
        },
      });
      breaker.settle(ticket, 'healthy');
      return outcome;
    } catch (err) {
      breaker.settle(ticket, verdictOf(err, sent));
      throw err;
    }
  }

  /** Remembers what the vendor may have acted on; frees the id when it certainly did not. */
  async #settleClaim(key: string, fingerprint: string, ack: CommandAck, sent: boolean): Promise<void> {
    try {
      if (shouldRemember(ack, sent)) await this.#store.complete(key, fingerprint, ack, this.#ttlMs);
      else await this.#store.release(key, ack);
    } catch (err) {
      // The caller still gets its ack; only a later retry could miss the stored outcome.
      this.#logger.error({ err }, 'idempotency store failed');
    }
  }

  #limitsOf(sourceId: string): CommandLimits {
    const limits = typeof this.#limits === 'function' ? this.#limits(sourceId) : this.#limits.get(sourceId);
    return limits ?? DEFAULT_COMMAND_LIMITS;
  }

  #breakerOf(sourceId: string, limits: CommandLimits): CircuitBreaker {
    let breaker = this.#breakers.get(sourceId);
    if (!breaker) {
      breaker = new CircuitBreaker({ threshold: limits.breakerThreshold, cooldownMs: limits.breakerCooldown, now: this.#now });
      this.#breakers.set(sourceId, breaker);
    }
    return breaker;
  }

  #errorAck(err: unknown, trace: Trace): FailedAck {
    return failedAck(this.#toBridgeError(err, trace));
  }

  #toBridgeError(err: unknown, trace: Trace): BridgeError {
    if (err instanceof InternalError) trace.correlationId = err.correlationId;
    if (isBridgeError(err)) return err;
    const correlationId = randomUUID();
    trace.correlationId = correlationId;
    const { command } = trace;
    this.#logger.error({ err, correlationId, tenant: command?.tenant, source: trace.source, type: command?.type }, 'command failed unexpectedly');
    return new InternalError(correlationId);
  }

  #record(principal: Principal, trace: Trace, ack: CommandAck, latencyMs: number): void {
    const outcome = ack.ok ? 'ok' : ack.error.code;
    writeAudit(this.#logger, {
      principal: principal.label,
      command: trace.command,
      source: trace.source,
      outcome,
      latencyMs,
      replayed: trace.replayed,
      message: ack.ok ? undefined : ack.error.message,
      correlationId: trace.correlationId,
    });
    if (!this.#metrics) return;
    // Labels stay bounded: a hostile `type` never becomes a label value.
    const labels = { source: trace.source ?? 'none', type: trace.command?.type ?? 'invalid' };
    this.#metrics.commands.inc({ ...labels, outcome });
    if (trace.dispatched) this.#metrics.commandLatency.observe(labels, latencyMs / 1000);
  }
}
