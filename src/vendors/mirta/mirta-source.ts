/**
 * The MiRTA source: one PollLoop per topic (per tenant, or one for all tenants with an admin
 * key for PEERS and CHANNELS), every request through the vendor budget, samples into the
 * SnapshotSink, health per poll; commands mapped by commands.ts.
 */
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { NotFoundError } from '../../errors.js';
import type { BridgeMetrics } from '../../observability/metrics.js';
import { PollError, isPollError } from '../../pollers/poll-error.js';
import { PollLoop } from '../../pollers/poll-loop.js';
import { bindDemand } from '../../demand/demand-interval.js';
import type { Demand } from '../../demand/demand.js';
import type { SnapshotSink } from '../../pollers/snapshot-sink.js';
import type { SourceHealth } from '../../pollers/source-health.js';
import type { CommandType, ValidatedCommand } from '../../protocol/commands.js';
import type { Entity, SourceStatus, Topic } from '../../protocol/entities.js';
import { createSourceOutputs } from '../../sources/health-publisher.js';
import type { CommandContext, CommandOutcome, Source, SourceContext } from '../../sources/source.js';
import type { VendorBudget } from '../../sources/vendor-budget.js';
import { toPollError } from '../http-errors.js';
import { MIRTA_VENDOR_NAME, MirtaClient } from './client.js';
import { MIRTA_COMMANDS, commandOutcome, planCommand } from './commands.js';
import { MIRTA_POLL_TOPICS, type MirtaPollTopic, type MirtaSourceConfig } from './config.js';
import { QueueListCache } from './queue-list-cache.js';
import { fetchTopic, type Sample } from './topic-fetchers.js';
import { parseCommandReply } from './command-reply.js';
import { childWith } from '../../util/logger.js';

/** Even a 1 s poll gets this long: a PBX under load answers CHANNELS in seconds. */
export const MIN_POLL_TIMEOUT_MS = 3_000;
/**
 * Topics whose sudden emptiness is a glitch until proven otherwise (doc "Suspicious polls").
 * For queues and agents "empty" means the queue list vanished, not an idle queue.
 */
const SUSPICIOUS_WHEN_EMPTY: ReadonlySet<MirtaPollTopic> = new Set(['peers', 'blfs', 'flows', 'extensions', 'queues', 'agents']);
/** Topics one admin-key request answers for every tenant. */
const ADMIN_WIDE: ReadonlySet<MirtaPollTopic> = new Set(['peers', 'channels']);

export interface MirtaSourceOptions extends SourceContext {
  config: MirtaSourceConfig;
  metrics?: BridgeMetrics;
  /** Replaces the default undici Pool (tests point it at a simulator). */
  dispatcher?: Dispatcher;
}

/** Poll timeout: below the interval, but at least MIN_POLL_TIMEOUT_MS, and never above `limits.timeout`. */
export function pollTimeoutMs(intervalMs: number, limitTimeoutMs: number): number {
  return Math.min(limitTimeoutMs, Math.max(MIN_POLL_TIMEOUT_MS, Math.floor(intervalMs * 0.9)));
}

interface PollPlan {
  topic: MirtaPollTopic;
  /** Health part: `peers` (admin-wide) or `peers/acme`. */
  part: string;
  /** Bridge tenant -> MiRTA code, of the tenants this plan fills. */
  tenants: ReadonlyArray<readonly [string, string]>;
  /** Without tenant (admin-wide) or with this tenant's code. */
  code?: string;
}

export class MirtaSource implements Source {
  readonly id: string;
  readonly vendor = 'mirta';
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[];
  readonly commands: readonly CommandType[] = MIRTA_COMMANDS;
  readonly #config: MirtaSourceConfig;
  readonly #client: MirtaClient;
  readonly #sink: SnapshotSink;
  readonly #health: SourceHealth;
  readonly #budget: VendorBudget;
  readonly #logger: Logger;
  readonly #metrics: BridgeMetrics | undefined;
  readonly #now: () => Date;
  readonly #codes: ReadonlyMap<string, string>;
  /** Consecutive suspicious empty answers per `topic/tenant`. */
  readonly #suspicious = new Map<string, number>();
  #loops: PollLoop[] = [];
  /** The loops per topic, so a command can have its effect polled at once. */
  #loopsByTopic = new Map<MirtaPollTopic, PollLoop[]>();
  #unbind: (() => void)[] = [];
  readonly #demand: Demand | undefined;
  readonly #idlePollMs: number | undefined;
  /** Shared by the agents and queues polls; fresh for one queues interval. */
  readonly #queueLists: QueueListCache | undefined;

  constructor(options: MirtaSourceOptions) {
    const config = options.config;
    this.#config = config;
    this.id = config.id;
    this.#codes = new Map(Object.entries(config.tenants));
    this.tenants = [...this.#codes.keys()];
    this.topics = MIRTA_POLL_TOPICS.filter((topic) => config.poll[topic] > 0);
    this.#budget = options.budget;
    this.#logger = childWith(options.logger, { source: config.id, vendor: 'mirta' });
    this.#metrics = options.metrics;
    this.#now = options.now ?? (() => new Date());
    this.#demand = options.demand;
    this.#idlePollMs = options.idlePollMs;
    // Only worth it when both topics poll; with queues off, agents ask at each poll as before.
    this.#queueLists = config.poll.queues > 0 && config.poll.agents > 0 ? new QueueListCache({ maxAgeMs: config.poll.queues }) : undefined;
    const clientOptions: ConstructorParameters<typeof MirtaClient>[0] = { url: config.url, key: config.key, connections: config.limits.concurrency };
    if (options.dispatcher) clientOptions.dispatcher = options.dispatcher;
    this.#client = new MirtaClient(clientOptions);
    ({ sink: this.#sink, health: this.#health } = createSourceOutputs({
      bus: options.bus,
      source: config.id,
      vendor: 'mirta',
      tenants: this.tenants,
      downAfter: config.health.downAfter,
      // The publisher and the conflict warning add `source` themselves.
      logger: options.logger,
      now: this.#now,
    }));
  }

  get status(): SourceStatus | undefined {
    return this.#health.status;
  }

  async start(): Promise<void> {
    if (this.#loops.length > 0) return;
    for (const plan of this.#plans()) {
      const loop = this.#loop(plan);
      this.#loops.push(loop);
      this.#loopsByTopic.set(plan.topic, [...(this.#loopsByTopic.get(plan.topic) ?? []), loop]);
      this.#unbind.push(
        bindDemand(loop, {
          demand: this.#demand,
          tenants: plan.tenants.map(([tenant]) => tenant),
          topic: plan.topic,
          activeMs: this.#config.poll[plan.topic],
          idleMs: this.#idlePollMs,
        }),
      );
    }
    for (const loop of this.#loops) loop.start();
  }

  async stop(): Promise<void> {
    for (const unbind of this.#unbind.splice(0)) unbind();
    const loops = this.#loops;
    this.#loops = [];
    this.#loopsByTopic.clear();
    await Promise.all(loops.map((loop) => loop.stop()));
    this.#queueLists?.clear();
    await this.#client.close();
  }

  /**
   * Sends one command and reads MiRTA's answer. Not wrapped in the budget (the command layer
   * does that, and the timeout); `signal` aborts the request.
   */
  async execute(command: ValidatedCommand, context: CommandContext): Promise<CommandOutcome> {
    const code = this.#codes.get(command.tenant);
    if (code === undefined) throw new NotFoundError('this source does not serve the tenant');
    const plan = planCommand(command, { code, all: [...this.#codes.values()] }, this.#now());
    this.#logger.info({ op: plan.op, tenant: command.tenant, command: command.id }, 'mirta command');
    const body = await this.#client.request(plan.params, { kind: 'command', timeoutMs: this.#config.limits.timeout, signal: context.signal });
    const outcome = commandOutcome(plan, parseCommandReply(body), (text) => this.#client.redact(text));
    // The effect shows at the next poll of its topic: with nobody watching, that poll may be a
    // slow background one away, so run it now.
    if (outcome.observe) for (const loop of this.#loopsByTopic.get(outcome.observe.topic as MirtaPollTopic) ?? []) loop.triggerNow();
    return outcome;
  }

  #plans(): PollPlan[] {
    const all = [...this.#codes.entries()];
    return this.topics.flatMap((topic): PollPlan[] => {
      const mirtaTopic = topic as MirtaPollTopic;
      if (this.#config.admin && ADMIN_WIDE.has(mirtaTopic)) return [{ topic: mirtaTopic, part: topic, tenants: all }];
      return all.map(([tenant, code]) => ({ topic: mirtaTopic, part: `${topic}/${tenant}`, tenants: [[tenant, code]], code }));
    });
  }

  #loop(plan: PollPlan): PollLoop {
    const intervalMs = this.#config.poll[plan.topic];
    const timeoutMs = pollTimeoutMs(intervalMs, this.#config.limits.timeout);
    const labels = { source: this.id, topic: plan.topic };
    const loop: PollLoop = new PollLoop({
      intervalMs,
      timeoutMs,
      poll: async (signal) => {
        const end = this.#metrics?.pollDuration.startTimer(labels);
        try {
          await this.#poll(plan, timeoutMs, signal);
        } catch (err) {
          throw this.#asPollError(err, signal, plan);
        } finally {
          end?.();
        }
      },
      onSuccess: () => {
        this.#metrics?.polls.inc({ ...labels, result: 'ok', reason: '' });
        this.#health.succeeded(plan.part);
      },
      onFailure: (err) => {
        const failure = isPollError(err) ? err : new PollError('vendor', 'poll failed');
        this.#metrics?.polls.inc({ ...labels, result: 'failed', reason: failure.reason });
        // The first failure of a streak is news; the rest would flood the log at 1 s intervals.
        const level = loop.consecutiveFailures === 1 ? 'warn' : 'debug';
        this.#logger[level]({ op: plan.topic, part: plan.part, reason: failure.reason, error: failure.message }, 'mirta poll failed');
        this.#health.failed(plan.part, failure.message);
      },
    });
    return loop;
  }

  #asPollError(err: unknown, signal: AbortSignal, plan: PollPlan): PollError {
    if (isPollError(err)) return err;
    const code = (err as { code?: unknown } | null)?.code;
    // Transport failures (and the budget rejecting with the signal's reason) map in one place;
    // anything else is a bug or a bus failure: log it whole, publish a neutral message.
    if (signal.aborted || (typeof code === 'string' && code !== '')) return toPollError(err, { vendor: MIRTA_VENDOR_NAME, signal });
    this.#logger.error({ err, op: plan.topic, part: plan.part }, 'mirta poll crashed');
    return new PollError('vendor', 'internal error while polling');
  }

  /** One poll: fetch (requests through the budget), then replace each tenant's snapshot. */
  async #poll(plan: PollPlan, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const get = (params: Record<string, string>): Promise<string> =>
      this.#budget.run('poll', (slot) => this.#client.request(params, { kind: 'poll', timeoutMs, signal: slot ?? signal }), signal);
    const codes = plan.tenants.map(([, code]) => code);
    const lists = this.#queueLists;
    const samples = await fetchTopic(plan.topic, {
      get,
      code: plan.code,
      codes,
      nodename: this.#config.nodename,
      // Queue lists are per tenant: the agents and queues polls always carry a code.
      queueList: lists && ((code, fetch, options) => (code === undefined ? fetch() : lists.get(code, fetch, options))),
    });
    let firstError: unknown;
    for (const [tenant, code] of plan.tenants) {
      const sample = samples.get(code);
      if (!sample) continue;
      try {
        await this.#sink.replace(tenant, plan.topic, (previous) => this.#build(plan.topic, tenant, code, sample, previous));
      } catch (err) {
        // One tenant's suspicious sample must not hold back the others of an admin-wide poll.
        firstError ??= err;
      }
    }
    if (firstError !== undefined) throw firstError;
  }

  #build(topic: MirtaPollTopic, tenant: string, code: string, sample: Sample, previous: ReadonlyMap<string, Entity>): ReadonlyMap<string, Entity> {
    this.#guardEmpty(topic, tenant, sample.empty, previous);
    return sample.build({ source: this.id, now: this.#now(), tenantCode: code, tenantCodes: [...this.#codes.values()], previous });
  }

  /**
   * A topic that had entities and now answers nothing is a failed poll (a PBX does not lose
   * every phone between two polls; an auth glitch or a half-broken node does answer 0 bytes),
   * until `health.downAfter` such answers in a row have failed: the next one is believed.
   */
  #guardEmpty(topic: MirtaPollTopic, tenant: string, empty: boolean, previous: ReadonlyMap<string, Entity>): void {
    const key = `${topic}/${tenant}`;
    if (!empty || previous.size === 0 || !SUSPICIOUS_WHEN_EMPTY.has(topic)) {
      this.#suspicious.delete(key);
      return;
    }
    const count = (this.#suspicious.get(key) ?? 0) + 1;
    if (count > this.#config.health.downAfter) {
      this.#suspicious.delete(key);
      this.#logger.warn({ op: topic, tenant, previous: previous.size }, 'mirta empty answer accepted after repeated polls');
      return;
    }
    this.#suspicious.set(key, count);
    throw new PollError('suspicious_empty', `empty ${topic} answer while ${previous.size} were known; ignored`);
  }
}
