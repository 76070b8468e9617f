/**
 * Cluster mode's socket.io fan-out: the broadcast of a tenant event is written into the socket.io
 * Redis Streams adapter's stream by the event log's APPEND script itself (RedisEventLog's
 * `mirror`), in the same atomic step that numbers the event. So:
 *
 * - the stream holds every event once, in `seq` order per tenant, whichever nodes appended them
 *   (two nodes broadcasting after their own appends could XADD in the other order, and a client
 *   would take the later event first and drop the earlier one as a duplicate);
 * - every node, the publisher included, delivers it from the stream to its own sockets, as the
 *   adapter delivers any other node's broadcast: once per socket, with the stream offset that
 *   connection state recovery replays from;
 * - nodes that receive an event through the feed (RedisEventLog.onEvents) never broadcast it.
 *
 * Entries have the adapter's shape (fields `uid nsp type data`, `data` the JSON of
 * `{ packet, opts }`) plus `r`, the rooms, which the receiving side reads to skip events nobody
 * on that node listens to without parsing them (cluster-adapter.ts).
 */
import type { EventMirror, MirrorCopy } from '../cluster/event-mirror.js';
import type { RedisKeys } from '../cluster/keys.js';
import type { EventDraft } from '../bus/event-log.js';
import { roomFor, withoutRaw } from './rooms.js';
import { SLOW_ROOM } from './slow-consumers.js';
import { NAMESPACE } from './socket-types.js';

/** The `uid` of entries the event log writes: no adapter has it, so every node delivers them. */
export const MIRROR_UID = 'callbridge-event-log';
/** socket.io-adapter's `MessageType.BROADCAST`, as the streams adapter writes it. */
const BROADCAST_TYPE = '3';
/** The stream keeps about this many entries (the adapter's own default `maxLen`). */
export const SOCKET_STREAM_MAX_LEN = 10_000;
/** socket.io-parser's `PacketType.EVENT`; an entry's packet starts `["event", <the event>`. */
const HEAD = '{"packet":{"type":2,"data":["event",{"seq":';

/** Rooms in the `r` field: room names never hold a space (NameSchema). */
export const ROOM_SEPARATOR = ' ';

/** A room of subscribers who asked for `raw` (rooms.ts): the copy that carries the whole event. */
export function isRawRoom(room: string): boolean {
  return room.endsWith(':raw');
}

function copy(tenantJson: string, rooms: readonly string[], draftJson: string): MirrorCopy {
  // Slow sockets are fed from their own coalescing queue (slow-consumers.ts) on every node.
  const opts = JSON.stringify({ rooms, except: [SLOW_ROOM], flags: {} });
  return {
    rooms: rooms.join(ROOM_SEPARATOR),
    head: HEAD,
    // `{"seq":N` + `,"tenant":…,` + the draft's fields: the event exactly as the bus numbers it.
    tail: `,"tenant":${tenantJson},${draftJson.slice(1)}],"nsp":${JSON.stringify(NAMESPACE)}},"opts":${opts}}`,
  };
}

/**
 * The mirror for RedisEventLog: one copy to both rooms of the event's tenant + topic when the
 * entity has no `raw`, else one without `raw` (plain room) and one with it (`:raw` room).
 *
 * @example
 * const log = new RedisEventLog({ ..., writeState: true, mirror: socketEventMirror(connection.keys) });
 */
export function socketEventMirror(keys: RedisKeys, maxLen: number = SOCKET_STREAM_MAX_LEN): EventMirror {
  return {
    stream: keys.socketStream(),
    maxLen,
    uid: MIRROR_UID,
    nsp: NAMESPACE,
    type: BROADCAST_TYPE,
    copies(tenant: string, draft: EventDraft, draftJson: string): MirrorCopy[] {
      const tenantJson = JSON.stringify(tenant);
      const plainRoom = roomFor(tenant, draft.topic, false);
      const rawRoom = roomFor(tenant, draft.topic, true);
      const plainData = withoutRaw(draft.data);
      if (plainData === draft.data) return [copy(tenantJson, [plainRoom, rawRoom], draftJson)];
      return [copy(tenantJson, [plainRoom], JSON.stringify({ ...draft, data: plainData })), copy(tenantJson, [rawRoom], draftJson)];
    },
  };
}
