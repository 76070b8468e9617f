/**
 * Cluster mode: the seq each new subscriber's snapshot or replay already covers, per tenant, so
 * the socket.io adapter does not hand it those events again.
 *
 * A node's sockets get tenant events from the socket.io Redis Streams adapter, which reads the
 * shared stream a few milliseconds behind the event log (cluster-adapter.ts). A subscribe reads
 * its snapshot and cursor from Redis and joins the rooms at once; entries at or below that
 * cursor still on their way through the adapter would then reach the socket after its ack, as
 * duplicates out of order. The adapter asks `excludedFor` before each broadcast and leaves those
 * sockets out. The stream is in `seq` order per tenant, so a floor is dropped as soon as an
 * event above it passes: it costs nothing once the adapter has caught up.
 */
import type { BridgeNamespace } from './socket-types.js';

type Floors = Map<string, Map<string, number>>;

/** Per namespace: tenant -> socket id -> the seq its subscribe covered. */
const registries = new WeakMap<BridgeNamespace, Floors>();

function floorsOf(nsp: BridgeNamespace): Floors {
  let floors = registries.get(nsp);
  if (!floors) {
    floors = new Map();
    registries.set(nsp, floors);
  }
  return floors;
}

/** Records that `socketId` already holds `tenant`'s events up to `seq`. */
export function setJoinFloor(nsp: BridgeNamespace, socketId: string, tenant: string, seq: number): void {
  const floors = floorsOf(nsp);
  let sockets = floors.get(tenant);
  if (!sockets) {
    sockets = new Map();
    floors.set(tenant, sockets);
  }
  sockets.set(socketId, Math.max(seq, sockets.get(socketId) ?? 0));
}

/**
 * The sockets that must not get `tenant`'s event `seq` (their subscribe covered it). Floors
 * below `seq` are dropped on the way: the adapter has passed them.
 */
export function excludedFor(nsp: BridgeNamespace, tenant: string, seq: number): string[] {
  const floors = registries.get(nsp);
  const sockets = floors?.get(tenant);
  if (!floors || !sockets) return [];
  const excluded: string[] = [];
  for (const [socketId, floor] of sockets) {
    if (floor >= seq) excluded.push(socketId);
    else sockets.delete(socketId);
  }
  if (sockets.size === 0) floors.delete(tenant);
  return excluded;
}

/** Forgets a socket (it disconnected). */
export function clearJoinFloors(nsp: BridgeNamespace, socketId: string): void {
  const floors = registries.get(nsp);
  if (!floors) return;
  for (const [tenant, sockets] of floors) {
    sockets.delete(socketId);
    if (sockets.size === 0) floors.delete(tenant);
  }
}
