/**
 * Connection state recovery across nodes (socket.io Redis Streams adapter): a client whose
 * connection drops briefly and comes back through another node gets `recovered`, its rooms and
 * the events it missed, without subscribing again; a token that no longer passes gets nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { startMirtaSimulator, type MirtaSimulator } from '../../src/simulators/mirta/index.js';
import { redisAvailable } from '../support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { CLUSTER_TOKEN, mirtaSource, pollers, useClusterRig } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster connection state recovery');

interface Recording {
  readonly socket: Socket;
  readonly events: BridgeEvent[];
  readonly connects: boolean[];
}

/** A raw socket.io client through `proxy`, reconnecting fast, recording events and whether each connect recovered. */
function open(proxy: TcpProxy): Recording {
  const socket = io(`${proxy.url}/v1`, {
    transports: ['websocket'],
    forceNew: true,
    auth: { token: CLUSTER_TOKEN },
    reconnectionDelay: 50,
    reconnectionDelayMax: 100,
  });
  const recording: Recording = { socket, events: [], connects: [] };
  socket.on('event', (event: BridgeEvent) => recording.events.push(event));
  socket.on('connect', () => recording.connects.push(socket.recovered));
  return recording;
}

describe.skipIf(!redisReady)('cluster: connection state recovery', () => {
  const rig = useClusterRig();
  let sim: MirtaSimulator | undefined;
  let proxy: TcpProxy | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await proxy?.close();
    proxy = undefined;
    await sim?.close();
    sim = undefined;
  });

  it('recovers a dropped connection on another node, with its rooms and the events it missed', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(2, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    await waitFor(async () => (await nodes[0]!.bridge.bus.entities('demo', 'flows')).size === 3, { timeout: 10_000 });
    proxy = await startTcpProxy(nodes[0]!.bridge.port);
    const client = open(proxy);
    sockets.push(client.socket);
    await waitFor(() => client.connects.length === 1);
    expect(await client.socket.timeout(5_000).emitWithAck('subscribe', { tenant: 'demo', topics: ['flows'] })).toMatchObject({ ok: true });
    // Recovery starts from the last broadcast received.
    sim.model.setFlow('DEMO', '700', { value: 'before' });
    await waitFor(() => client.events.some((e) => e.data.value === 'before'), { timeout: 5_000 });

    proxy.block();
    await waitFor(() => !client.socket.connected);
    await sleep(100);
    sim.model.setFlow('DEMO', '700', { value: 'missed-1' });
    await sleep(300);
    sim.model.setFlow('DEMO', '701', { value: 'missed-2' });
    await sleep(300);
    // Back through the other node.
    proxy.targetPort = nodes[1]!.bridge.port;
    proxy.unblock();
    await waitFor(() => client.connects.length === 2, { timeout: 5_000 });
    expect(client.connects).toEqual([false, true]);
    await waitFor(() => client.events.some((e) => e.data.value === 'missed-2'), { timeout: 5_000, message: 'the missed events did not come' });
    // Its rooms came back too: live events on the new node, without a new subscribe.
    sim.model.setFlow('DEMO', '702', { value: 'live-after' });
    await waitFor(() => client.events.some((e) => e.data.value === 'live-after'), { timeout: 5_000, message: 'no live event after recovery' });
    const flows = client.events.filter((e) => e.type === 'flow.changed');
    expect(flows.map((e) => e.data.value)).toEqual(['before', 'missed-1', 'missed-2', 'live-after']);
    const seqs = client.events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  }, 30_000);

  it('recovers the sockets of a node that shuts down gracefully on another node', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(2, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    await waitFor(async () => (await nodes[0]!.bridge.bus.entities('demo', 'flows')).size === 3, { timeout: 10_000 });
    proxy = await startTcpProxy(nodes[0]!.bridge.port);
    const client = open(proxy);
    sockets.push(client.socket);
    await waitFor(() => client.connects.length === 1);
    await client.socket.timeout(5_000).emitWithAck('subscribe', { tenant: 'demo', topics: ['flows'] });
    sim.model.setFlow('DEMO', '700', { value: 'before' });
    await waitFor(() => client.events.some((e) => e.data.value === 'before'), { timeout: 5_000 });

    // Its node goes away (a rolling restart); the load balancer sends it to the other one.
    proxy.targetPort = nodes[1]!.bridge.port;
    await nodes[0]!.bridge.close();
    sim.model.setFlow('DEMO', '701', { value: 'during-restart' });
    await waitFor(() => client.connects.length === 2, { timeout: 5_000 });
    expect(client.connects).toEqual([false, true]);
    await waitFor(() => client.events.some((e) => e.data.value === 'during-restart'), { timeout: 10_000 });
    const values = client.events.filter((e) => e.type === 'flow.changed').map((e) => e.data.value);
    expect(values).toEqual(['before', 'during-restart']);
  }, 30_000);

  it('sends nothing it missed to a reconnection whose token no longer passes', async () => {
    sim = await startMirtaSimulator();
    const nodes = await rig.startMany(2, { sources: [mirtaSource(sim.url, sim.keys.admin)] });
    await waitFor(() => pollers(nodes, 'mirta').length === 1, { timeout: 10_000 });
    await waitFor(async () => (await nodes[0]!.bridge.bus.entities('demo', 'flows')).size === 3, { timeout: 10_000 });
    proxy = await startTcpProxy(nodes[0]!.bridge.port);
    const client = open(proxy);
    sockets.push(client.socket);
    await waitFor(() => client.connects.length === 1);
    await client.socket.timeout(5_000).emitWithAck('subscribe', { tenant: 'demo', topics: ['flows'] });
    sim.model.setFlow('DEMO', '700', { value: 'before' });
    await waitFor(() => client.events.some((e) => e.data.value === 'before'), { timeout: 5_000 });

    proxy.block();
    await waitFor(() => !client.socket.connected);
    sim.model.setFlow('DEMO', '700', { value: 'missed' });
    await sleep(300);
    // Every packet that reaches the client from now on, decoded, whatever socket.io-client makes of it.
    const packets: Array<{ type: number; data?: unknown }> = [];
    client.socket.io.on('packet', (packet: { type: number; data?: unknown }) => packets.push(packet));
    const refused = new Promise<Error>((resolve) => client.socket.once('connect_error', resolve));
    client.socket.auth = { token: 'not-a-token-any-more-0123456789' };
    proxy.targetPort = nodes[1]!.bridge.port;
    proxy.unblock();
    expect((await refused).message).toBe('unauthorized');
    client.socket.close();
    await sleep(200);
    expect(packets.filter((packet) => packet.type === 2)).toEqual([]);
    expect(client.events.some((e) => e.data.value === 'missed')).toBe(false);
  }, 30_000);
});
