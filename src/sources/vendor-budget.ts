/**
 * A vendor's request budget, shared by its polls and its commands: `concurrency` requests at
 * once (p-queue, which also orders by priority and honours abort signals) and `perSecond` in
 * any rolling second as the vendor sees them (RateGate). Commands jump ahead of polls, so a busy
 * poller never starves a click, and at most `queue` commands wait: beyond that a command is
 * refused at once with `rate_limited`.
 */
import PQueue from 'p-queue';
import { RateLimitedError } from '../errors.js';
import { RateGate } from './rate-gate.js';

/**
 * A rate budget shared with other nodes (cluster mode: ClusterRateGate). Awaited after this
 * node's own permit, before the request; its release is called when the request ends.
 */
export interface SharedRateGate {
  acquire(signal?: AbortSignal): Promise<() => Promise<void>>;
  close(): void;
}

export type BudgetKind = 'poll' | 'command';

export interface VendorBudgetOptions {
  concurrency: number;
  perSecond: number;
  /** Most commands waiting for a slot. */
  queue: number;
  /**
   * Cluster mode: the cluster-wide budget for the same `perSecond`, so the vendor sees the limit
   * whichever nodes the requests come from. A request it refuses (Redis down) is not sent.
   */
  shared?: SharedRateGate | undefined;
}

const PRIORITY: Readonly<Record<BudgetKind, number>> = { command: 10, poll: 0 };

export class VendorBudget {
  readonly #queue: PQueue;
  readonly #gate: RateGate;
  readonly #shared: SharedRateGate | undefined;
  readonly #maxWaitingCommands: number;
  #waitingCommands = 0;

  constructor(options: VendorBudgetOptions) {
    // Sub-1/s rates become "1 per N ms" so the window stays exact.
    const interval = options.perSecond >= 1 ? 1000 : Math.round(1000 / options.perSecond);
    const permits = options.perSecond >= 1 ? Math.floor(options.perSecond) : 1;
    this.#queue = new PQueue({ concurrency: options.concurrency });
    this.#gate = new RateGate(permits, interval);
    this.#shared = options.shared;
    this.#maxWaitingCommands = options.queue;
  }

  /** Requests waiting for a slot (polls and commands). */
  get waiting(): number {
    return this.#queue.size;
  }
  /** Requests under way. */
  get running(): number {
    return this.#queue.pending;
  }

  /**
   * Runs `task` when the budget allows. Aborting `signal` while it waits removes it from the
   * queue (rejecting with the signal's reason); once started, the task gets the signal itself.
   */
  async run<T>(kind: BudgetKind, task: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (kind === 'command') {
      if (this.#waitingCommands >= this.#maxWaitingCommands) {
        throw new RateLimitedError('too many commands waiting for this source; retry shortly', 1);
      }
      this.#waitingCommands++;
    }
    let started = false;
    const release = () => {
      if (kind === 'command' && !started) {
        started = true;
        this.#waitingCommands--;
      }
    };
    try {
      return await this.#queue.add(
        async () => {
          // Out of the command queue once p-queue starts it; at most `concurrency` tasks then
          // wait for a rate permit, so `queue` still bounds what waits.
          release();
          await this.#gate.acquire(signal);
          try {
            const shared = this.#shared;
            if (!shared) return await task(signal);
            const free = await shared.acquire(signal);
            try {
              return await task(signal);
            } finally {
              void free();
            }
          } finally {
            this.#gate.releaseLater();
          }
        },
        { priority: PRIORITY[kind], signal },
      );
    } finally {
      release();
    }
  }

  /** Stops starting new work and cancels pending permit releases (shutdown). */
  close(): void {
    this.#queue.pause();
    this.#gate.close();
    this.#shared?.close();
  }
}
