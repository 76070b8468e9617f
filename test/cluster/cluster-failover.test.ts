/**
 * Failover: the polling node dies (`kill -9` of a real child process) or shuts down (SIGTERM,
 * `bridge.close()`), and another node takes the source over — within two lease periods after a
 * crash, at once after a graceful exit — with no false removal at the clients and no lost change.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../src/protocol/events.js';
import type { SubscribeOk } from '../../src/protocol/messages.js';
import { startKazooSimulator, type KazooSimulator } from '../../src/simulators/kazoo/index.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { redisAvailable } from '../support/redis-server.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { startChildNode, type ChildNode } from './support/child-node.js';
import { CLUSTER_TOKEN, TEST_LEASE_TTL_MS, mirtaSource, pollers, useClusterRig, type ClusterNodeHandle } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster failover');
/** Events a takeover must never cause for entities that are still there. */
const REMOVALS = new Set(['peer.removed', 'peer.unregistered', 'channel.hungup', 'agent.removed', 'extension.removed']);

function eventsOf(client: BridgeClient): BridgeEvent[] {
  return client.events.filter((e): e is BridgeEvent => typeof (e as BridgeEvent).seq === 'number');
}

/** ms between the first log line matching `a` in one capture and `b` in another. */
function logGap(aLines: readonly string[], a: string, bLines: readonly string[], b: string): number | undefined {
  const at = (lines: readonly string[], msg: string) => lines.map((line) => JSON.parse(line) as { time: number; msg: string }).find((l) => l.msg === msg)?.time;
  const from = at(aLines, a);
  const to = at(bLines, b);
  return from === undefined || to === undefined ? undefined : to - from;
}

describe.skipIf(!redisReady)('cluster: failover', () => {
  const rig = useClusterRig();
  let mirta: MirtaSimulator | undefined;
  let kazoo: KazooSimulator | undefined;
  let redis: Redis | undefined;
  const children: ChildNode[] = [];
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(children.splice(0).map((child) => child.kill()));
    redis?.disconnect();
    redis = undefined;
    await mirta?.close();
    await kazoo?.close();
    mirta = undefined;
    kazoo = undefined;
  });

  it('takes over within two lease periods when the poller is killed (SIGKILL), with no false removal', async () => {
    mirta = await startMirtaSimulator();
    const sim = mirta;
    const sources = [mirtaSource(sim.url, sim.keys.admin)];
    redis = new Redis(rig.redis.url);
    const leaseKey = `${rig.prefix}lease:mirta`;
    const leader = await startChildNode({ ...rig.document({ sources }), redis: { url: rig.redis.url, keyPrefix: rig.prefix, leaseTtl: TEST_LEASE_TTL_MS, nodeId: 'child-leader' } });
    children.push(leader);
    await waitFor(async () => (await redis?.get(leaseKey)) === 'child-leader', { timeout: 10_000, message: 'the child did not take the lease' });
    const nodes = await rig.startMany(2, { sources });
    expect(pollers(nodes, 'mirta')).toHaveLength(0);

    // A call up and state everywhere before the crash.
    const call = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    const client = await connectClient(nodes[0]!.bridge.url, CLUSTER_TOKEN);
    clients.push(client);
    const ack = await client.call<SubscribeOk>('subscribe', { tenant: 'demo' });
    await waitFor(async () => (await nodes[0]!.bridge.bus.entity('demo', 'channels', call.aLeg)) !== undefined, { timeout: 10_000, message: 'the call never showed' });
    const channelsBefore = (await nodes[0]!.bridge.bus.entities('demo', 'channels')).size;

    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 4 * TEST_LEASE_TTL_MS, interval: 5, message: 'nobody took over' });
    const takeoverMs = Date.now() - killedAt;
    await waitFor(() => sim.requests.entries.some((r) => r.at > killedAt + takeoverMs && r.reqtype === 'CHANNELS'), { timeout: 5_000 });
    const firstPollMs = (sim.requests.entries.find((r) => r.at > killedAt + takeoverMs && r.reqtype === 'CHANNELS')?.at ?? 0) - killedAt;
    console.log(`takeover after SIGKILL of the poller: lease taken ${takeoverMs} ms after the kill, first poll at the PBX after ${firstPollMs} ms (lease TTL ${TEST_LEASE_TTL_MS} ms)`);
    expect(takeoverMs).toBeLessThanOrEqual(2 * TEST_LEASE_TTL_MS + 500);

    // The new poller's first rounds: nothing that is still there is removed.
    await sleep(1_000);
    expect((await nodes[1]!.bridge.bus.entities('demo', 'channels')).size).toBe(channelsBefore);
    const afterKill = eventsOf(client).filter((e) => Date.parse(e.ts) >= killedAt);
    expect(afterKill.filter((e) => REMOVALS.has(e.type))).toEqual([]);
    // And changes keep coming, in sequence.
    sim.model.setFlow('DEMO', '700', { value: 'after-takeover' });
    await waitFor(() => eventsOf(client).some((e) => e.type === 'flow.changed' && e.data.value === 'after-takeover'), { timeout: 5_000 });
    const seqs = eventsOf(client).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => ack.cursor + 1 + i));
    expect(pollers(nodes, 'mirta')).toHaveLength(1);
  }, 60_000);

  it('loses no acknowledged command result when the node that answered it is killed (SIGKILL)', async () => {
    mirta = await startMirtaSimulator();
    const sim = mirta;
    const sources = [mirtaSource(sim.url, sim.keys.admin)];
    const first = await startChildNode({ ...rig.document({ sources }), redis: { url: rig.redis.url, keyPrefix: rig.prefix, leaseTtl: TEST_LEASE_TTL_MS, nodeId: 'child-first' } });
    children.push(first);
    const [other] = await rig.startMany(1, { sources });
    const command = { id: randomUUID(), tenant: 'demo', source: 'mirta', type: 'dial', args: { from: '100', to: '101' } };
    const dials = () => sim.requests.entries.filter((entry) => entry.reqtype === 'DIAL').length;

    const before = await connectClient(first.url, CLUSTER_TOKEN);
    clients.push(before);
    const ack = await before.call<{ ok: boolean }>('command', command);
    expect(ack.ok).toBe(true);
    expect(dials()).toBe(1);
    first.child.kill('SIGKILL');
    await first.exited;

    // The client retries on another node, as an SDK does after a lost connection: same id, same
    // body -> the first result again, and no second call at the PBX.
    const after = await connectClient(other!.bridge.url, CLUSTER_TOKEN);
    clients.push(after);
    expect(await after.call('command', command)).toEqual(ack);
    expect(dials()).toBe(1);
  }, 60_000);

  it('hands the lease over at once on SIGTERM, and the process exits within its bound', async () => {
    mirta = await startMirtaSimulator();
    const sources = [mirtaSource(mirta.url, mirta.keys.admin)];
    redis = new Redis(rig.redis.url);
    const leader = await startChildNode({ ...rig.document({ sources }), redis: { url: rig.redis.url, keyPrefix: rig.prefix, leaseTtl: 10_000, nodeId: 'child-leader' } });
    children.push(leader);
    await waitFor(async () => (await redis?.get(`${rig.prefix}lease:mirta`)) === 'child-leader', { timeout: 10_000 });
    // A long lease: only a release (not an expiry) can hand it over quickly.
    const [other] = await rig.startMany(1, { sources, redis: { url: rig.redis.url, keyPrefix: rig.prefix, leaseTtl: 10_000 } });
    const signalledAt = Date.now();
    leader.child.kill('SIGTERM');
    const exit = await leader.exited;
    const exitMs = Date.now() - signalledAt;
    await waitFor(() => other?.bridge.sourceManager.get('mirta')?.polling === true, { timeout: 5_000, interval: 5 });
    const takeoverMs = Date.now() - signalledAt;
    console.log(`graceful shutdown: exited ${exitMs} ms after SIGTERM (code ${exit.code}); the other node polls ${takeoverMs} ms after it (lease TTL 10000 ms)`);
    expect(exit.code).toBe(0);
    expect(takeoverMs).toBeLessThan(5_000);
  }, 60_000);

  it('fails /readyz first, lets a command under way finish, then releases the lease', async () => {
    mirta = await startMirtaSimulator();
    const sim = mirta;
    const nodes = await rig.startMany(2, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    const [leader] = pollers(nodes, 'mirta') as [ClusterNodeHandle];
    const other = nodes.find((node) => node !== leader) as ClusterNodeHandle;
    expect((await fetch(`${leader.bridge.url}/readyz`)).status).toBe(200);

    sim.setLatency({ byReqtype: { DIAL: 1_000 } });
    const command = fetch(`${leader.bridge.url}/v1/tenants/demo/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CLUSTER_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ type: 'dial', args: { from: '100', to: '33170200258' } }),
    });
    await waitFor(() => sim.requests.count('DIAL') === 1);
    const closing = leader.bridge.close();
    const ready = await fetch(`${leader.bridge.url}/readyz`);
    expect(ready.status).toBe(503);
    const ack = (await (await command).json()) as { ok: boolean };
    expect(ack.ok).toBe(true);
    await closing;
    await waitFor(() => pollers([other], 'mirta').length === 1, { timeout: TEST_LEASE_TTL_MS, interval: 5 });
    const handover = logGap(leader.logs.lines(), 'lease gone: polling stopped', other.logs.lines(), 'lease held: polling');
    console.log(`graceful close in process: lease released and taken over ${handover} ms later (lease TTL ${TEST_LEASE_TTL_MS} ms)`);
    expect(handover).toBeLessThan(TEST_LEASE_TTL_MS);
  }, 30_000);

  it('keeps one Kazoo websocket for the whole cluster, moving it with the lease', async () => {
    kazoo = await startKazooSimulator();
    const sim = kazoo;
    const source = { id: 'kazoo', vendor: 'kazoo', rest: sim.restUrl, websocket: sim.websocketUrl, accountId: sim.accountId, apiKey: sim.apiKey, tenant: 'demo' };
    const nodes = await rig.startMany(3, { sources: [source] });
    await waitFor(() => pollers(nodes, 'kazoo').length === 1 && sim.blackhole.sessionCount === 1, { timeout: 10_000 });
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, sim.blackhole.sessionCount)), 5);
    try {
      await sleep(1_000);
      const [leader] = pollers(nodes, 'kazoo') as [ClusterNodeHandle];
      await leader.bridge.close();
      const rest = nodes.filter((node) => node !== leader);
      await waitFor(() => pollers(rest, 'kazoo').length === 1 && sim.blackhole.sessionCount === 1, { timeout: 3 * TEST_LEASE_TTL_MS });
      await sleep(500);
    } finally {
      clearInterval(sampler);
    }
    expect(most).toBe(1);
  }, 30_000);
});
