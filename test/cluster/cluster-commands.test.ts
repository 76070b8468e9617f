/**
 * Commands in a cluster: `limits.perSecond` holds at the vendor whichever nodes the commands
 * arrive on, a command id is idempotent across nodes, and a command sent through a node that
 * does not poll still reports `observed` (the poller's events reach it through the feed).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandUpdateEvent } from '../../src/protocol/events.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { redisAvailable } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';
import { CLUSTER_TOKEN, mirtaSource, pollers, useClusterRig, type ClusterNodeHandle } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster commands');

interface Ack {
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

async function post(node: ClusterNodeHandle, body: unknown, key: string): Promise<{ status: number; body: Ack }> {
  const response = await fetch(`${node.bridge.url}/v1/tenants/demo/commands`, {
    method: 'POST',
    headers: { authorization: `Bearer ${CLUSTER_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Ack };
}

/** The most requests the simulator saw within any rolling `windowMs`. */
function busiestWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= windowMs) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe.skipIf(!redisReady)('cluster: commands', () => {
  const rig = useClusterRig();
  let sim: MirtaSimulator | undefined;
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await sim?.close();
    sim = undefined;
  });

  it('keeps perSecond for the whole cluster: 30 dials over 3 nodes, never more than 5 in any rolling second at the PBX', async () => {
    sim = await startMirtaSimulator();
    // Polls count against the same budget; slow ones keep this test about the commands.
    const source = mirtaSource(sim.url, sim.keys.admin, {
      poll: { peers: '30s', channels: '30s', blfs: 0, flows: 0, agents: 0, queues: 0, extensions: 0 },
      limits: { concurrency: 4, perSecond: 5, queue: 100, timeout: '20s' },
    });
    const nodes = await rig.startMany(3, { sources: [source] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    const startedAt = Date.now();
    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(nodes[i % 3] as ClusterNodeHandle, { type: 'dial', args: { from: '100', to: `3317020${String(1000 + i)}` } }, randomUUID()),
      ),
    );
    const elapsedMs = Date.now() - startedAt;
    expect(acks.map((ack) => ack.status)).toEqual(Array(30).fill(200));
    const dials = sim.requests.filter('DIAL');
    expect(dials).toHaveLength(30);
    const busiest = busiestWindow(
      sim.requests.entries.map((request) => request.at),
      1_000,
    );
    console.log(`cluster rate budget: 30 dials through 3 nodes in ${elapsedMs} ms; busiest rolling second at the PBX: ${busiest} requests (limit 5)`);
    expect(busiest).toBeLessThanOrEqual(5);
  }, 60_000);

  it('sends one vendor request for one command id, whichever nodes the retries land on', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(3, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    const key = randomUUID();
    const body = { type: 'dial', args: { from: '100', to: '33170200258' } };
    // At once on two nodes (one waits for the other's outcome), then again on the third.
    const [first, second] = await Promise.all([post(nodes[0] as ClusterNodeHandle, body, key), post(nodes[1] as ClusterNodeHandle, body, key)]);
    const third = await post(nodes[2] as ClusterNodeHandle, body, key);
    expect(first.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(third.body).toEqual(first.body);
    expect(sim.requests.filter('DIAL')).toHaveLength(1);
    // Another body under the same id is refused on any node.
    const other = await post(nodes[2] as ClusterNodeHandle, { type: 'dial', args: { from: '101', to: '33170200258' } }, key);
    expect(other.status).toBe(409);
    expect(other.body.error?.code).toBe('duplicate');
  }, 30_000);

  it('reports observed to a client whose node does not poll the source', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(2, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    const follower = nodes.find((node) => pollers(nodes, 'mirta')[0] !== node) as ClusterNodeHandle;
    const client = await connectClient(follower.bridge.url, CLUSTER_TOKEN);
    clients.push(client);
    const ack = await client.call<Ack>('command', { id: randomUUID(), tenant: 'demo', type: 'dial', args: { from: '100', to: '33170200258' } });
    expect(ack.ok).toBe(true);
    const updates = () => client.events.filter((e): e is CommandUpdateEvent => e.type === 'command.updated').map((e) => e.data.state);
    await waitFor(() => updates().includes('observed'), { timeout: 10_000, message: `no observed update: ${updates().join(', ')}` });
    expect(updates()).toEqual(['queued', 'sent', 'succeeded', 'observed']);
  }, 30_000);
});
