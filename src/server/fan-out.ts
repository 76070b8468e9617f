/**
 * The one bus listener that delivers events to sockets. Each event is emitted once per room
 * (socket.io encodes a broadcast once and writes the same frame to every member), `raw` is
 * stripped once per event, and nothing is done per socket: slow consumers are left out of the
 * broadcasts and fed from their own coalescing queue (slow-consumers.ts).
 */
import type { Bus } from '../bus/bus.js';
import type { BridgeEvent } from '../protocol/events.js';
import { eventWithoutRaw, roomFor } from './rooms.js';
import { SLOW_ROOM, slowConsumersOf } from './slow-consumers.js';
import type { BridgeNamespace } from './socket-types.js';

export interface FanOutOptions {
  bus: Bus;
  nsp: BridgeNamespace;
}

/**
 * Starts delivering bus events to the rooms; returns the function that stops it.
 *
 * @example
 * const stop = startFanOut({ bus, nsp: io.of('/v1') });
 * // ... on shutdown
 * stop();
 */
export function startFanOut(options: FanOutOptions): () => void {
  const { nsp } = options;
  return options.bus.onEvent((event: BridgeEvent) => {
    // Rooms are node-local: every node's Bus sees every event of its tenants, so an empty local
    // room means nobody here wants it and the encoding can be skipped.
    const rooms = nsp.adapter.rooms;
    const plainRoom = roomFor(event.tenant, event.topic, false);
    const rawRoom = roomFor(event.tenant, event.topic, true);
    const slow = slowConsumersOf(nsp);
    // Slow sockets get the event through their coalescing queue instead (slow-consumers.ts).
    const skipSlow = slow?.any === true;
    if ((rooms.get(plainRoom)?.size ?? 0) > 0) {
      (skipSlow ? nsp.to(plainRoom).except(SLOW_ROOM) : nsp.to(plainRoom)).emit('event', eventWithoutRaw(event));
    }
    if ((rooms.get(rawRoom)?.size ?? 0) > 0) {
      (skipSlow ? nsp.to(rawRoom).except(SLOW_ROOM) : nsp.to(rawRoom)).emit('event', event);
    }
    if (skipSlow) slow.offer(event);
  });
}
