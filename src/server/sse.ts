/**
 * `GET /v1/tenants/:tenant/events` as Server-Sent Events (protocol §5).
 *
 * - Events use the default `message` type: `id: <seq>` and `data: <the event JSON>`, the same
 *   payload as the socket.io `event`.
 * - Start position: the `Last-Event-ID` header wins over `?since=` (a browser's EventSource
 *   reconnects with the original URL and the newer header). With neither, the stream opens with
 *   an `event: snapshot` (`{ cursor, snapshot }`, `id: <cursor>`); with a position the log no
 *   longer holds (or a future one), with an `event: resync` carrying the same plus `resync: true`.
 * - Replay then live with no gap: the replay is written and the stream registered inside
 *   `bus.exclusive(tenant)`.
 * - `: ping` every 15 s keeps proxies from closing an idle stream; a stream whose unsent bytes
 *   pass a bound is closed (the client reconnects with Last-Event-ID); streams end when the
 *   token expires.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { hasScope, type Principal } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/token-verifier.js';
import type { Bus } from '../bus/bus.js';
import type { Demand } from '../demand/demand.js';
import type { Topic } from '../protocol/entities.js';
import type { BridgeEvent } from '../protocol/events.js';
import { authenticate } from './http-errors.js';
import { parseCursor, parseTopics } from './query.js';
import { eventWithoutRaw, snapshotWithoutRaw } from './rooms.js';
import { assertCanRead, assertTenant } from './subscriptions.js';

export const SSE_PING_INTERVAL_MS = 15_000;
/** Unsent bytes a stream may hold before it is dropped as a slow consumer. */
export const SSE_MAX_BACKLOG_BYTES = 1024 * 1024;
/** What EventSource waits before reconnecting. */
const RETRY_MS = 2_000;

export interface SseHubOptions {
  bus: Bus;
  logger: Logger;
  pingIntervalMs?: number | undefined;
  maxBacklogBytes?: number | undefined;
  /** Told which tenant + topics each open stream watches. */
  demand?: Demand | undefined;
}

export interface SseRequest {
  principal: Principal;
  tenant: string;
  topics: readonly Topic[];
  since: number | undefined;
}

interface Stream {
  readonly tenant: string;
  /** Who opened it: a config reload may revoke or narrow it. */
  principal: Principal;
  readonly topics: ReadonlySet<Topic>;
  readonly res: ServerResponse;
  /**
   * The `seq` its snapshot or replay reached: later events at or below it are already in it
   * (cluster mode, where another node appends while the snapshot is read) and are skipped.
   */
  after: number;
}

const eventFrame = (event: BridgeEvent): string => `id: ${event.seq}\ndata: ${JSON.stringify(eventWithoutRaw(event))}\n\n`;

/**
 * The open SSE streams, fed by one bus listener; each event is serialized once, whatever the
 * number of streams.
 *
 * @example
 * const hub = new SseHub({ bus, logger });
 * registerSseRoute(fastify, { hub, verifier });
 * // ... on shutdown
 * hub.close();
 */
export class SseHub {
  readonly #bus: Bus;
  readonly #logger: Logger;
  readonly #pingMs: number;
  readonly #maxBacklog: number;
  readonly #demand: Demand | undefined;
  readonly #byTenant = new Map<string, Set<Stream>>();
  readonly #all = new Set<ServerResponse>();
  readonly #stopListening: () => void;

  constructor(options: SseHubOptions) {
    this.#bus = options.bus;
    this.#logger = options.logger;
    this.#pingMs = options.pingIntervalMs ?? SSE_PING_INTERVAL_MS;
    this.#maxBacklog = options.maxBacklogBytes ?? SSE_MAX_BACKLOG_BYTES;
    this.#demand = options.demand;
    const stopEvents = this.#bus.onEvent((event) => this.#dispatch(event));
    const stopResync = this.#bus.onResync((tenant) => this.#resyncLater(tenant));
    this.#stopListening = () => {
      stopEvents();
      stopResync();
    };
  }

  /** Open streams (tests, metrics). */
  get size(): number {
    return this.#all.size;
  }

  #dispatch(event: BridgeEvent): void {
    const streams = this.#byTenant.get(event.tenant);
    if (!streams) return;
    let frame: string | undefined;
    for (const stream of streams) {
      if (!stream.topics.has(event.topic) || event.seq <= stream.after) continue;
      frame ??= eventFrame(event);
      this.#write(stream.res, frame);
    }
  }

  /** Writes, and drops the stream when the client does not read fast enough. */
  #write(res: ServerResponse, text: string): void {
    if (res.destroyed || res.writableEnded) return;
    res.write(text);
    if (res.writableLength > this.#maxBacklog) {
      this.#logger.warn({ backlog: res.writableLength }, 'dropping slow SSE consumer');
      res.destroy();
    }
  }

  /** Takes over `res` (already hijacked from fastify) and streams until either side closes. */
  async open(res: ServerResponse, request: SseRequest): Promise<void> {
    const { tenant, principal } = request;
    const stream: Stream = { tenant, principal, topics: new Set(request.topics), res, after: 0 };
    this.#all.add(res);
    // An SSE stream watches its topics like a socket in their rooms (demand-driven polling).
    for (const topic of stream.topics) this.#demand?.add(tenant, topic);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // The stream holds the connection until one side ends it; then it is closed, not kept
      // idle, so a shutdown does not wait on keep-alive sockets.
      connection: 'close',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    res.write(`retry: ${RETRY_MS}\n\n`);

    const ping = setInterval(() => this.#write(res, ': ping\n\n'), this.#pingMs);
    // Tokens valid for more than setTimeout's ~24.8 days end the stream early; the client
    // reconnects, which is harmless.
    const expiry =
      principal.expiresAt === undefined
        ? undefined
        : setTimeout(() => res.end(), Math.max(0, Math.min(principal.expiresAt - Date.now(), 2_147_483_647)));
    res.once('close', () => {
      clearInterval(ping);
      clearTimeout(expiry);
      this.#all.delete(res);
      for (const topic of stream.topics) this.#demand?.remove(tenant, topic);
      const streams = this.#byTenant.get(tenant);
      streams?.delete(stream);
      if (streams?.size === 0) this.#byTenant.delete(tenant);
    });

    try {
      await this.#exclusiveStart(stream, request);
    } catch (err) {
      // Headers are gone already: all that can be done is to log and cut the stream.
      this.#logger.error({ err, tenant }, 'SSE stream failed to start');
      res.destroy();
    }
  }

  /** Replay or snapshot, then registration, with no event of the tenant published between. */
  #exclusiveStart(stream: Stream, request: SseRequest): Promise<void> {
    const { tenant } = request;
    const { res } = stream;
    return this.#bus.exclusive(tenant, async () => {
      if (res.destroyed || res.writableEnded) return;
      const missed = request.since === undefined ? null : await this.#bus.replay(tenant, request.since);
      if (missed) {
        for (const event of missed) if (stream.topics.has(event.topic)) this.#write(res, eventFrame(event));
        stream.after = missed.at(-1)?.seq ?? request.since ?? 0;
      } else {
        await this.#writeSnapshot(stream, request.since !== undefined);
      }
      if (res.destroyed || res.writableEnded) return;
      let streams = this.#byTenant.get(tenant);
      if (!streams) this.#byTenant.set(tenant, (streams = new Set()));
      streams.add(stream);
    });
  }

  /** Writes the tenant's state as `event: snapshot` (or `event: resync`) and moves the stream past it. */
  async #writeSnapshot(stream: Stream, resync: boolean): Promise<void> {
    const { cursor, snapshot } = await this.#bus.snapshot(stream.tenant, [...stream.topics]);
    const body = resync ? { cursor, snapshot: snapshotWithoutRaw(snapshot), resync: true } : { cursor, snapshot: snapshotWithoutRaw(snapshot) };
    this.#write(stream.res, `id: ${cursor}\nevent: ${resync ? 'resync' : 'snapshot'}\ndata: ${JSON.stringify(body)}\n\n`);
    stream.after = Math.max(stream.after, cursor);
  }

  /**
   * The bus lost events of `tenant` (cluster mode, see Bus.onResync): each of its streams gets an
   * `event: resync` with the state as it is now. Queued behind the delivery that reported it.
   */
  #resyncLater(tenant: string): void {
    const streams = this.#byTenant.get(tenant);
    if (!streams || streams.size === 0) return;
    this.#logger.warn({ tenant, streams: streams.size }, 'events were lost: resyncing SSE streams');
    void this.#bus
      .exclusive(tenant, async () => {
        for (const stream of [...streams]) {
          if (!stream.res.destroyed && !stream.res.writableEnded) await this.#writeSnapshot(stream, true);
        }
      })
      .catch((err: unknown) => {
        // Without a snapshot the streams cannot be trusted: end them, EventSource comes back with Last-Event-ID.
        this.#logger.error({ err, tenant }, 'SSE resync failed; ending the streams');
        for (const stream of streams) stream.res.end();
      });
  }

  /**
   * After a config reload: ends the streams whose token is gone, or no longer reads their tenant
   * (the client's reconnection then meets the new rules); returns how many were ended.
   */
  revalidate(carry: (principal: Principal) => Principal | undefined): number {
    let ended = 0;
    for (const streams of this.#byTenant.values()) {
      for (const stream of streams) {
        const next = carry(stream.principal);
        if (next && next.tenants.has(stream.tenant) && hasScope(next, 'events:read')) {
          stream.principal = next;
          continue;
        }
        ended++;
        endOrDestroy(stream.res);
      }
    }
    return ended;
  }

  /** Ends every stream and stops listening to the bus. */
  close(): void {
    this.#stopListening();
    for (const res of this.#all) endOrDestroy(res);
  }
}

/** How long a stream may take to flush its end on shutdown before it is cut. */
const END_GRACE_MS = 1_000;

/**
 * Ends a stream on shutdown. `end()` waits until the client has read what is queued; a client
 * that stopped reading would hold the HTTP server's close indefinitely (measured: 70 s), so the
 * stream is cut after a short grace. Its client reconnects elsewhere with Last-Event-ID.
 */
export function endOrDestroy(res: ServerResponse): void {
  if (res.destroyed) return;
  res.end();
  const cut = setTimeout(() => res.destroy(), END_GRACE_MS);
  cut.unref();
  res.once('close', () => clearTimeout(cut));
}

export interface SseRouteOptions {
  hub: SseHub;
  verifier: TokenVerifier;
}

export function registerSseRoute(fastify: FastifyInstance, options: SseRouteOptions): void {
  fastify.get<{ Params: { tenant: string }; Querystring: Record<string, unknown> }>(
    '/v1/tenants/:tenant/events',
    { exposeHeadRoute: false },
    async (request, reply) => {
      const principal = await authenticate(request, options.verifier);
      assertCanRead(principal);
      const { tenant } = request.params;
      assertTenant(principal, tenant);
      const topics = parseTopics(request.query.topics);
      const since = parseCursor(request.headers['last-event-id'], 'Last-Event-ID') ?? parseCursor(request.query.since, 'since');
      reply.hijack();
      await options.hub.open(reply.raw, { principal, tenant, topics, since });
    },
  );
}
