/**
 * A source in cluster mode: every node can carry out its commands, but only the node holding its
 * lease polls it (or holds its vendor websocket). What the SourceDirectory holds on each node:
 *
 * - a **standby** instance, built once and never started, carries out commands while another
 *   node polls (commands never wait for the lease: the vendor takes them from any node, and the
 *   cluster rate budget keeps the total within `perSecond`);
 * - an **active** instance, built and started on `acquired`, stopped on `lost` at once (its
 *   polls are aborted, its websocket closed) and thrown away: vendor clients are not restartable.
 *   A new one is built on the next `acquired`; its first poll diffs against the shared state, so
 *   a takeover removes nothing that is still there.
 *
 * `status` is the active instance's; on the other nodes it is what the poller last published
 * (the `sources` entity, which every node sees through the bus).
 */
import type { Logger } from 'pino';
import type { CommandType, ValidatedCommand } from '../protocol/commands.js';
import type { SourceStatus, Topic } from '../protocol/entities.js';
import type { CommandContext, CommandOutcome, Source } from './source.js';
import { childWith } from '../util/logger.js';

/** What a LeasedSource needs of a lease (cluster/lease.ts's SourceLease). */
export interface Lease {
  readonly held: boolean;
  on(event: 'acquired', listener: () => void): () => void;
  on(event: 'lost', listener: (reason: string) => void): () => void;
  start(): void;
  release(): Promise<void>;
}

export interface LeasedSourceOptions {
  /** Builds a fresh instance of the source (the standby first, then one per lease period). */
  readonly build: () => Source;
  readonly lease: Lease;
  readonly logger: Logger;
  /** Told whenever this node starts or stops polling the source. */
  readonly onPollingChange?: ((polling: boolean) => void) | undefined;
}

/**
 * @example
 * const source = new LeasedSource({ build: () => buildSource(config, context), lease, logger });
 * directory.add(source);
 * await source.start(); // contends; polls while it holds the lease
 */
export class LeasedSource implements Source {
  readonly id: string;
  readonly vendor: string;
  readonly tenants: readonly string[];
  readonly topics: readonly Topic[];
  readonly commands: readonly CommandType[];
  readonly #build: () => Source;
  readonly #lease: Lease;
  readonly #logger: Logger;
  readonly #onPollingChange: ((polling: boolean) => void) | undefined;
  readonly #standby: Source;
  #active: Source | undefined;
  /** Starts and stops of active instances, one after the other. */
  #transitions: Promise<void> = Promise.resolve();
  #sharedStatus: SourceStatus | undefined;
  #unlisten: Array<() => void> = [];
  #stopped = false;

  constructor(options: LeasedSourceOptions) {
    this.#build = options.build;
    this.#lease = options.lease;
    this.#onPollingChange = options.onPollingChange;
    this.#standby = options.build();
    this.id = this.#standby.id;
    this.#logger = childWith(options.logger, { source: this.id });
    this.vendor = this.#standby.vendor;
    this.tenants = this.#standby.tenants;
    this.topics = this.#standby.topics;
    this.commands = this.#standby.commands;
  }

  /** True while this node polls the source. */
  get polling(): boolean {
    return this.#active !== undefined;
  }

  get status(): SourceStatus | undefined {
    return this.#active?.status ?? this.#sharedStatus;
  }

  /** The status the polling node published (a `sources` entity of this source). */
  observeStatus(status: SourceStatus): void {
    this.#sharedStatus = status;
  }

  /** Starts contending for the lease; resolves at once (not once this node polls). */
  async start(): Promise<void> {
    this.#unlisten = [this.#lease.on('acquired', () => this.#activate()), this.#lease.on('lost', (reason) => this.#deactivate(reason))];
    this.#lease.start();
  }

  /** Stops polling, gives the lease up (another node takes over at once), stops the standby. */
  async stop(): Promise<void> {
    this.#stopped = true;
    // Polling stops and what it had under way settles BEFORE the lease goes: a poll finishing
    // late must not publish after the next node's first one.
    this.#deactivate('stopping');
    await this.#transitions;
    await this.#lease.release();
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
    await this.#standby.stop();
  }

  execute(command: ValidatedCommand, context: CommandContext): Promise<CommandOutcome> {
    // The polling instance when there is one: it can poll the command's effect at once.
    return (this.#active ?? this.#standby).execute(command, context);
  }

  info(tenant: string): Readonly<Record<string, unknown>> | undefined {
    const source = this.#active ?? this.#standby;
    return source.info?.(tenant);
  }

  #activate(): void {
    this.#transitions = this.#transitions.then(async () => {
      if (this.#stopped || this.#active || !this.#lease.held) return;
      let active: Source;
      try {
        active = this.#build();
      } catch (err) {
        this.#logger.error({ err }, 'source could not be built for polling');
        return;
      }
      this.#active = active;
      this.#logger.info('lease held: polling');
      this.#onPollingChange?.(true);
      try {
        await active.start();
      } catch (err) {
        this.#logger.error({ err }, 'source did not start polling');
        if (this.#active === active) this.#stopActive('start failed');
      }
    });
  }

  /** Synchronous on purpose: another node may take the lease over within a third of its TTL. */
  #deactivate(reason: string): void {
    if (!this.#active) return;
    this.#stopActive(reason);
  }

  #stopActive(reason: string): void {
    const active = this.#active;
    if (!active) return;
    this.#active = undefined;
    // stop() aborts the polls under way and closes the websocket before its first await.
    const stopped = active.stop().catch((err: unknown) => this.#logger.error({ err }, 'source did not stop cleanly'));
    this.#logger.info({ reason }, 'lease gone: polling stopped');
    this.#onPollingChange?.(false);
    this.#transitions = this.#transitions.then(() => stopped);
  }
}
