/**
 * Basic slow-consumer policy (protocol §3; a later version coalesces state events first).
 *
 * engine.io keeps a socket's packets in its `writeBuffer` while the transport is still busy with
 * earlier ones (websocket: the kernel buffer is full; polling: the client has not polled yet), so
 * its length is the socket's backlog. A sweep looks at every socket once a second, instead of
 * after every event, so that the fan-out does no per-socket work and a legitimate burst (the
 * first poll of a big directory) is not mistaken for a stalled client:
 *
 * - backlog above `maxSocketBacklog` at two sweeps in a row (stuck for about a second), or
 * - backlog above `HARD_LIMIT_FACTOR` times that at any sweep
 *
 * drops the socket at once, discarding what it has not read, so its memory is freed and nobody
 * else waits. The client sees a transport close, reconnects and resumes with `since`.
 */
import type { Logger } from 'pino';
import type { BridgeNamespace, BridgeSocket } from './socket-types.js';

/** Packets a socket may have waiting (at two sweeps in a row) before it is dropped. */
export const DEFAULT_MAX_SOCKET_BACKLOG = 2_000;
export const SLOW_CONSUMER_SWEEP_MS = 1_000;
const HARD_LIMIT_FACTOR = 10;

export interface SlowConsumerOptions {
  nsp: BridgeNamespace;
  logger: Logger;
  maxSocketBacklog?: number | undefined;
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

/**
 * Starts the sweep; returns the function that stops it.
 *
 * @example
 * const stop = startSlowConsumerSweep({ nsp: io.of('/v1'), logger });
 */
export function startSlowConsumerSweep(options: SlowConsumerOptions): () => void {
  const { nsp, logger } = options;
  const bound = options.maxSocketBacklog ?? DEFAULT_MAX_SOCKET_BACKLOG;
  const hardLimit = bound * HARD_LIMIT_FACTOR;
  let over = new Set<string>();

  const sweep = (): void => {
    const stillOver = new Set<string>();
    const drop: Array<[BridgeSocket, number]> = [];
    for (const [id, socket] of nsp.sockets) {
      const backlog = socketBacklog(socket);
      if (backlog <= bound) continue;
      if (backlog > hardLimit || over.has(id)) drop.push([socket, backlog]);
      else stillOver.add(id);
    }
    over = stillOver;
    for (const [socket, backlog] of drop) {
      logger.warn({ socket: socket.id, principal: socket.data.principal.label, backlog }, 'dropping slow consumer');
      dropConnection(socket);
    }
  };

  const timer = setInterval(sweep, options.sweepIntervalMs ?? SLOW_CONSUMER_SWEEP_MS);
  // The sweep alone must not keep a process alive.
  timer.unref();
  return () => clearInterval(timer);
}
