/**
 * `subscribe` and `unsubscribe` (protocol §4). The read (snapshot or replay), the room joins, the
 * ack and the replayed events all happen inside `bus.exclusive(tenant)`: no event of the tenant
 * is published meanwhile, so the client gets its snapshot/replay and then every newer event,
 * with neither a gap nor a duplicate. In cluster mode the socket.io adapter delivers a little
 * later than the log numbers, so the cursor is also left as a floor the adapter honours
 * (join-floors.ts).
 */
import { hasScope, type Principal } from '../auth/principal.js';
import type { Bus } from '../bus/bus.js';
import { ForbiddenError, RateLimitedError } from '../errors.js';
import { TOPICS, type Topic } from '../protocol/entities.js';
import { SubscribeSchema, UnsubscribeSchema, type DroppedSubscription, type SubscribeOk } from '../protocol/messages.js';
import { parseOrThrow } from './ack.js';
import { eventWithoutRaw, roomFor, snapshotWithoutRaw } from './rooms.js';
import type { BridgeSocket } from './socket-types.js';
import { emitToSocket } from './direct-emit.js';
import { setJoinFloor } from './join-floors.js';

/**
 * One message for a tenant that does not exist and one the token does not hold, so tenants
 * cannot be enumerated (protocol §1).
 */
export function tenantForbidden(tenant: string): ForbiddenError {
  return new ForbiddenError(`tenant "${tenant}" is not accessible with this token`);
}

export function assertTenant(principal: Principal, tenant: string): void {
  if (!principal.tenants.has(tenant)) throw tenantForbidden(tenant);
}

export function assertCanRead(principal: Principal): void {
  if (!hasScope(principal, 'events:read')) throw new ForbiddenError('this token lacks the "events:read" scope');
}

const TOPIC_SET: ReadonlySet<string> = new Set(TOPICS);
const isTopic = (value: string): value is Topic => TOPIC_SET.has(value);

export interface SubscribeLimits {
  /** Tenant x topic subscriptions a socket may hold. */
  readonly maxSubscriptions: number;
  /** Called when a subscribe is refused for the limit (metrics). */
  readonly refused?: (() => void) | undefined;
}

/** The socket's subscriptions, read from its rooms (`t:<tenant>:<topic>[:raw]`, see rooms.ts). */
export function subscriptionsOf(socket: BridgeSocket): Array<{ room: string; tenant: string; topic: Topic }> {
  const out: Array<{ room: string; tenant: string; topic: Topic }> = [];
  for (const room of socket.rooms) {
    const [prefix, tenant, topic] = room.split(':');
    if (prefix === 't' && tenant !== undefined && topic !== undefined && isTopic(topic)) out.push({ room, tenant, topic });
  }
  return out;
}

/**
 * Refuses (`rate_limited`, changing nothing) a subscribe that would take the socket past
 * `maxSubscriptions`. A topic the socket already follows (in either variant) does not count again.
 */
function assertRoomFor(socket: BridgeSocket, tenant: string, topics: readonly Topic[], limits: SubscribeLimits): void {
  const held = subscriptionsOf(socket);
  const added = topics.filter((topic) => !held.some((s) => s.tenant === tenant && s.topic === topic)).length;
  if (held.length + added <= limits.maxSubscriptions) return;
  limits.refused?.();
  throw new RateLimitedError(
    `subscription limit reached: at most ${limits.maxSubscriptions} tenant x topic subscriptions per connection (${held.length} held); unsubscribe first`,
  );
}

/**
 * After `auth.renew`: leaves the rooms the new principal may not read (a tenant it lacks, or
 * everything without `events:read`) and lists them per tenant.
 */
export function dropUncovered(socket: BridgeSocket, principal: Principal): DroppedSubscription[] {
  const canRead = hasScope(principal, 'events:read');
  const dropped = new Map<string, Topic[]>();
  for (const { room, tenant, topic } of subscriptionsOf(socket)) {
    if (canRead && principal.tenants.has(tenant)) continue;
    void socket.leave(room);
    const topics = dropped.get(tenant) ?? [];
    topics.push(topic);
    dropped.set(tenant, topics);
  }
  return [...dropped].map(([tenant, topics]) => ({ tenant, topics: TOPICS.filter((topic) => topics.includes(topic)) }));
}

/** Joins `topics` of `tenant` in the wanted variant, leaving the other one. */
function join(socket: BridgeSocket, tenant: string, topics: readonly Topic[], raw: boolean): void {
  for (const topic of topics) {
    void socket.leave(roomFor(tenant, topic, !raw));
    void socket.join(roomFor(tenant, topic, raw));
  }
}

/**
 * Handles `subscribe`. `reply` is called exactly once, inside the exclusive section, before the
 * replayed events are emitted: what the client sees is ack, replayed events, live events.
 */
export async function subscribe(
  socket: BridgeSocket,
  payload: unknown,
  bus: Bus,
  reply: (ack: SubscribeOk) => void,
  limits: SubscribeLimits,
): Promise<void> {
  const request = parseOrThrow(SubscribeSchema, payload);
  const principal = socket.data.principal;
  assertCanRead(principal);
  assertTenant(principal, request.tenant);
  const topics: readonly Topic[] = request.topics ? [...new Set(request.topics)] : TOPICS;
  const wanted = new Set<Topic>(topics);
  const raw = request.raw === true;
  // Checked before the snapshot is read (no work for a refused call) and again just before the
  // join, with no await in between: concurrent subscribes and an `auth.renew` may have happened
  // while the lock was awaited.
  assertRoomFor(socket, request.tenant, topics, limits);
  const admit = (): void => {
    assertCanRead(socket.data.principal);
    assertTenant(socket.data.principal, request.tenant);
    assertRoomFor(socket, request.tenant, topics, limits);
  };

  await bus.exclusive(request.tenant, async () => {
    // The client may have gone while we waited for the lock: joining now would leave a dead id in
    // the rooms.
    if (!socket.connected) return;
    if (request.since !== undefined) {
      const missed = await bus.replay(request.tenant, request.since);
      if (missed) {
        // The log's cursor when it was read: in cluster mode another node may have appended since.
        const cursor = missed.at(-1)?.seq ?? request.since;
        const events = missed.filter((event) => wanted.has(event.topic));
        if (!socket.connected) return;
        admit();
        if (bus.shared) setJoinFloor(socket.nsp, socket.id, request.tenant, cursor);
        join(socket, request.tenant, topics, raw);
        reply({ ok: true, cursor, replayed: events.length });
        for (const event of events) emitToSocket(socket, 'event', raw ? event : eventWithoutRaw(event));
        return;
      }
    }
    const { cursor, snapshot } = await bus.snapshot(request.tenant, topics);
    if (!socket.connected) return;
    admit();
    if (bus.shared) setJoinFloor(socket.nsp, socket.id, request.tenant, cursor);
    join(socket, request.tenant, topics, raw);
    const ack: SubscribeOk = { ok: true, cursor, snapshot: raw ? snapshot : snapshotWithoutRaw(snapshot) };
    if (request.since !== undefined) ack.resync = true;
    reply(ack);
  });
}

/** Handles `unsubscribe`: leaves the rooms (both variants) of the topics, all by default. */
export function unsubscribe(socket: BridgeSocket, payload: unknown): { ok: true } {
  const request = parseOrThrow(UnsubscribeSchema, payload);
  assertTenant(socket.data.principal, request.tenant);
  for (const topic of request.topics ?? TOPICS) {
    void socket.leave(roomFor(request.tenant, topic, false));
    void socket.leave(roomFor(request.tenant, topic, true));
  }
  return { ok: true };
}
