/**
 * The socket.io Redis Streams adapter as cluster mode uses it (stack.md: the only Redis adapter
 * that keeps connection state recovery), with four adjustments made on each adapter instance:
 *
 * 1. Tenant events arrive as entries the event log wrote (cluster-broadcast.ts). An entry whose
 *    rooms have no socket on this node is dropped before it is parsed.
 * 2. Those events are also offered to this node's slow consumers (the broadcast skips them),
 *    at the moment the broadcast is delivered, so a socket that turns slow in between can get
 *    neither both nor none.
 * 3. Recovery replays the missed packets only once the middlewares have passed. socket.io
 *    writes them in the Socket constructor, BEFORE the token is checked again: a revoked or
 *    expired token would receive them and only then be refused. Here they are held back and
 *    sent from the `connection` handler (`deliverRecoveredPackets`), for the rooms the new
 *    token still covers.
 * 4. The stream carries every tenant's events in `seq` order, so a jump in a tenant's `seq`
 *    means this node lost entries (trimmed while it could not read, or a Redis that lost
 *    data): its sockets in that tenant's rooms are disconnected, and resume with `since`
 *    from the event log (the SDK does that by itself), instead of missing events silently.
 * 5. Sessions are persisted without the slow-consumer room (a recovered socket starts normal,
 *    and its session would otherwise exclude every broadcast it missed) and without `data`
 *    (the principal is rebuilt from the token); a failed write is logged, not an unhandled
 *    rejection.
 *
 * The adapter gets a Redis client of its own: it duplicates it for its blocking XREAD and its
 * pub/sub, and those duplicates are tracked so `close()` ends them at once.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { RedisKeys } from '../cluster/keys.js';
import type { BridgeEvent } from '../protocol/events.js';
import { ROOM_SEPARATOR, SOCKET_STREAM_MAX_LEN, MIRROR_UID, isRawRoom } from './cluster-broadcast.js';
import { excludedFor } from './join-floors.js';
import { roomFor } from './rooms.js';
import { SLOW_ROOM, slowConsumersOf } from './slow-consumers.js';
import type { BridgeNamespace, BridgeSocket } from './socket-types.js';

/** How long an idle XREAD blocks: below the client's command timeout, and what close() may wait. */
const BLOCK_MS = 2_000;
/** What the adapter's client allows a command (the blocking XREAD included). */
export const ADAPTER_COMMAND_TIMEOUT_MS = BLOCK_MS + 5_000;
/** socket.io-adapter's `MessageType.BROADCAST`. */
const BROADCAST = 3;
/** The start of an entry's `data` as cluster-broadcast.ts writes it: the event's seq and tenant. */
const EVENT_HEAD = /^\{"packet":\{"type":2,"data":\["event",\{"seq":(\d+),"tenant":"([^"\\]+)"/;

interface RawEntry {
  uid: string;
  nsp: string;
  type: string;
  data?: string;
  r?: string;
}

interface BroadcastMessage {
  uid: string;
  type: number;
  data?: { packet?: { data?: unknown[] }; opts?: { rooms?: string[]; except?: string[] } };
}

interface PersistedSession {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
}

interface RestoredSession extends PersistedSession {
  missedPackets: unknown[][];
}

/** The parts of the adapter instance this module adjusts (some are `protected` in its typings). */
interface Adjustable {
  readonly nsp: BridgeNamespace;
  readonly rooms: Map<string, Set<string>>;
  onRawMessage(raw: RawEntry, offset: string): unknown;
  onMessage(message: BroadcastMessage, offset?: string): void;
  persistSession(session: PersistedSession): void;
  restoreSession(pid: string, offset: string): Promise<RestoredSession>;
  close(): Promise<void> | void;
}

/** Packets held back per recovered socket, keyed by the `data` object the socket is given. */
const heldBack = new WeakMap<object, unknown[][]>();

export interface ClusterAdapterOptions {
  /** A client for the adapter alone (ADAPTER_COMMAND_TIMEOUT_MS): it is duplicated, and closed by the caller. */
  readonly redis: Redis;
  readonly keys: RedisKeys;
  readonly logger: Logger;
  readonly maxLen?: number;
}

export interface ClusterAdapter {
  /** For `new Server(..., { adapter })`. */
  readonly factory: ReturnType<typeof createAdapter>;
  /**
   * Resolves once the adapter's own connections are up, so its stream reader (which starts at
   * the stream's end, `$`) reads before the node lets clients in. Rejects after `timeoutMs`.
   */
  ready(timeoutMs: number): Promise<void>;
  /** Closes the adapters and their duplicated clients (after the sockets are gone). */
  close(): Promise<void>;
}

/**
 * @example
 * const adapter = clusterAdapter({ redis: createRedisClient({ url, commandTimeoutMs: ADAPTER_COMMAND_TIMEOUT_MS }), keys, logger });
 * const io = new Server(httpServer, { adapter: adapter.factory, connectionStateRecovery: { skipMiddlewares: false } });
 */
export function clusterAdapter(options: ClusterAdapterOptions): ClusterAdapter {
  const { redis, keys, logger } = options;
  const duplicates: Redis[] = [];
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = ((override?: Parameters<Redis['duplicate']>[0]) => {
    const client = duplicate(override);
    duplicates.push(client);
    // Its SUBSCRIBE is not awaited either: one cut short by a closing connection is not a crash.
    guard(client, 'subscribe', (err) => logger.debug({ err }, 'socket.io adapter: subscribe failed; ioredis subscribes again on reconnect'));
    return client;
  }) as Redis['duplicate'];
  // The adapter persists sessions with a SET nobody awaits: a rejection must not end the process.
  guard(redis, 'set', (err) => logger.warn({ err }, 'socket session not saved; that socket cannot be recovered'));

  const base = createAdapter(redis, {
    streamName: keys.socketStream(),
    channelPrefix: keys.socketChannelPrefix(),
    sessionKeyPrefix: keys.socketSessionPrefix(),
    maxLen: options.maxLen ?? SOCKET_STREAM_MAX_LEN,
    blockTimeInMs: BLOCK_MS,
  });
  const adapters: Adjustable[] = [];
  // socket.io calls it with `new`: a function (an arrow function is not constructible).
  const factory = function adapterFor(nsp: unknown) {
    const adapter = base(nsp);
    const adjustable = adapter as unknown as Adjustable;
    adjust(adjustable, logger);
    adapters.push(adjustable);
    return adapter;
  } as ReturnType<typeof createAdapter>;

  return {
    factory,
    async ready(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!duplicates.every((client) => client.status === 'ready')) {
        if (Date.now() > deadline) throw new Error(`the socket.io adapter's Redis connections were not ready within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      for (const adapter of adapters.splice(0)) {
        try {
          await adapter.close();
        } catch (err) {
          logger.debug({ err }, 'socket.io adapter close failed');
        }
      }
      for (const client of duplicates.splice(0)) {
        client.disconnect();
        // The adapter's read loop disconnects its client once more when its XREAD fails, and
        // ioredis then arms a 2 s timer for a stream that is already gone, holding the process.
        client.disconnect = () => undefined;
      }
    },
  };
}

/**
 * Makes `client[method]`'s promise handled (`onError` sees the rejection) while still returning
 * it: for the calls the adapter makes without awaiting them, which would otherwise be unhandled
 * rejections, fatal to the process.
 */
function guard(client: Redis, method: 'set' | 'subscribe', onError: (err: unknown) => void): void {
  const original = (client[method] as (...args: unknown[]) => Promise<unknown>).bind(client);
  const guarded = (...args: unknown[]): Promise<unknown> => {
    const reply = original(...args);
    reply.catch(onError);
    return reply;
  };
  (client as unknown as Record<string, unknown>)[method] = guarded;
}

function adjust(adapter: Adjustable, logger: Logger): void {
  const onRawMessage = adapter.onRawMessage.bind(adapter);
  /** The last `seq` this node read from the stream, per tenant. */
  const lastSeq = new Map<string, number>();
  adapter.onRawMessage = (raw, offset) => {
    if (raw.uid === MIRROR_UID && typeof raw.r === 'string') {
      const head = typeof raw.data === 'string' ? EVENT_HEAD.exec(raw.data) : null;
      if (head?.[1] && head[2]) {
        const seq = Number(head[1]);
        const tenant = head[2];
        const last = lastSeq.get(tenant);
        // Two copies of one event share its seq; the first event of a tenant sets the mark.
        if (last !== undefined && seq > last + 1) dropTenant(adapter.nsp, tenant, last, seq, logger);
        if (last === undefined || seq > last) lastSeq.set(tenant, seq);
      }
      // Most nodes hold no subscriber of most tenants: skip the parse and the encoding. The
      // `:raw` copy also feeds slow sockets of the plain room (see onMessage below).
      const slow = slowConsumersOf(adapter.nsp)?.any === true;
      const local = raw.r
        .split(ROOM_SEPARATOR)
        .some((room) => (adapter.rooms.get(room)?.size ?? 0) > 0 || (slow && isRawRoom(room) && (adapter.rooms.get(plainTwin(room))?.size ?? 0) > 0));
      if (!local) return undefined;
    }
    return onRawMessage(raw, offset);
  };

  const onMessage = adapter.onMessage.bind(adapter);
  adapter.onMessage = (message, offset) => {
    const opts = message.uid === MIRROR_UID && message.type === BROADCAST ? message.data?.opts : undefined;
    const broadcast = message.data?.packet?.data?.[1];
    if (opts && isEvent(broadcast)) {
      // Sockets whose subscribe already covered this event (join-floors.ts): `except` takes
      // rooms, and every socket is in the room of its own id.
      const covered = excludedFor(adapter.nsp, broadcast.tenant, broadcast.seq);
      if (covered.length > 0) opts.except = [...(opts.except ?? []), ...covered];
    }
    onMessage(message, offset);
    if (message.uid !== MIRROR_UID || message.type !== BROADCAST) return;
    const slow = slowConsumersOf(adapter.nsp);
    if (!slow?.any) return;
    // Of an event's copies, the one for the `:raw` room carries it whole; SlowConsumers strips
    // `raw` itself for the sockets that did not ask for it.
    if (!message.data?.opts?.rooms?.some(isRawRoom)) return;
    const event = message.data.packet?.data?.[1];
    if (isEvent(event)) slow.offer(event);
  };

  const persistSession = adapter.persistSession.bind(adapter);
  adapter.persistSession = (session) => {
    persistSession({ ...session, rooms: session.rooms.filter((room) => room !== SLOW_ROOM), data: {} });
  };

  const restoreSession = adapter.restoreSession.bind(adapter);
  adapter.restoreSession = async (pid, offset) => {
    const session = await restoreSession(pid, offset);
    const data = typeof session.data === 'object' && session.data !== null ? session.data : {};
    heldBack.set(data, session.missedPackets);
    logger.debug({ socket: session.sid, missed: session.missedPackets.length }, 'socket session found for recovery');
    return { ...session, data, missedPackets: [] };
  };
}

/** This node lost some of `tenant`'s broadcasts: its sockets in the tenant's rooms resume with `since`. */
function dropTenant(nsp: BridgeNamespace, tenant: string, last: number, next: number, logger: Logger): void {
  const prefix = `t:${tenant}:`;
  let dropped = 0;
  for (const socket of [...nsp.sockets.values()]) {
    if (![...socket.rooms].some((room) => room.startsWith(prefix))) continue;
    socket.disconnect(true);
    dropped++;
  }
  logger.warn({ tenant, after: last, next, sockets: dropped }, 'socket.io stream skipped events; the tenant\'s sockets resume with since');
}

/** `t:acme:blfs` for `t:acme:blfs:raw`. */
function plainTwin(rawRoom: string): string {
  return rawRoom.slice(0, -':raw'.length);
}

function isEvent(value: unknown): value is BridgeEvent {
  return typeof value === 'object' && value !== null && typeof (value as { seq?: unknown }).seq === 'number' && typeof (value as { tenant?: unknown }).tenant === 'string';
}

/**
 * Sends a recovered socket the packets it missed, once its token has passed the middlewares:
 * only tenant events of rooms it is still in (the `connection` handler has dropped the rooms the
 * new token does not cover). Each keeps its stream offset, so the client's recovery point moves.
 * Returns how many were sent.
 */
export function deliverRecoveredPackets(socket: BridgeSocket): number {
  const packets = heldBack.get(socket.data as object);
  if (!packets) return 0;
  heldBack.delete(socket.data as object);
  const target = socket.nsp.local.to(socket.id) as unknown as { emit(event: string, ...args: unknown[]): boolean };
  let sent = 0;
  for (const packet of packets) {
    const [name, event, ...rest] = packet;
    if (name !== 'event' || !isEvent(event)) continue;
    if (!socket.rooms.has(roomFor(event.tenant, event.topic, false)) && !socket.rooms.has(roomFor(event.tenant, event.topic, true))) continue;
    target.emit('event', event, ...rest);
    sent++;
  }
  return sent;
}
