/**
 * Redis goes away (killed) and comes back empty: every node reports `not ready`, nobody polls
 * meanwhile (leases are lost, never held twice), and once Redis is back the nodes recover by
 * themselves: one poller again, ready again, and a client (the SDK) that stayed connected through
 * it all shows the changes made afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type CallbridgeClient } from '../../src/client/index.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { redisAvailable } from '../support/redis-server.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { CLUSTER_TOKEN, TEST_LEASE_TTL_MS, mirtaSource, pollers, useClusterRig, type ClusterNodeHandle } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster Redis outage');

async function readiness(node: ClusterNodeHandle): Promise<{ status: number; redis?: string }> {
  const res = await fetch(`${node.bridge.url}/readyz`);
  const body = (await res.json()) as { redis?: string };
  return { status: res.status, ...(body.redis === undefined ? {} : { redis: body.redis }) };
}

describe.skipIf(!redisReady)('cluster: Redis outage', () => {
  const rig = useClusterRig();
  let sim: MirtaSimulator | undefined;
  const clients: CallbridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await sim?.close();
    sim = undefined;
  });

  it('stops polling while Redis is down, reports not ready, and recovers with exactly one poller', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(3, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    for (const node of nodes) expect(await readiness(node)).toEqual({ status: 200, redis: 'up' });
    const client = connect(nodes[1]!.bridge.url, { token: CLUSTER_TOKEN, tenants: ['demo'], topics: ['flows'], transports: ['websocket'], reconnectDelayMs: 100, reconnectDelayMaxMs: 500 });
    clients.push(client);
    await client.ready();

    // Never two pollers, whatever happens below.
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, pollers(nodes, 'mirta').length)), 5);
    try {
      await rig.redis.kill();
      const downAt = Date.now();
      await waitFor(() => pollers(nodes, 'mirta').length === 0, { timeout: 2 * TEST_LEASE_TTL_MS, message: 'a node kept polling without Redis' });
      const stoppedMs = Date.now() - downAt;
      for (const node of nodes) expect(await readiness(node)).toEqual({ status: 503, redis: 'down' });
      // Nobody polls while Redis is away.
      const quietFrom = sim.requests.count();
      await sleep(1_000);
      expect(sim.requests.count() - quietFrom).toBeLessThanOrEqual(1);

      await rig.redis.restart();
      const backAt = Date.now();
      await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000, message: 'nobody polls after Redis came back' });
      const recoveredMs = Date.now() - backAt;
      await waitFor(async () => (await Promise.all(nodes.map(readiness))).every((r) => r.status === 200 && r.redis === 'up'), { timeout: 10_000 });
      console.log(`Redis outage: polling stopped ${stoppedMs} ms after Redis died; one poller again ${recoveredMs} ms after it came back (lease TTL ${TEST_LEASE_TTL_MS} ms)`);
      await sleep(1_000);
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(1);
    expect(pollers(nodes, 'mirta')).toHaveLength(1);

    // The client follows: the change made after the outage reaches its mirror. (If its node had
    // missed entries of the socket stream while Redis was away, it would have been disconnected
    // and resumed with `since`; the SDK does that by itself.)
    sim.model.setFlow('DEMO', '701', { value: 'after-outage' });
    await waitFor(() => client.state.flows.get('701')?.value === 'after-outage', {
      timeout: 10_000,
      message: `the change after the outage did not reach the client: ${JSON.stringify(client.status)}; ${nodes.map((n) => n.logs.lines().filter((l) => /skipped|lost events/.test(l)).join('')).join('')}`,
    });
  }, 60_000);
});
