/**
 * The socket.io side of the bridge (protocol §1, §3, §4): namespace `/v1` on the HTTP server,
 * token handshake, `hello`, `subscribe` / `unsubscribe` / `command` / `auth.renew`, the fan-out
 * of bus events, token expiry and the per-client abuse limits.
 */
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type ServerOptions } from 'socket.io';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Bus } from '../bus/bus.js';
import type { CommandService } from '../commands/command-service.js';
import { RateLimitedError, UnsupportedError } from '../errors.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import type { SourceDirectory } from '../sources/source-directory.js';
import type { AckError } from '../protocol/messages.js';
import { errorAck } from './ack.js';
import { DEFAULT_CLIENT_LIMITS, TokenBucket, type ClientLimits } from './client-limits.js';
import { startFanOut } from './fan-out.js';
import { dropConnection, startSlowConsumerSweep } from './slow-consumers.js';
import { deliverRecoveredPackets } from './cluster-adapter.js';
import { emitToSocket } from './direct-emit.js';
import { buildHello } from './hello.js';
import { connectionLimit, type TrustProxy } from './socket-connections.js';
import { watchTokenLifetime } from './socket-expiry.js';
import { renew } from './socket-renew.js';
import { dropUncovered, subscribe, unsubscribe } from './subscriptions.js';
import { NAMESPACE, type BridgeIo, type BridgeNamespace, type BridgeSocket } from './socket-types.js';
import { clearJoinFloors } from './join-floors.js';

/** Largest message a client may send; a bigger one closes its connection (engine.io's rule). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

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
  /** The config's `clients` block (client-limits.ts); its defaults when absent. */
  limits?: ClientLimits | undefined;
  /** `listen.trustProxy`: whether X-Forwarded-For names the client for the per-IP limit. */
  trustProxy?: TrustProxy | undefined;
  /**
   * Cluster mode: the socket.io adapter (cluster-adapter.ts). Broadcasts then come from the
   * shared stream the event log writes (cluster-broadcast.ts) instead of this node's fan-out,
   * and connection state recovery is on.
   */
  cluster?: { adapter: NonNullable<ServerOptions['adapter']> } | undefined;
}

/** How long a dropped connection may come back with its rooms and missed events (socket.io's default). */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

export interface SocketServer {
  readonly io: BridgeIo;
  readonly nsp: BridgeNamespace;
  /** Stops the fan-out and disconnects every socket; the HTTP server is closed by the caller. */
  close(): Promise<void>;
}

type AckFn = (response: unknown) => void;
/** Decides whether a call may run: undefined, or the refusal to answer instead. */
type Admission = () => (AckError & { retryAfterSec?: number }) | undefined;

/**
 * Wraps a client call: calls without an ack callback are ignored (protocol §4), the others pass
 * `admit` (the socket's call budget) first, the ack is sent at most once, and nothing thrown
 * escapes into socket.io.
 */
function handler(
  socket: BridgeSocket,
  logger: Logger,
  name: string,
  admit: Admission,
  run: (payload: unknown, reply: AckFn) => Promise<void> | void,
): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const last = args[args.length - 1];
    if (typeof last !== 'function') return;
    const ack = last as AckFn;
    const refusal = admit();
    if (refusal) {
      ack(refusal);
      return;
    }
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

/**
 * The socket's call budget (`clients.callsPerSecond`, `clients.callsBurst`): a token bucket that
 * lives and dies with the socket. Over it, the ack is `rate_limited` with `retryAfterSec`, and
 * the call is not run; the socket stays connected.
 */
function callBudget(socket: BridgeSocket, limits: ClientLimits, metrics: BridgeMetrics, logger: Logger): Admission {
  const bucket = new TokenBucket(limits.callsPerSecond, limits.callsBurst);
  let warned = false;
  return () => {
    const waitMs = bucket.take();
    if (waitMs === 0) return undefined;
    metrics.clientRefusals.inc({ reason: 'call_rate' });
    if (!warned) {
      warned = true;
      logger.warn({ socket: socket.id, principal: socket.data.principal.label, limit: limits.callsPerSecond }, 'client over its call rate');
    }
    const retryAfterSec = Math.max(1, Math.ceil(waitMs / 1000));
    const error = new RateLimitedError(`too many calls on this connection (limit ${limits.callsPerSecond}/s); retry in ${retryAfterSec} s`, retryAfterSec);
    return { ok: false, error: error.toWire(), retryAfterSec };
  };
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
  const limits = options.limits ?? DEFAULT_CLIENT_LIMITS;
  const logger = options.logger.child({ component: 'socket' });
  const perIp = connectionLimit({ connectionsPerIp: limits.connectionsPerIp, trustProxy: options.trustProxy ?? false, metrics, logger });
  const io: BridgeIo = new Server(options.httpServer, {
    serveClient: false,
    maxHttpBufferSize: MAX_CLIENT_MESSAGE_BYTES,
    allowRequest: perIp.allowRequest,
    // One node: no connection state recovery; `since` and the snapshot are the recovery
    // (stack.md), and the fan-out writes each broadcast straight to the sockets. Cluster mode:
    // recovery on, for short drops and rolling restarts, with the token checked again on every
    // reconnection (`skipMiddlewares: false`: a revoked or expired token does not come back).
    ...(options.cluster
      ? {
          adapter: options.cluster.adapter,
          connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_WINDOW_MS, skipMiddlewares: false },
        }
      : {}),
  });
  perIp.countConnections(io);
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
    socket.once('disconnect', () => {
      updateClients();
      clearJoinFloors(nsp, socket.id);
    });
    const lifetime = watchTokenLifetime(socket);
    lifetime.arm(principal.expiresAt);
    if (socket.recovered) {
      // Rooms came back from the session; the token may cover less than the one that joined them.
      dropUncovered(socket, principal);
      const missed = deliverRecoveredPackets(socket);
      logger.debug({ socket: socket.id, principal: principal.label, missed }, 'client connection recovered');
    } else {
      logger.debug({ socket: socket.id, principal: principal.label }, 'client connected');
    }

    const admit = callBudget(socket, limits, metrics, logger);
    const subscribeLimits = {
      maxSubscriptions: limits.maxSubscriptions,
      refused: () => metrics.clientRefusals.inc({ reason: 'subscriptions' }),
    };
    // One renewal at a time per socket: a slow check of an older token must not win.
    let renewing: Promise<void> = Promise.resolve();
    const renewContext = { verifier, sources, lifetime, logger };

    // Every call reads `socket.data.principal` when it runs: `auth.renew` may have replaced it.
    socket.on(
      'subscribe',
      handler(socket, logger, 'subscribe', admit, (payload, reply) => subscribe(socket, payload, bus, reply, subscribeLimits)),
    );
    socket.on(
      'unsubscribe',
      handler(socket, logger, 'unsubscribe', admit, (payload, reply) => reply(unsubscribe(socket, payload))),
    );
    socket.on(
      'auth.renew',
      handler(socket, logger, 'auth.renew', admit, (payload, reply) => {
        const run = renewing.then(() => renew(socket, payload, renewContext, reply));
        renewing = run.catch(() => undefined);
        return run;
      }),
    );
    socket.on(
      'command',
      handler(socket, logger, 'command', admit, async (payload, reply) => {
        if (!commands) throw new UnsupportedError('commands are not available on this bridge');
        const ack = await commands.execute(socket.data.principal, payload, {
          // Lifecycle updates go to this socket only, outside the tenant sequence (protocol §3).
          notify: (update) => {
            if (socket.connected) emitToSocket(socket, 'event', update);
          },
        });
        reply(ack);
      }),
    );

    emitToSocket(socket, 'hello', buildHello(principal, sources));
  });

  // Cluster mode: the adapter delivers every node's broadcasts, this node's included.
  const stopFanOut = options.cluster ? () => undefined : startFanOut({ bus, nsp });
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
