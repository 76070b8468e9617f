/**
 * The parent's side of the slow-client bench's client process: forks it, and turns the IPC
 * exchange (protocol.ts) into awaitable calls.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildReply, Comparison, Mode, ParentMessage, SegmentCounts } from './protocol.js';

const CLIENT_ENTRY = fileURLToPath(new URL('./clients.ts', import.meta.url));
const EXIT_TIMEOUT_MS = 5_000;

/**
 * @example
 * const fleet = new SlowClientFleet();
 * const { stalledId } = await fleet.connect(url, token, 'bench', 'stall', 1000);
 * await fleet.begin('reading');
 * // ... publish
 * const counts = await fleet.end(events, 10_000);
 */
export class SlowClientFleet {
  readonly #child: ChildProcess;
  readonly #waiters: { kind: ChildMessage['kind']; resolve: (message: ChildMessage) => void; reject: (err: Error) => void }[] = [];
  #failure: Error | undefined;
  #progressWaiters: (() => void)[] = [];
  /** Deliveries to the others so far in the current segment (updated every 10 ms). */
  delivered = 0;

  constructor() {
    this.#child = fork(CLIENT_ENTRY, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' });
    this.#child.on('message', (message: ChildMessage) => this.#receive(message));
    this.#child.once('exit', (code) => this.#fail(new Error(`client process exited (code ${code ?? 'null'})`)));
  }

  #receive(message: ChildMessage): void {
    if (message.kind === 'progress') {
      this.delivered = message.delivered;
      for (const wake of this.#progressWaiters.splice(0)) wake();
      return;
    }
    if (message.kind === 'failed') return this.#fail(new Error(`client process: ${message.message}`));
    const index = this.#waiters.findIndex((waiter) => waiter.kind === message.kind);
    const [waiter] = index >= 0 ? this.#waiters.splice(index, 1) : [];
    waiter?.resolve(message);
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
  }

  #request<K extends ChildMessage['kind']>(message: ParentMessage, kind: K): Promise<ChildReply<K>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const reply = new Promise<ChildReply<K>>((resolve, reject) => {
      this.#waiters.push({ kind, resolve: (m) => resolve(m as ChildReply<K>), reject });
    });
    this.#child.send(message);
    return reply;
  }

  async connect(url: string, token: string, tenant: string, stallTenant: string, clients: number): Promise<{ ms: number; stalledId: string }> {
    const { ms, stalledId } = await this.#request({ kind: 'connect', url, token, tenant, stallTenant, clients }, 'connected');
    return { ms, stalledId };
  }

  async begin(mode: Mode): Promise<void> {
    this.delivered = 0;
    await this.#request({ kind: 'begin', mode }, 'begun');
  }

  /** Waits until every other client has `perClient` events of the segment (or `timeoutMs`). */
  async end(perClient: number, timeoutMs: number): Promise<SegmentCounts> {
    return (await this.#request({ kind: 'end', perClient, timeoutMs }, 'ended')).counts;
  }

  async pause(): Promise<void> {
    await this.#request({ kind: 'pause' }, 'paused');
  }

  async resume(): Promise<void> {
    await this.#request({ kind: 'resume' }, 'resumed');
  }

  async compare(): Promise<Comparison> {
    return (await this.#request({ kind: 'compare' }, 'compared')).comparison;
  }

  async samples(mode: Mode): Promise<Float64Array> {
    return (await this.#request({ kind: 'samples', mode }, 'samples')).latency;
  }

  /** Resolves at the next progress report, or after `maxWaitMs`. */
  nextProgress(maxWaitMs = 20): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      this.#progressWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.send({ kind: 'close' } satisfies ParentMessage);
    const timer = setTimeout(() => this.#child.kill(), EXIT_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}
