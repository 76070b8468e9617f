/**
 * The bridge's network face: one fastify instance (REST, SSE, health, metrics, optional static
 * wallboard) with socket.io attached to the same HTTP server (protocol §1, §5).
 */
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { TokenVerifier } from '../auth/token-verifier.js';
import { revalidateSockets } from './socket-revalidate.js';
import type { Bus } from '../bus/bus.js';
import type { CommandService } from '../commands/command-service.js';
import type { Config } from '../config/schema.js';
import type { BridgeMetrics } from '../observability/metrics.js';
import type { SourceDirectory } from '../sources/source-directory.js';
import { REDACT_PATHS } from '../util/logger.js';
import { installErrorHandling, sendError } from './http-errors.js';
import { InvalidArgumentError } from '../errors.js';
import { registerRestRoutes } from './rest-routes.js';
import { createSocketServer, type SocketServerOptions } from './socket-server.js';
import type { BridgeIo } from './socket-types.js';
import { SseHub, registerSseRoute } from './sse.js';
import { registerClientBundleRoute } from './client-bundle.js';
import { registerProfileRoutes } from '../profiles/profile-routes.js';
import type { ProfileService } from '../profiles/profile-service.js';
import { installPublicCallback } from '../public-callback/index.js';
import type { Demand } from '../demand/demand.js';
import { trackRoomDemand } from '../demand/room-demand.js';

/** How long connections may take to end on close before they are cut. */
export const SHUTDOWN_GRACE_MS = 2_000;

/** Largest REST body; commands are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Headers that carry credentials: never logged, whatever the logger's own redaction. */
const HTTP_REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'];

export interface CreateServerOptions {
  config: Config;
  bus: Bus;
  sources: SourceDirectory;
  /** Absent: `command` answers `unsupported`. */
  commands?: CommandService | undefined;
  metrics: BridgeMetrics;
  logger: Logger;
  /** A folder served at `/` (the wallboard). */
  staticDir?: string | undefined;
  /** Packets a socket may have waiting before it is dropped as a slow consumer. */
  maxSocketBacklog?: number | undefined;
  /** SSE keep-alive comment interval (tests shorten it). */
  ssePingIntervalMs?: number | undefined;
  /** Told who watches what (socket rooms, SSE streams), for demand-driven polling. */
  demand?: Demand | undefined;
  /** PBX profiles over REST; absent: the profile routes answer `unsupported`. */
  profiles?: ProfileService | undefined;
  /**
   * Cluster mode: the socket.io adapter, Redis for the public route's limits, and Redis's state
   * for `/readyz`.
   */
  cluster?:
    | {
        readonly sockets: NonNullable<SocketServerOptions['cluster']>;
        readonly redis: Redis;
        /** Key prefix of the public route's limit counters. */
        readonly limitsPrefix: string;
        readonly redisReady: () => boolean;
      }
    | undefined;
}

export interface BridgeServer {
  readonly fastify: FastifyInstance;
  readonly io: BridgeIo;
  /** Listens on `config.listen`; resolves with a URL clients can use (127.0.0.1 for 0.0.0.0). */
  listen(): Promise<{ url: string; port: number }>;
  /** The first step of a shutdown: `/readyz` answers 503 from now on, so load balancers move on. */
  stopAccepting(): void;
  /**
   * Applies a reloaded config's `auth` section to new and live connections: removed static
   * tokens (and every JWT after a new `jwtSecret`) are cut off, changed ones narrowed.
   */
  reloadAuth(auth: Config['auth']): { revoked: number; updated: number; streamsClosed: number };
  /** Ends SSE streams, drops sockets, closes the HTTP server. Idempotent. */
  close(): Promise<void>;
}

function urlOf(address: AddressInfo): string {
  const host =
    address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '[::1]' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/**
 * Builds the server, ready to `listen()`.
 *
 * @example
 * const server = await createServer({ config, bus, sources, commands, metrics, logger });
 * const { url } = await server.listen();
 * // ... on shutdown
 * await server.close();
 */
export async function createServer(options: CreateServerOptions): Promise<BridgeServer> {
  const { config, bus, sources, metrics, commands } = options;
  const logger = options.logger;
  const verifier = TokenVerifier.fromConfig(config);
  let closing = false;

  const httpLogger = logger.child(
    { component: 'http' },
    { redact: { paths: [...REDACT_PATHS, ...HTTP_REDACT_PATHS], censor: '[redacted]' } },
  );
  const fastify = Fastify({
    loggerInstance: httpLogger,
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: config.listen.trustProxy,
    // Refuse `__proto__` and `constructor.prototype` in JSON bodies instead of stripping them.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // A path that is not valid percent-encoding (`/v1/tenants/%c0%af/state`) fails before
    // routing, so the error handler never sees it: answer it in the protocol's shape here.
    frameworkErrors: (error, _request, reply) => {
      void sendError(reply, new InvalidArgumentError(error.code === 'FST_ERR_BAD_URL' ? 'url: not a valid URL' : 'request: not acceptable').toWire());
    },
  }) as unknown as FastifyInstance;
  installErrorHandling(fastify, httpLogger);

  const sockets = createSocketServer({
    httpServer: fastify.server,
    bus,
    sources,
    verifier,
    metrics,
    logger,
    commands,
    maxSocketBacklog: options.maxSocketBacklog,
    limits: config.clients,
    trustProxy: config.listen.trustProxy,
    cluster: options.cluster?.sockets,
  });
  const hub = new SseHub({ bus, logger: logger.child({ component: 'sse' }), pingIntervalMs: options.ssePingIntervalMs, demand: options.demand });
  const stopRoomDemand = options.demand ? trackRoomDemand(sockets.nsp, options.demand) : () => undefined;

  registerRestRoutes(fastify, { bus, sources, verifier, metrics, commands, isClosing: () => closing, redisReady: options.cluster?.redisReady });
  registerSseRoute(fastify, { hub, verifier });
  registerClientBundleRoute(fastify);
  registerProfileRoutes(fastify, { verifier, profiles: options.profiles, logger: httpLogger });
  const publicCallback = installPublicCallback(fastify, {
    widgets: config.widgets,
    secrets: [...config.auth.tokens.map((entry) => entry.token), ...(config.auth.jwtSecret === undefined ? [] : [config.auth.jwtSecret])],
    bus,
    commands,
    logger,
    redis: options.cluster?.redis,
    limitsPrefix: options.cluster?.limitsPrefix,
  });
  if (options.staticDir !== undefined) {
    await fastify.register(fastifyStatic, { root: options.staticDir, prefix: '/', index: ['index.html'] });
  }

  // Streams and sockets are long-lived: end them first, or the HTTP server's close would wait on
  // them forever.
  fastify.addHook('preClose', async () => {
    closing = true;
    hub.close();
    stopRoomDemand();
    publicCallback.close();
    await sockets.close();
  });
  await fastify.ready();

  let closed: Promise<void> | undefined;
  return {
    fastify,
    io: sockets.io,
    async listen() {
      await fastify.listen({ host: config.listen.host, port: config.listen.port });
      const address = fastify.server.address() as AddressInfo;
      return { url: urlOf(address), port: address.port };
    },
    stopAccepting() {
      closing = true;
    },
    reloadAuth(auth) {
      const carry = verifier.reload({ tokens: auth.tokens, jwtSecret: auth.jwtSecret });
      const sockets_ = revalidateSockets(sockets.nsp, carry, { sources, logger });
      const streamsClosed = hub.revalidate(carry);
      logger.info({ ...sockets_, streamsClosed, tokens: auth.tokens.length }, 'auth reloaded');
      return { ...sockets_, streamsClosed };
    },
    close() {
      closed ??= (async () => {
        // A connection whose client stopped reading (an SSE stream, a half-read response) would
        // hold the HTTP server's close for as long as the peer's TCP lets it: measured 70 s. Past
        // a grace period every remaining connection is cut, so shutdown has a bound.
        const cut = setTimeout(() => fastify.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        cut.unref();
        try {
          await fastify.close();
        } finally {
          clearTimeout(cut);
        }
      })();
      return closed;
    },
  };
}
