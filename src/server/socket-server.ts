/**
 * The socket.io side of the bridge (protocol §1, §3, §4): namespace `/v1` on the HTTP server,
 * token handshake, `hello`, `subscribe` / `unsubscribe` / `command`, the fan-out of bus events
 * and token expiry.
 */
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Bus } from '../bus/bus.js';
import type { CommandService } from '../commands/command-service.js';
import { UnsupportedError } from '../errors.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import type { SourceDirectory } from '../sources/source-directory.js';
import { errorAck } from './ack.js';
import { startFanOut } from './fan-out.js';
import { dropConnection, startSlowConsumerSweep } from './slow-consumers.js';
import { buildHello } from './hello.js';
import { subscribe, unsubscribe } from './subscriptions.js';
import { NAMESPACE, type BridgeIo, type BridgeNamespace, type BridgeSocket } from './socket-types.js';

/** Largest message a client may send; a bigger one closes its connection (engine.io's rule). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** setTimeout's ceiling; longer token lifetimes are waited for in steps. */
const MAX_TIMER_MS = 2_147_483_647;

export interface SocketServerOptions {
  httpServer: HttpServer;
  bus: Bus;
  sources: SourceDirectory;
  verifier: TokenVerifier;
  metrics: BridgeMetrics;
  logger: Logger;
  commands?: CommandService | undefined;
  /** Packets a socket may have waiting before it is dropped (see slow-consumers.ts). */
  maxSocketBacklog?: number | undefined;
}

export interface SocketServer {
  readonly io: BridgeIo;
  readonly nsp: BridgeNamespace;
  /** Stops the fan-out and disconnects every socket; the HTTP server is closed by the caller. */
  close(): Promise<void>;
}

type AckFn = (response: unknown) => void;

/**
 * Wraps a client call: calls without an ack callback are ignored (protocol §4), the ack is sent
 * at most once, and nothing thrown escapes into socket.io.
 */
function handler(
  socket: BridgeSocket,
  logger: Logger,
  name: string,
  run: (payload: unknown, reply: AckFn) => Promise<void> | void,
): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (typeof last !== 'function') return;
    const ack = last as AckFn;
    let answered = false;
    const reply: AckFn = (response) => {
      if (answered) return;
      answered = true;
      ack(response);
    };
    const context = { call: name, socket: socket.id, principal: socket.data.principal.label };
    const payload = args.length > 1 ? args[0] : undefined;
    try {
      const pending = run(payload, reply);
      if (pending) pending.catch((err: unknown) => reply(errorAck(err, logger, context)));
    } catch (err) {
      reply(errorAck(err, logger, context));
    }
  };
}

/** Disconnects the socket when its credential expires (JWT `exp`). */
function scheduleExpiry(socket: BridgeSocket, expiresAt: number): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      socket.disconnect(true);
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  socket.once('disconnect', () => clearTimeout(timer));
}

/**
 * Attaches socket.io to `httpServer` and wires the namespace.
 *
 * @example
 * const sockets = createSocketServer({ httpServer: fastify.server, bus, sources, verifier, metrics, logger });
 * // ... on shutdown
 * await sockets.close();
 */
export function createSocketServer(options: SocketServerOptions): SocketServer {
  const { bus, sources, verifier, metrics, commands } = options;
  const logger = options.logger.child({ component: 'socket' });
  const io: BridgeIo = new Server(options.httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    // No connection state recovery: `since` and the snapshot are the recovery (stack.md), and
    // without it middlewares (the token check) run on every reconnection.
  });
  const nsp: BridgeNamespace = io.of(NAMESPACE);
  const updateClients = (): void => metrics.clients.set(nsp.sockets.size);

  nsp.use((socket, next) => {
    verifier.verify(socket.handshake.auth?.token).then(
      (principal) => {
        if (!principal) return next(new Error('unauthorized'));
        socket.data.principal = principal;
        next();
      },
      (err: unknown) => {
        logger.error({ err }, 'token verification failed');
        next(new Error('unauthorized'));
      },
    );
  });

  nsp.on('connection', (socket) => {
    const principal = socket.data.principal;
    updateClients();
    socket.once('disconnect', updateClients);
    if (principal.expiresAt !== undefined) scheduleExpiry(socket, principal.expiresAt);
    logger.debug({ socket: socket.id, principal: principal.label }, 'client connected');

    socket.on(
      'subscribe',
      handler(socket, logger, 'subscribe', (payload, reply) => subscribe(socket, payload, bus, reply)),
    );
    socket.on(
      'unsubscribe',
      handler(socket, logger, 'unsubscribe', (payload, reply) => reply(unsubscribe(socket, payload))),
    );
    socket.on(
      'command',
      handler(socket, logger, 'command', async (payload, reply) => {
        if (!commands) throw new UnsupportedError('commands are not available on this bridge');
        const ack = await commands.execute(principal, payload, {
          // Lifecycle updates go to this socket only, outside the tenant sequence (protocol §3).
          notify: (update) => {
            if (socket.connected) socket.emit('event', update);
          },
        });
        reply(ack);
      }),
    );

    socket.emit('hello', buildHello(principal, sources));
  });

  const stopFanOut = startFanOut({ bus, nsp });
  const stopSweep = startSlowConsumerSweep({ nsp, logger, maxSocketBacklog: options.maxSocketBacklog });

  return {
    io,
    nsp,
    async close() {
      stopFanOut();
      stopSweep();
      // Not io.close(): it would also close the HTTP server, which belongs to fastify. Every
      // connection is dropped at once, unsent packets discarded; clients see a transport close
      // and reconnect, to another node during a rolling restart.
      for (const socket of [...nsp.sockets.values()]) dropConnection(socket);
      io.engine.close();
      updateClients();
    },
  };
}
