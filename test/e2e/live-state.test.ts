/**
 * The core promise, end to end over real sockets: the MiRTA simulator's state, polled by the
 * bridge over HTTP, reaches a socket.io client as a snapshot and then as a live stream.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeEvent } from '../../src/protocol/events.js';
import type { SubscribeOk } from '../../src/protocol/messages.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { E2E_TOKENS, startTestBridge, type TestBridge } from '../support/test-bridge.js';
import { waitFor } from '../support/wait-for.js';

const bridgeEvents = (client: BridgeClient): BridgeEvent[] =>
  client.events.filter((e): e is BridgeEvent => 'seq' in e && typeof e.seq === 'number');

describe('live state from MiRTA to socket.io', () => {
  let t: TestBridge;
  const clients: BridgeClient[] = [];
  beforeEach(async () => {
    t = await startTestBridge();
    // Let the first polls land so the snapshot is populated.
    await waitFor(() => t.bridge.sources.get('mirta-e2e')?.status === 'up');
    await waitFor(async () => ((await t.bridge.bus.entities('demo', 'agents')).size > 0));
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await t.close();
  });

  async function client(token: string = E2E_TOKENS.admin): Promise<BridgeClient> {
    const c = await connectClient(t.url, token);
    clients.push(c);
    return c;
  }

  it('greets with hello and answers subscribe with every MiRTA topic in the snapshot', async () => {
    const c = await client();
    expect(c.hello.protocol).toBe(1);
    const source = c.hello.sources.find((s) => s.id === 'mirta-e2e' && s.tenant === 'demo');
    expect(source?.vendor).toBe('mirta');
    expect(source?.commands).toEqual(expect.arrayContaining(['dial', 'hangup', 'transfer', 'agent.pause', 'flow.set']));
    const ack = await c.call<SubscribeOk>('subscribe', { tenant: 'demo' });
    expect(ack.ok).toBe(true);
    const snapshot = ack.snapshot ?? {};
    const peerNames = (snapshot.peers ?? []).map((p) => String(p.name));
    expect(peerNames).toContain('101-DEMO');
    expect(snapshot.blfs?.length).toBeGreaterThan(0);
    expect(snapshot.flows?.map((f) => f.number).sort()).toEqual(['700', '701', '702']);
    expect(snapshot.agents?.map((a) => (a as { queue: string }).queue)).toContain('281');
    expect(snapshot.queues?.map((q) => (q as { name?: string }).name)).toContain('Support, Level 1');
    expect(snapshot.sources?.[0]).toMatchObject({ source: 'mirta-e2e', status: 'up' });
    // Globex's phones never leak into demo's view.
    expect(peerNames.some((name) => name.endsWith('-GLOBEX'))).toBe(false);
  });

  it('streams a call ringing, answered and hung up, with gapless seq', async () => {
    const c = await client();
    const ack = await c.call<SubscribeOk>('subscribe', { tenant: 'demo', topics: ['channels'] });
    const call = t.sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    await waitFor(() => bridgeEvents(c).filter((e) => e.type === 'channel.created').length === 2);
    t.sim.model.answerCall(call.bLeg ?? '');
    await waitFor(() => bridgeEvents(c).some((e) => e.type === 'channel.updated' && e.key === call.bLeg && e.data.state === 'up'));
    t.sim.model.hangupChannel(call.aLeg);
    await waitFor(() => bridgeEvents(c).filter((e) => e.type === 'channel.hungup').length === 2);

    const events = bridgeEvents(c);
    const answered = events.find((e) => e.type === 'channel.updated' && e.key === call.bLeg && e.data.state === 'up');
    expect(answered?.changed).toEqual(expect.arrayContaining(['state', 'answeredAt']));
    const hungup = events.filter((e) => e.type === 'channel.hungup');
    expect(hungup.map((e) => e.key).sort()).toEqual([call.aLeg, call.bLeg].sort());
    expect(hungup.every((e) => e.removed === true)).toBe(true);
    // A channels-only subscriber sees a subsequence of the tenant sequence, in order, after the cursor.
    const seqs = events.map((e) => e.seq);
    expect(seqs[0]).toBeGreaterThan(ack.cursor);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('turns a peer going unreachable, an agent pause and a flow switch into exactly one event each', async () => {
    const c = await client();
    await c.call('subscribe', { tenant: 'demo', topics: ['peers', 'agents', 'flows'] });
    t.sim.model.setPeerStatus('102-DEMO', 'unreachable');
    t.sim.model.setAgentPaused({ tenant: 'DEMO', agent: '101', queue: '281', paused: true, reason: 'Lunch' });
    t.sim.model.setFlow('DEMO', '700', { state: 'INUSE' });
    await waitFor(() => bridgeEvents(c).some((e) => e.type === 'flow.changed'));
    await waitFor(() => bridgeEvents(c).some((e) => e.type === 'agent.paused'));
    await waitFor(() => bridgeEvents(c).some((e) => e.type === 'peer.unregistered'));
    // Several more poll rounds: nothing further may arrive for unchanged state.
    const settled = bridgeEvents(c).length;
    await new Promise((r) => setTimeout(r, 400));
    const events = bridgeEvents(c);
    expect(events.length).toBe(settled);
    expect(events.filter((e) => e.type === 'peer.unregistered').map((e) => e.key)).toEqual(['102-DEMO']);
    const paused = events.filter((e) => e.type === 'agent.paused');
    expect(paused.map((e) => e.key)).toEqual(['281/101-DEMO']);
    expect(paused[0]?.data).toMatchObject({ paused: true, pauseReason: 'Lunch', status: 'paused' });
    expect(events.filter((e) => e.type === 'flow.changed').map((e) => [e.key, e.data.state])).toEqual([['700', 'INUSE']]);
  });

  it('replays exactly the missed events after a disconnect with since', async () => {
    const steady = await client();
    await steady.call('subscribe', { tenant: 'demo', topics: ['agents', 'flows'] });
    const flaky = await client();
    const first = await flaky.call<SubscribeOk>('subscribe', { tenant: 'demo', topics: ['agents', 'flows'] });
    flaky.close();

    t.sim.model.setAgentPaused({ tenant: 'DEMO', agent: '102', queue: '281', paused: true, reason: 'Break' });
    t.sim.model.setFlow('DEMO', '701', { state: 'INUSE' });
    await waitFor(() => bridgeEvents(steady).length >= 2);
    await new Promise((r) => setTimeout(r, 300));

    const again = await client();
    const ack = await again.call<SubscribeOk>('subscribe', { tenant: 'demo', topics: ['agents', 'flows'], since: first.cursor });
    const missed = bridgeEvents(steady);
    expect(ack.replayed).toBe(missed.length);
    await waitFor(() => bridgeEvents(again).length >= missed.length);
    expect(bridgeEvents(again).map((e) => e.seq)).toEqual(missed.map((e) => e.seq));
    expect(bridgeEvents(again).map((e) => e.type)).toEqual(missed.map((e) => e.type));
    expect(ack.snapshot).toBeUndefined();
  });

  it('keeps tenants apart: a globex token gets forbidden on demo and never sees its events', async () => {
    const outsider = await client(E2E_TOKENS.globex);
    expect(outsider.hello.tenants).toEqual(['globex']);
    expect(outsider.hello.sources.every((s) => s.tenant === 'globex')).toBe(true);
    const denied = await outsider.call<{ ok: boolean; error?: { code: string } }>('subscribe', { tenant: 'demo' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const unknown = await outsider.call<{ ok: boolean; error?: { code: string; message: string } }>('subscribe', { tenant: 'nosuch' });
    expect(unknown.error?.code).toBe('forbidden');
    await outsider.call('subscribe', { tenant: 'globex' });
    const insider = await client();
    await insider.call('subscribe', { tenant: 'demo', topics: ['channels'] });
    t.sim.model.startCall({ tenant: 'DEMO', from: '100', to: '103' });
    await waitFor(() => bridgeEvents(insider).some((e) => e.type === 'channel.created'));
    await new Promise((r) => setTimeout(r, 200));
    expect(bridgeEvents(outsider).filter((e) => e.tenant !== 'globex')).toEqual([]);
  });
});
