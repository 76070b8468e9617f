/**
 * The parent's side of the client processes: forks them, splits the clients between them,
 * measures the clock offset to each, and runs the begin / progress / end exchange of a run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { wallNow } from '../lib/clock.js';
import type { ChildMessage, ChildReply, ParentMessage, PhaseName, RunCounts, Samples } from './protocol.js';

const CLIENT_ENTRY = fileURLToPath(new URL('./clients.ts', import.meta.url));
const CLOCK_PINGS = 40;
const EXIT_TIMEOUT_MS = 5_000;

class ClientProcess {
  readonly #child: ChildProcess;
  readonly #waiters: { kind: ChildMessage['kind']; resolve: (message: ChildMessage) => void; reject: (err: Error) => void }[] = [];
  #failure: Error | undefined;
  delivered = 0;
  offset = 0;
  onProgress: () => void = () => undefined;

  constructor() {
    this.#child = fork(CLIENT_ENTRY, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: 'inherit' });
    this.#child.on('message', (message: ChildMessage) => this.#receive(message));
    this.#child.once('exit', (code) => this.#fail(new Error(`client process exited (code ${code ?? 'null'})`)));
  }

  #receive(message: ChildMessage): void {
    if (message.kind === 'progress') {
      this.delivered = message.delivered;
      this.onProgress();
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

  /** Sends `message` and resolves with the first reply of kind `kind`. */
  request<K extends ChildMessage['kind']>(message: ParentMessage, kind: K): Promise<ChildReply<K>> {
    if (this.#failure) return Promise.reject(this.#failure);
    const reply = new Promise<ChildReply<K>>((resolve, reject) => {
      this.#waiters.push({ kind, resolve: (m) => resolve(m as ChildReply<K>), reject });
    });
    this.#child.send(message);
    return reply;
  }

  /** NTP-style: the ping with the shortest round trip gives the best offset estimate. */
  async calibrate(): Promise<{ offset: number; rttMs: number }> {
    let best = { offset: 0, rttMs: Infinity };
    for (let id = 0; id < CLOCK_PINGS; id++) {
      const sent = wallNow();
      const { at } = await this.request({ kind: 'clock', id }, 'clock');
      const received = wallNow();
      if (received - sent < best.rttMs) best = { offset: at - (sent + received) / 2, rttMs: received - sent };
    }
    this.offset = best.offset;
    return best;
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

export interface RunTotals extends RunCounts {
  /** Summed over processes; first/last are the extremes. */
  readonly processes: number;
}

/**
 * @example
 * const fleet = await ClientFleet.start(1);
 * await fleet.connect('raw', url, token, 'bench', 200);
 * await fleet.begin('raw', 'controlled', true);
 * // ... publish
 * const totals = await fleet.end(expected, 5_000);
 */
export class ClientFleet {
  readonly #processes: ClientProcess[];
  #progressWaiters: (() => void)[] = [];
  readonly clockOffsets: readonly { offset: number; rttMs: number }[];

  private constructor(processes: ClientProcess[], offsets: { offset: number; rttMs: number }[]) {
    this.#processes = processes;
    this.clockOffsets = offsets;
    for (const child of processes) {
      child.onProgress = () => {
        const waiters = this.#progressWaiters;
        this.#progressWaiters = [];
        for (const wake of waiters) wake();
      };
    }
  }

  static async start(count: number): Promise<ClientFleet> {
    const processes = Array.from({ length: count }, () => new ClientProcess());
    const offsets: { offset: number; rttMs: number }[] = [];
    for (const child of processes) offsets.push(await child.calibrate());
    return new ClientFleet(processes, offsets);
  }

  /** Opens `clients` sockets to `target`, split evenly between the processes. */
  async connect(target: string, url: string, token: string, tenant: string, clients: number): Promise<number> {
    const started = wallNow();
    const n = this.#processes.length;
    await Promise.all(
      this.#processes.map((child, i) => {
        const share = Math.floor(clients / n) + (i < clients % n ? 1 : 0);
        return child.request({ kind: 'connect', target, url, token, tenant, clients: share }, 'connected');
      }),
    );
    return wallNow() - started;
  }

  async disconnect(target: string): Promise<void> {
    await Promise.all(this.#processes.map((child) => child.request({ kind: 'disconnect', target }, 'disconnected')));
  }

  /** Deliveries counted so far in the current run (updated every 10 ms). */
  get delivered(): number {
    return this.#processes.reduce((sum, child) => sum + child.delivered, 0);
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

  async begin(target: string, phase: PhaseName, record: boolean, readTs = false): Promise<void> {
    for (const child of this.#processes) child.delivered = 0;
    await Promise.all(
      this.#processes.map((child) => child.request({ kind: 'begin', target, phase, record, offset: child.offset, readTs }, 'begun')),
    );
  }

  /** Waits until `expected` deliveries arrived in all (or `timeoutMs` passed) and ends the run. */
  async end(expected: number, timeoutMs: number): Promise<RunTotals> {
    const n = this.#processes.length;
    const replies = await Promise.all(
      this.#processes.map((child, i) => {
        const share = Math.floor(expected / n) + (i < expected % n ? 1 : 0);
        return child.request({ kind: 'end', expected: share, timeoutMs }, 'ended');
      }),
    );
    const counts = replies.map((reply) => reply.counts);
    const firsts = counts.map((c) => c.firstRecv).filter((t) => t > 0);
    return {
      processes: n,
      delivered: counts.reduce((sum, c) => sum + c.delivered, 0),
      firstRecv: firsts.length > 0 ? Math.min(...firsts) : 0,
      lastRecv: Math.max(0, ...counts.map((c) => c.lastRecv)),
      disconnects: counts.reduce((sum, c) => sum + c.disconnects, 0),
      cpuMs: counts.reduce((sum, c) => sum + c.cpuMs, 0),
    };
  }

  /** Every recorded sample of `target` + `phase`, all processes and runs together. */
  async samples(target: string, phase: PhaseName): Promise<{ latency: Float64Array[]; tsLatency: Float64Array[] }> {
    const replies = await Promise.all(this.#processes.map((child) => child.request({ kind: 'samples', target, phase }, 'samples')));
    const all: Samples[] = replies.map((reply) => reply.samples);
    return { latency: all.map((s) => s.latency), tsLatency: all.map((s) => s.tsLatency) };
  }

  async close(): Promise<void> {
    await Promise.all(this.#processes.map((child) => child.close()));
  }
}
