/**
 * Slow consumers (protocol §3): one client that stops reading must cost the others nothing and
 * the server a bounded amount of memory.
 *
 * engine.io keeps a socket's packets in its `writeBuffer` while the transport is still busy with
 * earlier ones (websocket: the kernel buffer is full; polling: the client has not polled yet), so
 * its length is the socket's backlog. A sweep looks at every socket once a second — the fan-out
 * itself does no per-socket work — and:
 *
 * 1. a socket whose backlog passes `softBacklog` becomes **slow**: it joins the `SLOW_ROOM`, the
 *    fan-out's broadcasts skip it (`except`), and its events go to its own CoalescingQueue
 *    instead (latest per topic + key; lifecycle events kept). When engine.io hands its buffer
 *    to the transport (`drain`), the queue is flushed into it; a drain with nothing queued makes
 *    it a normal socket again. Its backlog no longer grows with the event rate.
 * 2. it is dropped (connection closed at once, unsent packets discarded) only past a hard bound:
 *    a queue of more than `maxQueued` entries, a backlog above `maxSocketBacklog *
 *    HARD_LIMIT_FACTOR`, or no drain for `maxStallMs`. The client reconnects and resumes with
 *    `since`.
 *
 * Direct emits to one socket (acks, `command.updated`, replays) are never coalesced.
 */
import type { Logger } from 'pino';
import type { BridgeEvent } from '../protocol/events.js';
import { CoalescingQueue } from './coalescing-queue.js';
import { eventWithoutRaw, roomFor } from './rooms.js';
import type { BridgeNamespace, BridgeSocket } from './socket-types.js';
import { emitToSocket } from './direct-emit.js';

/** Packets a socket may have waiting before the hard bound (times HARD_LIMIT_FACTOR) applies. */
export const DEFAULT_MAX_SOCKET_BACKLOG = 2_000;
export const SLOW_CONSUMER_SWEEP_MS = 1_000;
/** The room of slow sockets, skipped by broadcasts. Not a tenant room: it has no `:`. */
export const SLOW_ROOM = 'slow-consumers';
const HARD_LIMIT_FACTOR = 10;
/** A slow socket that has not drained for this long is not reading at all. */
export const DEFAULT_MAX_STALL_MS = 60_000;

export interface SlowConsumerOptions {
  nsp: BridgeNamespace;
  logger: Logger;
  maxSocketBacklog?: number | undefined;
  /** Backlog above which a socket is coalesced (default: maxSocketBacklog / 10, at least 50). */
  softBacklog?: number | undefined;
  /** Coalesced entries a slow socket may hold before it is dropped (default 25 x maxSocketBacklog). */
  maxQueued?: number | undefined;
  maxStallMs?: number | undefined;
  sweepIntervalMs?: number | undefined;
}

/**
 * `writeBuffer` is not in engine.io's typings, hence the narrow structural read.
 */
export function socketBacklog(socket: BridgeSocket): number {
  const conn = socket.conn as unknown as { writeBuffer?: readonly unknown[] };
  return conn.writeBuffer?.length ?? 0;
}

/**
 * Closes a socket's connection now, discarding what it has not sent. `close(true)` alone would
 * send a websocket close frame and wait up to 30 s (ws's close timeout) for a client that is not
 * reading, holding the TCP connection, and with it the HTTP server's shutdown; so the websocket
 * is terminated. ws's `terminate` is not in engine.io's typings, hence the structural read.
 */
export function dropConnection(socket: BridgeSocket): void {
  const transport = socket.conn.transport as unknown as { name?: string; socket?: { terminate?: () => void } };
  socket.conn.close(true);
  if (transport.name === 'websocket') transport.socket?.terminate?.();
}

interface SlowSocket {
  readonly socket: BridgeSocket;
  readonly queue: CoalescingQueue;
  lastDrainAt: number;
  readonly onDrain: () => void;
}

/** The slow sockets of one namespace, as the fan-out sees them. */
export class SlowConsumers {
  readonly #nsp: BridgeNamespace;
  readonly #logger: Logger;
  readonly #soft: number;
  readonly #hard: number;
  readonly #maxQueued: number;
  readonly #maxStallMs: number;
  readonly #slow = new Map<string, SlowSocket>();
  /** Sockets dropped and events coalesced away, for tests and metrics. */
  readonly stats = { coalesced: 0, dropped: 0, slowed: 0 };

  constructor(options: SlowConsumerOptions) {
    this.#nsp = options.nsp;
    this.#logger = options.logger;
    const bound = options.maxSocketBacklog ?? DEFAULT_MAX_SOCKET_BACKLOG;
    this.#soft = options.softBacklog ?? Math.max(50, Math.floor(bound / 10));
    this.#hard = bound * HARD_LIMIT_FACTOR;
    this.#maxQueued = options.maxQueued ?? bound * 25;
    this.#maxStallMs = options.maxStallMs ?? DEFAULT_MAX_STALL_MS;
  }

  /** True when some socket is slow: broadcasts must then skip the SLOW_ROOM. */
  get any(): boolean {
    return this.#slow.size > 0;
  }

  isSlow(socketId: string): boolean {
    return this.#slow.has(socketId);
  }

  /** Queues `event` for each slow socket subscribed to its topic (in the variant it chose). */
  offer(event: BridgeEvent): void {
    if (this.#slow.size === 0) return;
    const plainRoom = roomFor(event.tenant, event.topic, false);
    const rawRoom = roomFor(event.tenant, event.topic, true);
    let plain: BridgeEvent | undefined;
    for (const entry of this.#slow.values()) {
      const rooms = entry.socket.rooms;
      if (rooms.has(rawRoom)) entry.queue.offer(event);
      else if (rooms.has(plainRoom)) entry.queue.offer((plain ??= eventWithoutRaw(event)));
      else continue;
      if (entry.queue.size > this.#maxQueued) this.#drop(entry, 'coalesced queue overflow');
    }
  }

  /** One pass over the namespace: slow down, or drop, the sockets that need it. */
  sweep(now = Date.now()): void {
    for (const [id, socket] of this.#nsp.sockets) {
      const entry = this.#slow.get(id);
      const backlog = socketBacklog(socket);
      if (backlog > this.#hard) {
        if (entry) this.#drop(entry, 'backlog over the hard bound');
        else this.#dropSocket(socket, backlog, 'backlog over the hard bound');
      } else if (entry) {
        if (now - entry.lastDrainAt > this.#maxStallMs) this.#drop(entry, 'not reading');
      } else if (backlog > this.#soft) {
        this.#slowDown(socket, now);
      }
    }
  }

  close(): void {
    for (const entry of [...this.#slow.values()]) this.#forget(entry);
  }

  #slowDown(socket: BridgeSocket, now: number): void {
    const entry: SlowSocket = {
      socket,
      queue: new CoalescingQueue(),
      lastDrainAt: now,
      onDrain: () => this.#flush(entry),
    };
    this.#slow.set(socket.id, entry);
    this.stats.slowed++;
    void socket.join(SLOW_ROOM);
    socket.conn.on('drain', entry.onDrain);
    socket.once('disconnect', () => this.#forget(entry));
    this.#logger.info({ socket: socket.id, principal: socket.data.principal.label, backlog: socketBacklog(socket) }, 'slow consumer: coalescing its events');
  }

  /** engine.io handed the buffer to the transport: send what is queued, or end slow mode. */
  #flush(entry: SlowSocket): void {
    entry.lastDrainAt = Date.now();
    const { socket, queue } = entry;
    if (!socket.connected) return;
    if (queue.size === 0) {
      // Nothing arrived meanwhile: back to the broadcasts. Synchronous with the fan-out (both run
      // on this thread), so no event falls between the queue and the room.
      this.#forget(entry);
      return;
    }
    this.stats.coalesced += queue.offered - queue.size;
    for (const event of queue.take()) emitToSocket(socket, 'event', event);
  }

  #drop(entry: SlowSocket, reason: string): void {
    this.#forget(entry);
    this.#dropSocket(entry.socket, socketBacklog(entry.socket), reason);
  }

  #dropSocket(socket: BridgeSocket, backlog: number, reason: string): void {
    this.stats.dropped++;
    this.#logger.warn({ socket: socket.id, principal: socket.data.principal?.label, backlog, reason }, 'dropping slow consumer');
    dropConnection(socket);
  }

  #forget(entry: SlowSocket): void {
    if (this.#slow.get(entry.socket.id) !== entry) return;
    this.#slow.delete(entry.socket.id);
    entry.socket.conn.off('drain', entry.onDrain);
    void entry.socket.leave(SLOW_ROOM);
  }
}

/**
 * The fan-out and the sweep are started separately (socket-server.ts); they meet here, one
 * registry per namespace.
 */
const registry = new WeakMap<BridgeNamespace, SlowConsumers>();

export function slowConsumersOf(nsp: BridgeNamespace): SlowConsumers | undefined {
  return registry.get(nsp);
}

/**
 * Starts the sweep; returns the function that stops it.
 *
 * @example
 * const stop = startSlowConsumerSweep({ nsp: io.of('/v1'), logger });
 */
export function startSlowConsumerSweep(options: SlowConsumerOptions): () => void {
  const consumers = new SlowConsumers(options);
  registry.set(options.nsp, consumers);
  const timer = setInterval(() => consumers.sweep(), options.sweepIntervalMs ?? SLOW_CONSUMER_SWEEP_MS);
  // The sweep alone must not keep a process alive.
  timer.unref();
  return () => {
    clearInterval(timer);
    consumers.close();
    if (registry.get(options.nsp) === consumers) registry.delete(options.nsp);
  };
}
