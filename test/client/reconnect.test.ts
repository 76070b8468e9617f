/**
 * The client across broken connections: a network drop with changes meanwhile (resumed with
 * `since`), a bridge restart (a `resync` snapshot), and tokens refused then renewed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/bridge.js';
import { connect, TOPICS, type CallbridgeClient, type ChangeEvent, type ClientStatus, type SnapshotInfo } from '../../src/client/index.js';
import { collectEvents } from '../support/event-collector.js';
import { captureLogger } from '../support/log-capture.js';
import { E2E_TOKENS, startTestBridge, type TestBridge } from '../support/test-bridge.js';
import { waitFor } from '../support/wait-for.js';
import { waitForConvergence } from './support/mirror-compare.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/** Fast reconnections: the tests wait for them. */
const QUICK = { reconnectDelayMs: 30, reconnectDelayMaxMs: 100 } as const;
const states = (statuses: readonly ClientStatus[]): string[] =>
  statuses.map((s) => s.state).filter((state, i, all) => state !== all[i - 1]);

describe('client reconnection', () => {
  let t: TestBridge | undefined;
  let proxy: TcpProxy | undefined;
  let restarted: Bridge | undefined;
  const clients: CallbridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await proxy?.close();
    await restarted?.close();
    await t?.close();
    t = proxy = restarted = undefined;
  });
  async function setUp(): Promise<{ t: TestBridge; proxy: TcpProxy }> {
    t = await startTestBridge();
    await waitFor(async () => (await t?.bridge.bus.entities('demo', 'agents'))?.size !== 0);
    proxy = await startTcpProxy(t.bridge.port);
    return { t, proxy };
  }
  const open = (...args: Parameters<typeof connect>): CallbridgeClient => {
    const client = connect(...args);
    clients.push(client);
    return client;
  };

  it('converges after a dropped connection with changes meanwhile, reporting each change once', async () => {
    const { t, proxy } = await setUp();
    const cb = open(proxy.url, { token: E2E_TOKENS.admin, tenants: ['demo'], ...QUICK });
    const changes: ChangeEvent[] = [];
    const snapshots: SnapshotInfo[] = [];
    const statuses: ClientStatus[] = [];
    cb.on('change', (change) => changes.push(change));
    cb.on('snapshot', (info) => snapshots.push(info));
    await cb.ready();
    cb.on('status', (status) => statuses.push(status));
    const before = cb.tenant('demo').cursor ?? -1;
    const bus = collectEvents(t.bridge.bus);

    proxy.block();
    await waitFor(() => cb.status.state === 'offline');
    expect(cb.status).toMatchObject({ reason: 'disconnected', retrying: true });
    const call = t.sim.model.startCall({ tenant: 'DEMO', from: '104', to: '105' });
    t.sim.model.setAgentPaused({ tenant: 'DEMO', agent: '102', queue: '281', paused: true, reason: 'Break' });
    t.sim.model.setFlow('DEMO', '701', { state: 'INUSE' });
    await bus.next((e) => e.type === 'agent.paused');
    await bus.next((e) => e.type === 'channel.created' && e.key === call.aLeg);
    await bus.next((e) => e.type === 'flow.changed');
    expect(cb.state.flows.get('701')?.state).not.toBe('INUSE');

    proxy.unblock();
    await cb.ready();
    await waitForConvergence(cb.tenant('demo'), t.bridge.bus, TOPICS);
    expect(states(statuses)).toEqual(['offline', 'resyncing', 'live']);
    // Resumed with `since`: no second snapshot, and every missed event exactly once, in order.
    expect(snapshots).toHaveLength(1);
    // With every topic subscribed, that is each seq after the cursor at the drop, once.
    const resumed = changes.filter((c) => c.origin === 'event' && (c.seq ?? 0) > before).map((c) => c.seq);
    const after = cb.tenant('demo').cursor ?? 0;
    expect(after - before).toBeGreaterThanOrEqual(4);
    expect(resumed).toEqual(Array.from({ length: after - before }, (_, i) => before + 1 + i));
    expect(cb.state.agents.get('281/102-DEMO')).toMatchObject({ paused: true, pauseReason: 'Break' });
    bus.stop();
  });

  it('survives a bridge restart whose new sequence has passed the client cursor: the replay does not match, so it resyncs', async () => {
    const { t, proxy } = await setUp();
    const cb = open(proxy.url, { token: E2E_TOKENS.admin, tenants: ['demo'], ...QUICK });
    const snapshots: SnapshotInfo[] = [];
    const changes: ChangeEvent[] = [];
    cb.on('snapshot', (info) => snapshots.push(info));
    await cb.ready();
    t.sim.model.setFlow('DEMO', '702', { state: 'INUSE' });
    await waitFor(() => cb.state.flows.get('702')?.state === 'INUSE');
    const oldCursor = cb.tenant('demo').cursor ?? 0;
    cb.on('change', (change) => changes.push(change));

    proxy.block();
    await t.bridge.close();
    restarted = await startBridge(t.bridge.config, { logger: captureLogger('warn').logger });
    const bridge = restarted;
    // The PBX moves on while the client is away, and the new node numbers its events from 1:
    // let it pass the client's cursor, so that `since` alone would replay another history.
    t.sim.model.setFlow('DEMO', '702', { state: 'NOT_INUSE' });
    const calls: string[] = [];
    await waitFor(
      async () => {
        if ((await bridge.bus.cursor('demo')) > oldCursor + 2) return true;
        calls.push(t.sim.model.startCall({ tenant: 'DEMO', from: '106', to: '107' }).aLeg);
        return false;
      },
      { interval: 150 },
    );
    await waitFor(async () => (await bridge.bus.entities('demo', 'flows')).get('702')?.state === 'NOT_INUSE');
    proxy.targetPort = bridge.port;
    proxy.unblock();

    await waitFor(() => snapshots.length === 2);
    expect(snapshots[1]).toMatchObject({ tenant: 'demo', resync: true });
    await waitForConvergence(cb.tenant('demo'), bridge.bus, TOPICS);
    expect(cb.state.flows.get('702')?.state).toBe('NOT_INUSE');
    // What differs is reported, as the event the bridge would have sent, and nothing of the
    // other history was applied.
    const found = changes.filter((c) => c.origin === 'snapshot').map((c) => `${c.type} ${c.key}`);
    expect(found).toContain('flow.changed 702');
    expect(changes.filter((c) => c.origin === 'event' && (c.seq ?? 0) <= (snapshots[1]?.cursor ?? 0))).toEqual([]);
    // And the new node's events flow on.
    t.sim.model.setAgentPaused({ tenant: 'DEMO', agent: '101', queue: '281', paused: true, reason: 'Back soon' });
    await waitFor(() => cb.state.agents.get('281/101-DEMO')?.paused === true);
    await waitForConvergence(cb.tenant('demo'), bridge.bus, TOPICS);
  });

  it('waits for setToken() after a refused token, and asks a token provider again by itself', async () => {
    const { proxy } = await setUp();
    const fixed = open(proxy.url, { token: 'not-a-valid-token-0000000000', tenants: ['demo'], ...QUICK });
    await expect(fixed.ready()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(fixed.status).toMatchObject({ state: 'offline', reason: 'unauthorized', retrying: false });
    fixed.setToken(E2E_TOKENS.reader);
    await fixed.ready();
    expect(fixed.state.agents.size).toBeGreaterThan(0);

    const tokens = ['expired-token-00000000000000', E2E_TOKENS.reader];
    let asked = 0;
    const renewing = open(proxy.url, {
      token: async () => tokens[Math.min(asked++, tokens.length - 1)] ?? '',
      tenants: ['demo'],
      topics: ['agents'],
      ...QUICK,
    });
    await renewing.ready();
    expect(asked).toBeGreaterThanOrEqual(2);
    // The provider is asked again on every reconnection.
    const before = asked;
    proxy.cut();
    await waitFor(() => asked > before && renewing.status.state === 'live');
  });
});
