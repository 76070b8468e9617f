/**
 * The client's mirror against a real bridge polling the MiRTA simulator: the subscribe snapshot,
 * then every event once, in `seq` order, ends equal to the bridge's own state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, entityKey, TOPICS, type CallbridgeClient, type ChangeEvent, type ClientStatus } from '../../src/client/index.js';
import type { Entity, Topic } from '../../src/protocol/entities.js';
import { collectEvents } from '../support/event-collector.js';
import { E2E_TOKENS, startTestBridge, type TestBridge } from '../support/test-bridge.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { waitForConvergence } from './support/mirror-compare.js';

describe('client mirror', () => {
  let t: TestBridge;
  const clients: CallbridgeClient[] = [];
  beforeAll(async () => {
    t = await startTestBridge();
    await waitFor(async () => (await t.bridge.bus.entities('demo', 'agents')).size > 0 && (await t.bridge.bus.entities('globex', 'agents')).size > 0);
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.close();
    await t.close();
  });
  const open = (...args: Parameters<typeof connect>): CallbridgeClient => {
    const client = connect(...args);
    clients.push(client);
    return client;
  };

  it('derives every key the bridge uses from the entity (snapshots carry no keys)', async () => {
    for (const topic of TOPICS) {
      for (const [key, entity] of await t.bridge.bus.entities('demo', topic)) {
        expect(entityKey(topic, entity as never)).toBe(key);
      }
    }
  });

  it('equals the bridge state after a scenario of calls, with each event applied once and in order', async () => {
    const bus = collectEvents(t.bridge.bus);
    const cb = open(t.url, { token: E2E_TOKENS.admin, tenants: ['demo', 'globex'] });
    const changes: ChangeEvent[] = [];
    const statuses: ClientStatus[] = [];
    cb.on('change', (change) => changes.push(change));
    cb.on('status', (status) => statuses.push(status));
    await cb.ready();
    // Status also changes when hello and the sources topic fill `sources`: look at the states.
    expect(statuses.map((s) => s.state).filter((state, i, all) => state !== all[i - 1])).toEqual(['resyncing', 'live']);
    const demo = cb.tenant('demo');
    expect(cb.state).toBe(demo.state);
    const startCursor = demo.cursor ?? -1;
    // The snapshot arrives as one change per entity.
    const initial = changes.filter((c) => c.tenant === 'demo');
    expect(initial.every((c) => c.origin === 'snapshot' && c.seq === undefined)).toBe(true);
    expect(initial.length).toBe(TOPICS.reduce((n, topic) => n + demo.state[topic].size, 0));

    const first = t.sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    await sleep(120);
    t.sim.model.answerCall(first.bLeg ?? '');
    const second = t.sim.model.startCall({ tenant: 'DEMO', from: '102', to: '103' });
    t.sim.model.setAgentPaused({ tenant: 'DEMO', agent: '101', queue: '281', paused: true, reason: 'Lunch' });
    await sleep(120);
    t.sim.model.hangupChannel(first.aLeg);
    t.sim.model.setFlow('DEMO', '700', { state: 'INUSE' });
    await bus.next((e) => e.type === 'channel.hungup' && e.key === first.aLeg);
    await bus.next((e) => e.type === 'flow.changed' && e.key === '700');
    await waitForConvergence(demo, t.bridge.bus, TOPICS);
    await waitForConvergence(cb.tenant('globex'), t.bridge.bus, TOPICS);

    expect(demo.state.channels.has(first.aLeg)).toBe(false);
    expect(demo.state.channels.get(second.aLeg)?.state).toBeDefined();
    expect(demo.state.agents.get('281/101-DEMO')).toMatchObject({ paused: true, pauseReason: 'Lunch' });
    expect(demo.state.flows.get('700')?.state).toBe('INUSE');

    // Every event of the tenant after the snapshot, once, in order: nothing missed, nothing twice.
    const live = changes.filter((c) => c.tenant === 'demo' && c.origin === 'event');
    const published = bus.events.filter((e) => e.tenant === 'demo' && e.seq > startCursor);
    expect(live.map((c) => c.seq)).toEqual(published.map((e) => e.seq));
    expect(live.map((c) => `${c.type} ${c.key}`)).toEqual(published.map((e) => `${e.type} ${e.key}`));
    const hungup = live.find((c) => c.type === 'channel.hungup' && c.key === first.aLeg);
    expect(hungup).toMatchObject({ removed: true, topic: 'channels' });
    expect(hungup?.previous).toBeDefined();
    bus.stop();

    expect(cb.status.state).toBe('live');
    expect(cb.status.sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'mirta-e2e', tenant: 'demo', vendor: 'mirta', status: 'up', commands: expect.arrayContaining(['dial', 'agent.pause']) }),
        expect.objectContaining({ id: 'mirta-e2e', tenant: 'globex', status: 'up' }),
      ]),
    );
  });

  it('mirrors only the topics asked for (plus sources), and reports a refused tenant without stopping the others', async () => {
    const topics: Topic[] = ['blfs', 'agents'];
    const cb = open(t.url, { token: E2E_TOKENS.reader, tenants: ['demo', 'globex'], topics });
    const errors: string[] = [];
    cb.on('error', (err) => errors.push(err.code));
    await cb.ready();
    expect(errors).toEqual(['forbidden']);
    expect(cb.tenant('globex').live).toBe(false);
    expect(cb.state.blfs.size).toBeGreaterThan(0);
    expect(cb.state.sources.get('mirta-e2e')?.status).toBe('up');
    expect(cb.state.channels.size).toBe(0);
    await waitForConvergence(cb.tenant('demo'), t.bridge.bus, [...topics, 'sources']);
    const blf: Entity | undefined = cb.state.blfs.get('100-DEMO');
    expect(blf).toMatchObject({ extension: '100' });
    expect(() => cb.tenant('initech')).toThrow(RangeError);
  });
});
