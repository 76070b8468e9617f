/**
 * PBX profiles in a cluster: stored in Redis, so every node sees what any node created; every
 * node runs (and contends for) the enabled ones, exactly one polls each, and a change made
 * through one node is applied by all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { redisAvailable } from '../support/redis-server.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { api, dataOf } from '../profiles/support/profile-bridge.js';
import { CLUSTER_TOKEN, pollers, useClusterRig, type ClusterNodeHandle } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster profiles');
const ID = 'demo-mirta';

const running = (nodes: readonly ClusterNodeHandle[]) => nodes.filter((node) => node.bridge.sourceManager.get(ID)?.origin === 'api');

describe.skipIf(!redisReady)('cluster: PBX profiles', () => {
  const rig = useClusterRig();
  let sim: MirtaSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('runs a profile created on one node on every node, polled by one, and stops it everywhere', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(3, { sources: [] });
    const [a, b, c] = nodes as [ClusterNodeHandle, ClusterNodeHandle, ClusterNodeHandle];
    const created = await api(a.bridge.url, 'POST', '/v1/tenants/demo/pbxs', {
      token: CLUSTER_TOKEN,
      body: {
        _type: 'MirtaPbxConnectionProfile',
        id: ID,
        enabled: true,
        url: sim.url,
        key: sim.keys.admin,
        admin: true,
        tenants: { demo: 'DEMO' },
        poll: { peers: '200ms', channels: '100ms', blfs: '200ms', flows: '200ms', agents: '300ms', queues: '300ms', extensions: '1s' },
      },
    });
    expect(created.status, created.text).toBe(201);
    // Every node picks it up (the store's change notice), and one of them polls it.
    await waitFor(() => running(nodes).length === 3 && pollers(nodes, ID).length === 1, { timeout: 10_000, message: 'the profile did not reach every node' });
    const listed = await api(c.bridge.url, 'GET', `/v1/tenants/demo/pbxs/${ID}`, { token: CLUSTER_TOKEN });
    expect(listed.status).toBe(200);
    expect(dataOf(listed)).toMatchObject({ id: ID, enabled: true });
    await waitFor(() => nodes.every((node) => node.bridge.sources.get(ID)?.status === 'up'), { timeout: 10_000 });

    // Disabled through another node: stopped everywhere, the PBX hears no more polls.
    const disabled = await api(b.bridge.url, 'PATCH', `/v1/tenants/demo/pbxs/${ID}`, { token: CLUSTER_TOKEN, body: { enabled: false } });
    expect(disabled.status, disabled.text).toBe(200);
    await waitFor(() => running(nodes).length === 0, { timeout: 10_000, message: 'a node kept the disabled profile' });
    await sleep(300);
    const quiet = sim.requests.count();
    await sleep(500);
    expect(sim.requests.count()).toBe(quiet);
    const state = await a.bridge.bus.entity('demo', 'sources', ID);
    expect(state).toMatchObject({ status: 'down', lastError: 'source disabled' });

    // Deleted through the third: gone from every node's view of the store.
    expect((await api(c.bridge.url, 'DELETE', `/v1/tenants/demo/pbxs/${ID}`, { token: CLUSTER_TOKEN })).status).toBe(200);
    expect((await api(a.bridge.url, 'GET', `/v1/tenants/demo/pbxs/${ID}`, { token: CLUSTER_TOKEN })).status).toBe(404);
  }, 30_000);
});
