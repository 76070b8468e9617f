/**
 * Slow consumers in a cluster: a socket that stops reading on a node that did not publish the
 * events still has them coalesced (its node's SlowConsumers is fed as the shared stream
 * delivers them, and the broadcasts skip it), gets neither duplicates nor gaps it cannot explain,
 * and catches up with the latest state per key; a normal client on the same node gets every event.
 */
import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/bus/event-log.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { slowConsumersOf } from '../../src/server/slow-consumers.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { redisAvailable } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';
import { blf } from '../server/harness.js';
import { CLUSTER_TOKEN, useClusterRig } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster slow consumers');
const KEYS = 40;

function bigBlf(i: number): EventDraft {
  const draft = blf(String(i % KEYS), i % 2 ? 'idle' : 'inuse');
  return { ...draft, data: { ...draft.data, note: `${i}:${'x'.repeat(8_000)}` } };
}

function tcpOf(client: BridgeClient): { pause(): void; resume(): void } {
  const transport = (client.socket.io.engine as unknown as { transport: { ws?: { _socket?: { pause(): void; resume(): void } } } }).transport;
  const raw = transport.ws?._socket;
  if (!raw) throw new Error('no underlying TCP socket to pause');
  return raw;
}

function lastNotes(events: readonly unknown[]): Map<string, string> {
  const state = new Map<string, string>();
  for (const event of events as BridgeEvent[]) if (event.topic === 'blfs') state.set(event.key, String(event.data.note).split(':')[0] ?? '');
  return state;
}

describe.skipIf(!redisReady)('cluster: slow consumers', () => {
  const rig = useClusterRig();

  it('coalesces a stalled socket on a node that did not publish, and it catches up', { timeout: 120_000 }, async () => {
    const [publisher, holder] = await rig.startMany(2, { sources: [], bus: { logSize: 200 } });
    const slow = await connectClient(holder!.bridge.url, CLUSTER_TOKEN);
    const fast = await connectClient(holder!.bridge.url, CLUSTER_TOKEN);
    try {
      await slow.call('subscribe', { tenant: 'demo', topics: ['blfs'] });
      await fast.call('subscribe', { tenant: 'demo', topics: ['blfs'] });
      tcpOf(slow).pause();
      const consumers = slowConsumersOf(holder!.bridge.io.of('/v1'));
      let total = 0;
      const deadline = Date.now() + 60_000;
      while (consumers?.stats.slowed !== 1) {
        if (Date.now() > deadline) throw new Error('the stalled socket was never coalesced');
        await publisher!.bridge.bus.publish('demo', [bigBlf(total++)]);
        if (total % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      for (let i = 0; i < 500; i++) {
        await publisher!.bridge.bus.publish('demo', [bigBlf(total++)]);
        if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await fast.waitForEvents(total, 60_000);
      expect(fast.events).toHaveLength(total);

      tcpOf(slow).resume();
      const expected = lastNotes(fast.events);
      await waitFor(() => [...expected].every(([key, note]) => lastNotes(slow.events).get(key) === note), {
        timeout: 60_000,
        message: 'the slow client never caught up with the latest state',
      });
      expect(slow.events.length).toBeLessThan(total);
      expect((slow.events as BridgeEvent[]).some((event) => event.coalesced)).toBe(true);
      const seqs = (slow.events as BridgeEvent[]).map((event) => event.seq);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(consumers?.stats.dropped).toBe(0);
    } finally {
      slow.close();
      fast.close();
    }
  });
});
