/**
 * Feeds Demand from the socket.io rooms: a socket in `t:<tenant>:<topic>` (or its `:raw` twin)
 * watches that topic. The adapter tells us about joins and leaves (including every leave of a
 * socket that disconnects), and never twice for the same socket and room.
 */
import type { Namespace } from 'socket.io';
import { TopicSchema } from '../protocol/entities.js';
import type { Demand } from './demand.js';

const ROOM = /^t:([^:]+):([^:]+)(?::raw)?$/;

/** `{ tenant, topic }` of a subscription room, or undefined for any other room. */
export function parseRoom(room: unknown): { tenant: string; topic: ReturnType<typeof TopicSchema.parse> } | undefined {
  if (typeof room !== 'string') return undefined;
  const match = ROOM.exec(room);
  const topic = TopicSchema.safeParse(match?.[2]);
  if (!match?.[1] || !topic.success) return undefined;
  return { tenant: match[1], topic: topic.data };
}

/**
 * Starts counting; returns the function that stops it.
 *
 * @example
 * const stop = trackRoomDemand(io.of('/v1'), demand);
 */
export function trackRoomDemand(nsp: Pick<Namespace, 'adapter'>, demand: Demand): () => void {
  const onJoin = (room: unknown) => {
    const parsed = parseRoom(room);
    if (parsed) demand.add(parsed.tenant, parsed.topic);
  };
  const onLeave = (room: unknown) => {
    const parsed = parseRoom(room);
    if (parsed) demand.remove(parsed.tenant, parsed.topic);
  };
  nsp.adapter.on('join-room', onJoin);
  nsp.adapter.on('leave-room', onLeave);
  return () => {
    nsp.adapter.off('join-room', onJoin);
    nsp.adapter.off('leave-room', onLeave);
  };
}
