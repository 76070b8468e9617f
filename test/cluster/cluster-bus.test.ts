/**
 * Three nodes in one process on one redis-server, polling one MiRTA simulator: exactly one of
 * them polls, and a client on any node sees every event of its tenant, whichever node polled
 * the vendor, with the same `seq`, in order, with no gap; `since`, snapshots, REST state and SSE
 * work on every node.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../src/protocol/events.js';
import type { SubscribeOk } from '../../src/protocol/messages.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { redisAvailable } from '../support/redis-server.js';
import { openSse, type SseStream } from '../support/sse-client.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { CLUSTER_TOKEN, mirtaSource, pollers, useClusterRig, type ClusterNodeHandle } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster bus');
const AUTH = { authorization: `Bearer ${CLUSTER_TOKEN}` };

/** Poll results of one source + topic this node recorded (its `callbridge_polls_total`). */
async function pollCount(node: ClusterNodeHandle, topic: string): Promise<number> {
  const metric = await node.bridge.metrics.polls.get();
  return metric.values.filter((v) => v.labels.source === 'mirta' && v.labels.topic === topic).reduce((sum, v) => sum + v.value, 0);
}

function eventsOf(client: BridgeClient): BridgeEvent[] {
  return client.events.filter((e): e is BridgeEvent => typeof (e as BridgeEvent).seq === 'number');
}

describe.skipIf(!redisReady)('cluster: shared bus', () => {
  const rig = useClusterRig();
  let sim: MirtaSimulator | undefined;
  const clients: BridgeClient[] = [];
  const streams: SseStream[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const stream of streams.splice(0)) stream.close();
    await sim?.close();
    sim = undefined;
  });

  it('polls each source from exactly one node, and counts its requests at the simulator', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(3, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000, message: 'no node took the lease' });
    await waitFor(() => nodes.every((n) => n.bridge.sources.get('mirta')?.status === 'up'), { timeout: 10_000, message: 'not every node sees the source up' });

    // Over a few seconds: every CHANNELS request the simulator got was one poll of one node.
    const before = await Promise.all(nodes.map((n) => pollCount(n, 'channels')));
    const simBefore = sim.requests.count('CHANNELS');
    await sleep(2_000);
    const after = await Promise.all(nodes.map((n) => pollCount(n, 'channels')));
    const simAfter = sim.requests.count('CHANNELS');
    const deltas = after.map((count, i) => count - (before[i] ?? 0));
    const [leader] = pollers(nodes, 'mirta');
    expect(deltas.filter((d) => d > 0)).toHaveLength(1);
    expect(deltas[nodes.indexOf(leader as ClusterNodeHandle)]).toBeGreaterThan(5);
    // In flight at either edge of the window: one request each side at most.
    expect(Math.abs(simAfter - simBefore - deltas.reduce((a, b) => a + b, 0))).toBeLessThanOrEqual(2);
    // One poller every 100 ms: about 20 in 2 s; a second poller would double it.
    expect(simAfter - simBefore).toBeLessThanOrEqual(30);
    // Every node holds the source for commands and hello, polling or not.
    for (const node of nodes) expect(node.bridge.sources.get('mirta')?.commands).toContain('dial');
  }, 30_000);

  it('delivers the poller\'s events to clients on every node, same seq, in order, no gap', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(3, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    const [leader] = pollers(nodes, 'mirta');
    await waitFor(async () => (await nodes[0]!.bridge.bus.entities('demo', 'flows')).size === 3, { timeout: 10_000 });

    const acks: SubscribeOk[] = [];
    for (const node of nodes) {
      const client = await connectClient(node.bridge.url, CLUSTER_TOKEN);
      clients.push(client);
      acks.push(await client.call<SubscribeOk>('subscribe', { tenant: 'demo' }));
    }
    // An SSE stream on a node that does not poll.
    const follower = nodes.find((n) => n !== leader) as ClusterNodeHandle;
    const sse = await openSse(`${follower.bridge.url}/v1/tenants/demo/events?topics=flows`, AUTH);
    streams.push(sse);
    expect(sse.status).toBe(200);

    for (let i = 0; i < 8; i++) {
      sim.model.setFlow('DEMO', '700', { value: `v${i}` });
      await sleep(150);
    }
    const lastSeen = (client: BridgeClient) => eventsOf(client).some((e) => e.type === 'flow.changed' && e.data.value === 'v7');
    await waitFor(() => clients.every(lastSeen), { timeout: 10_000, message: 'not every client saw the last change' });

    // From the highest subscribe cursor on, every client has the same events.
    const from = Math.max(...acks.map((ack) => ack.cursor));
    const views = clients.map((client, i) => {
      const events = eventsOf(client);
      const seqs = events.map((e) => e.seq);
      // Contiguous after the client's own cursor: no gap, no duplicate, in order.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, k) => (acks[i]?.cursor ?? 0) + 1 + k));
      return events.filter((e) => e.seq > from).map((e) => `${e.seq} ${e.type} ${e.key}`);
    });
    expect(views[1]).toEqual(views[0]);
    expect(views[2]).toEqual(views[0]);
    const values = eventsOf(clients[2] as BridgeClient).filter((e) => e.type === 'flow.changed' && e.key === '700').map((e) => e.data.value);
    expect(values.slice(-8)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);

    // SSE on the follower: the same flow changes with the same ids.
    await sse.waitForFrames((frames) => frames.some((f) => f.data?.includes('"v7"') === true), 10_000);
    const sseEvents = sse.json<BridgeEvent>().filter((e) => e.type === 'flow.changed' && e.key === '700');
    const socketFlows = eventsOf(clients[0] as BridgeClient).filter((e) => e.type === 'flow.changed' && e.key === '700');
    expect(sseEvents.map((e) => e.seq).slice(-8)).toEqual(socketFlows.map((e) => e.seq).slice(-8));
  }, 30_000);

  it('answers since, snapshots and REST state alike on every node', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(3, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    await waitFor(async () => (await nodes[0]!.bridge.bus.entities('demo', 'flows')).size === 3, { timeout: 10_000 });
    const first = await connectClient(nodes[0]!.bridge.url, CLUSTER_TOKEN);
    clients.push(first);
    const ack = await first.call<SubscribeOk>('subscribe', { tenant: 'demo', topics: ['flows'] });
    sim.model.setFlow('DEMO', '701', { state: 'INUSE' });
    sim.model.setFlow('DEMO', '702', { state: 'INUSE' });
    await waitFor(() => eventsOf(first).filter((e) => e.topic === 'flows').length >= 2, { timeout: 10_000 });
    const missed = eventsOf(first).filter((e) => e.topic === 'flows');

    // The same `since` on the two other nodes replays exactly those events.
    for (const node of nodes.slice(1)) {
      const other = await connectClient(node.bridge.url, CLUSTER_TOKEN);
      clients.push(other);
      const replay = await other.call<SubscribeOk>('subscribe', { tenant: 'demo', topics: ['flows'], since: ack.cursor });
      expect(replay.replayed).toBe(missed.length);
      await waitFor(() => eventsOf(other).length >= missed.length);
      expect(eventsOf(other).slice(0, missed.length).map((e) => e.seq)).toEqual(missed.map((e) => e.seq));
    }

    // Once quiet (nothing changes at the simulator), every node serves the same state at the
    // same cursor, over REST and subscribe.
    type State = { cursor: number; snapshot: Record<string, Array<{ number?: string; name?: string }>> };
    let states: State[] = [];
    await waitFor(
      async () => {
        states = await Promise.all(
          nodes.map(async (node) => {
            const res = await fetch(`${node.bridge.url}/v1/tenants/demo/state?topics=flows,peers`, { headers: AUTH });
            return (await res.json()) as State;
          }),
        );
        return states.every((state) => JSON.stringify(state) === JSON.stringify(states[0]));
      },
      { timeout: 10_000, interval: 200, message: 'the nodes do not serve the same state' },
    );
    expect(states[0]?.snapshot.flows?.map((f) => f.number).sort()).toEqual(['700', '701', '702']);
    const late = await connectClient(nodes[2]!.bridge.url, CLUSTER_TOKEN);
    clients.push(late);
    const snap = await late.call<SubscribeOk>('subscribe', { tenant: 'demo', topics: ['flows', 'peers'] });
    // Polls go on meanwhile (a peer's latency may change): at the same cursor or later, same flows.
    expect(snap.cursor).toBeGreaterThanOrEqual(states[0]?.cursor ?? Infinity);
    const numbers = (snap.snapshot?.flows ?? []).map((f) => `${(f as { number?: string }).number}=${String((f as { value?: unknown }).value)}`).sort();
    expect(numbers).toEqual((states[0]?.snapshot.flows ?? []).map((f) => `${f.number}=${String((f as { value?: unknown }).value)}`).sort());
  }, 30_000);
});
