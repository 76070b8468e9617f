/**
 * Bringing the stalled client in and out of the server's slow-consumer mode.
 *
 * Loopback TCP buffers hold megabytes (send buffer up to `tcp_wmem`'s 4 MB here), so at the
 * bench's ~300-byte events a client that stops reading would take minutes before engine.io's
 * `writeBuffer` grows and the sweep notices it. Big events on a tenant only the stalled client
 * follows fill its buffers in about a second, without costing the others anything: from then
 * on it is a client whose buffers are full, as a frozen tab's are after a while.
 */
import type { EventDraft } from '../../src/bus/event-log.js';
import { slowConsumersOf, socketBacklog, type SlowConsumers } from '../../src/server/slow-consumers.js';
import { sleep, wallNow } from '../lib/clock.js';
import type { BenchNode } from './bench-node.js';
import { STALL_TENANT } from './bench-node.js';
import type { SlowClientFleet } from './fleet.js';

const STALL_SOURCE = 'bench-stall';
/** Distinct keys of the filler events (the coalesced queue keeps one per key). */
const STALL_KEYS = 50;
const FILL_BATCH = 10;
const FILL_PAUSE_MS = 10;
const TIMEOUT_MS = 30_000;

export interface StallInfo {
  /** ms from pausing the client to the sweep putting it in slow mode. */
  readonly ms: number;
  readonly fillerEvents: number;
  readonly fillerBytes: number;
}

function fillerDraft(index: number, padding: string): EventDraft {
  const ts = new Date().toISOString();
  const key = `stall${index % STALL_KEYS}`;
  const data = { source: STALL_SOURCE, observedAt: ts, extension: key, state: 'inuse', note: `${index}:${padding}` };
  return { topic: 'blfs', type: 'blf.changed', key, source: STALL_SOURCE, ts, data: data as EventDraft['data'] };
}

export function consumersOf(node: BenchNode): SlowConsumers {
  const consumers = slowConsumersOf(node.nsp);
  if (!consumers) throw new Error('no slow-consumer sweep on the namespace');
  return consumers;
}

/** Packets waiting in the stalled socket's engine.io buffer (0 once it is gone). */
export function stalledBacklog(node: BenchNode, id: string): number {
  const socket = node.nsp.sockets.get(id);
  return socket ? socketBacklog(socket) : 0;
}

/**
 * Stops client 0 reading, then fills its buffers until its backlog passes `softBacklog` (the
 * server's soft bound), and waits for the sweep (once a second) to coalesce it.
 */
export async function stall(node: BenchNode, fleet: SlowClientFleet, id: string, eventBytes: number, softBacklog: number): Promise<StallInfo> {
  const consumers = consumersOf(node);
  const padding = 'x'.repeat(eventBytes);
  await fleet.pause();
  const started = wallNow();
  let sent = 0;
  while (!consumers.isSlow(id)) {
    if (wallNow() - started > TIMEOUT_MS) throw new Error(`the stalled client was not found slow within ${TIMEOUT_MS} ms (backlog ${stalledBacklog(node, id)})`);
    if (!node.nsp.sockets.has(id)) throw new Error('the stalled client was disconnected while its buffers filled');
    if (stalledBacklog(node, id) <= softBacklog) await node.bus.publish(STALL_TENANT, Array.from({ length: FILL_BATCH }, () => fillerDraft(sent++, padding)));
    await sleep(FILL_PAUSE_MS);
  }
  return { ms: wallNow() - started, fillerEvents: sent, fillerBytes: sent * eventBytes };
}

/** Lets client 0 read again; resolves once the server has it back among the broadcasts. */
export async function unstall(node: BenchNode, fleet: SlowClientFleet, id: string): Promise<number> {
  const consumers = consumersOf(node);
  await fleet.resume();
  const started = wallNow();
  while (consumers.isSlow(id) || stalledBacklog(node, id) > 0) {
    if (wallNow() - started > TIMEOUT_MS) throw new Error(`the stalled client did not leave slow mode within ${TIMEOUT_MS} ms after it read again`);
    await sleep(10);
  }
  return wallNow() - started;
}
