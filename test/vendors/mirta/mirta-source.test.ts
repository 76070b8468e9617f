/** MirtaSource against the real MiRTA simulator: vendor changes in, events out on a real Bus. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { captureLogger } from '../../support/log-capture.js';
import { sleep, waitFor } from '../../support/wait-for.js';
import { startSim, startSource, type SourceHarness } from './harness.js';

const log = captureLogger();
/** Every harness started here, for the final "no key anywhere" check. */
const harnesses: SourceHarness[] = [];
const track = (h: SourceHarness): SourceHarness => (harnesses.push(h), h);

describe('MirtaSource polling', () => {
  let sim: MirtaSimulator;
  let h: SourceHarness;

  beforeAll(async () => {
    sim = await startSim();
    h = track(startSource(sim, log));
    await h.source.start();
    await h.events.next((e) => e.type === 'source.up', { message: 'source never came up' });
    await waitFor(async () => (await h.bus.entities('acme', 'peers')).size === sim.model.peers('DEMO').length);
    await waitFor(async () => (await h.bus.entities('acme', 'agents')).size > 0);
  });
  afterAll(async () => {
    await h?.stop();
    await sim?.close();
  });

  it('loads every peer and agent of the tenant', async () => {
    const peers = await h.bus.entities('acme', 'peers');
    expect(peers.get('100-DEMO')).toMatchObject({ name: '100-DEMO', status: 'registered', latencyMs: 23, source: 'mirta-test' });
    expect(peers.get('108-DEMO')).toMatchObject({ status: 'unregistered' });
    expect(peers.get('110-DEMO')).toMatchObject({ status: 'registered', latencyMs: 840 });
    expect(peers.get('111-DEMO')).toMatchObject({ status: 'registered' });
    expect(peers.get('111-DEMO')?.latencyMs).toBeUndefined();
    const agents = await h.bus.entities('acme', 'agents');
    expect(agents.get('282/107-DEMO')).toMatchObject({ paused: true, pauseReason: 'Lunch', status: 'paused' });
    expect(agents.get('281/101-DEMO')).toMatchObject({ paused: false, status: 'available', callsTaken: 0 });
  });

  it('a peer going unreachable gives exactly one peer.unregistered', async () => {
    const mark = h.events.mark();
    sim.model.setPeerStatus('105-DEMO', 'unreachable');
    await h.events.next((e) => e.type === 'peer.unregistered' && e.key === '105-DEMO', { from: mark });
    await sleep(250);
    const peerEvents = h.events.since(mark).filter((e) => e.topic === 'peers');
    expect(peerEvents.map((e) => [e.type, e.key])).toEqual([['peer.unregistered', '105-DEMO']]);
    expect(peerEvents[0]?.changed).toContain('status');
    sim.model.setPeerStatus('105-DEMO', 'registered');
    await h.events.next((e) => e.type === 'peer.registered' && e.key === '105-DEMO', { from: mark });
  });

  it('follows a call: created ringing, updated on answer, hung up', async () => {
    const mark = h.events.mark();
    const { aLeg, bLeg } = sim.model.startCall({ tenant: 'DEMO', from: '100', to: '109' });
    expect(bLeg).not.toBeNull();
    const created = await h.events.next((e) => e.type === 'channel.created' && e.key === bLeg, { from: mark });
    expect(created.data).toMatchObject({ channel: bLeg, state: 'ringing', peer: '109-DEMO' });
    const caller = await h.events.next((e) => e.type === 'channel.created' && e.key === aLeg, { from: mark });
    expect(caller.data).toMatchObject({ peer: '100-DEMO', callerNumber: '100', direction: 'internal' });

    sim.model.answerCall(bLeg!);
    const answered = await h.events.next((e) => e.type === 'channel.updated' && e.key === aLeg && e.data.state === 'up', { from: mark });
    expect(answered.changed).toEqual(expect.arrayContaining(['state', 'answeredAt']));
    expect(answered.data).toMatchObject({ linkedKey: bLeg });

    sim.model.hangupChannel(aLeg);
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === aLeg, { from: mark });
    await h.events.next((e) => e.type === 'channel.hungup' && e.key === bLeg, { from: mark });
    const channelEvents = h.events.since(mark).filter((e) => e.topic === 'channels');
    expect(channelEvents.filter((e) => e.type === 'channel.created')).toHaveLength(2);
    expect(channelEvents.filter((e) => e.type === 'channel.hungup')).toHaveLength(2);
  });

  it('a paused agent gives agent.paused; a switched flow gives flow.changed', async () => {
    const mark = h.events.mark();
    sim.model.setAgentPaused({ tenant: 'DEMO', agent: '101', queue: '281', paused: true, reason: 'Break' });
    const paused = await h.events.next((e) => e.type === 'agent.paused', { from: mark });
    expect(paused.key).toBe('281/101-DEMO');
    expect(paused.data).toMatchObject({ queue: '281', agent: '101-DEMO', paused: true, pauseReason: 'Break' });

    sim.model.setFlow('DEMO', '700', { state: 'INUSE' });
    const flow = await h.events.next((e) => e.type === 'flow.changed', { from: mark });
    expect(flow.key).toBe('700');
    expect(flow.data).toMatchObject({ number: '700', state: 'INUSE', value: 'night' });
    expect(flow.changed).toEqual(expect.arrayContaining(['state', 'value']));
  });

  it('counts polls in the metrics', async () => {
    const text = await h.metrics.text();
    expect(text).toMatch(/callbridge_polls_total\{source="mirta-test",topic="peers",result="ok",reason=""\} [1-9]/);
    expect(text).toMatch(/callbridge_poll_duration_seconds_count\{source="mirta-test",topic="channels"\} [1-9]/);
  });

  it('stop() waits for polls in flight and leaves nothing running', async () => {
    await h.source.stop();
    const count = sim.requests.count();
    await sleep(200);
    expect(sim.requests.count()).toBe(count);
  });
});

describe('MirtaSource every topic', () => {
  it('fills blfs, queues and extensions, with extension secrets stripped', async () => {
    const sim = await startSim();
    const h = track(startSource(sim, log, { poll: { peers: 0, channels: 0, flows: 0, agents: 0, blfs: 50, queues: 50, extensions: 50 } }));
    try {
      await h.source.start();
      await waitFor(async () => (await h.bus.entities('acme', 'extensions')).size === sim.model.extensions('DEMO').length);
      await waitFor(async () => (await h.bus.entities('acme', 'queues')).size === 2);
      const blfs = await h.bus.entities('acme', 'blfs');
      expect(blfs.get('100-DEMO')).toMatchObject({ extension: '100', state: 'idle', kind: 'device' });
      expect(blfs.get('FL700-DEMO')).toMatchObject({ extension: 'FL700', kind: 'flow' });
      const queues = await h.bus.entities('acme', 'queues');
      expect(queues.get('282')).toMatchObject({ queue: '282', name: 'Support, Level 1', waiting: 0 });
      const extensions = await h.bus.entities('acme', 'extensions');
      expect(extensions.get('100')).toMatchObject({ number: '100', name: 'Reception', tech: 'SIP', enabled: true });
      const secrets = sim.model.extensions('DEMO').flatMap((ext) => Object.values(ext.secrets));
      const published = JSON.stringify([...extensions.values()]) + JSON.stringify(h.events.events);
      for (const secret of secrets) if (secret.length >= 4) expect(published).not.toContain(secret);
      const queueRequests = sim.requests.filter('INFO').map((r) => r.query.info);
      expect(new Set(queueRequests)).toEqual(new Set(['queues', 'queue', 'extensions']));
    } finally {
      await h.stop();
      await sim.close();
    }
  });
});

describe('MirtaSource against all-lower-case CHANNELS keys', () => {
  it('reads every leg of an inbound and an outbound call with the call direction and parties', async () => {
    const sim = await startSim({ channelKeyCase: 'lower' });
    const h = track(startSource(sim, log, { poll: { peers: 0, flows: 0, agents: 0, channels: 30 } }));
    try {
      await h.source.start();
      const mark = h.events.mark();
      const inbound = sim.model.startCall({ tenant: 'DEMO', from: '+33612345678', to: '102', inbound: true, callerName: 'Jean Dupont' });
      const outbound = sim.model.startCall({ tenant: 'DEMO', from: '101', to: '0612345678' });
      const legs = [inbound.aLeg, inbound.bLeg, outbound.aLeg, outbound.bLeg];
      await waitFor(async () => {
        const channels = await h.bus.entities('acme', 'channels');
        return legs.every((leg) => leg !== null && channels.has(leg));
      });
      sim.model.answerCall(inbound.bLeg!);
      sim.model.answerCall(outbound.bLeg!);
      await waitFor(async () => (await h.bus.entities('acme', 'channels')).get(outbound.aLeg)?.state === 'up');
      await waitFor(async () => (await h.bus.entities('acme', 'channels')).get(inbound.bLeg!)?.state === 'up');
      const channels = await h.bus.entities('acme', 'channels');
      for (const leg of [inbound.aLeg, inbound.bLeg!]) {
        expect(channels.get(leg), leg).toMatchObject({ direction: 'inbound', callerNumber: '+33612345678', callerName: 'Jean Dupont', calleeNumber: '102' });
      }
      expect(channels.get(inbound.bLeg!)).toMatchObject({ peer: '102-DEMO', linkedKey: inbound.aLeg });
      for (const leg of [outbound.aLeg, outbound.bLeg!]) {
        expect(channels.get(leg), leg).toMatchObject({ direction: 'outbound', callerNumber: '101', callerName: 'Alice Martin', calleeNumber: '0612345678' });
      }
      expect(channels.get(outbound.bLeg!)).toMatchObject({ peer: 'trunk-DEMO', state: 'up' });
      // The callee leg came in as a created channel already carrying the call's view.
      const created = await h.events.next((e) => e.type === 'channel.created' && e.key === inbound.bLeg, { from: mark });
      expect(created.data).toMatchObject({ direction: 'inbound', callerNumber: '+33612345678' });
      expect(sim.requests.filter('CHANNELS').length).toBeGreaterThan(0);
    } finally {
      await h.stop();
      await sim.close();
    }
  });
});

describe('MirtaSource with an admin key', () => {
  it('polls PEERS and CHANNELS once for all tenants and splits them', async () => {
    const sim = await startSim();
    const h = track(
      startSource(sim, log, {
        key: sim.keys.admin,
        admin: true,
        tenants: { acme: 'DEMO', globex: 'GLOBEX' },
        poll: { flows: 0, agents: 0 },
      }),
    );
    try {
      await h.source.start();
      await waitFor(async () => (await h.bus.entities('globex', 'peers')).size === sim.model.peers('GLOBEX').length);
      await waitFor(async () => (await h.bus.entities('acme', 'peers')).size === sim.model.peers('DEMO').length);
      expect([...(await h.bus.entities('acme', 'peers')).keys()].every((k) => k.endsWith('-DEMO'))).toBe(true);
      const mark = h.events.mark();
      const { aLeg } = sim.model.startCall({ tenant: 'GLOBEX', from: '200', to: '201' });
      const created = await h.events.next((e) => e.type === 'channel.created' && e.key === aLeg, { from: mark });
      expect(created.tenant).toBe('globex');
      expect(h.events.since(mark).filter((e) => e.tenant === 'acme' && e.topic === 'channels')).toEqual([]);
      for (const request of [...sim.requests.filter('PEERS'), ...sim.requests.filter('CHANNELS')]) {
        expect(request.query.tenant).toBeUndefined();
      }
    } finally {
      await h.stop();
      await sim.close();
    }
  });
});

describe('MirtaSource queue list', () => {
  it('asks INFO queues once per queues interval, not at every agents poll', async () => {
    const sim = await startSim();
    const h = track(startSource(sim, log, { poll: { peers: 0, channels: 0, flows: 0, agents: 50, queues: 500 } }));
    try {
      const queueCount = sim.model.queues('DEMO').length;
      expect(queueCount).toBeGreaterThan(0);
      await h.source.start();
      await waitFor(async () => (await h.bus.entities('acme', 'agents')).size > 0);
      await waitFor(async () => (await h.bus.entities('acme', 'queues')).size === queueCount);
      sim.requests.clear();
      await sleep(1_600);
      await h.source.stop();
      const info = sim.requests.filter('INFO');
      const count = (what: string) => info.filter((r) => r.query.info === what).length;
      const agentsPolls = count('agents') / queueCount;
      const queuesPolls = count('queue') / queueCount;
      expect(agentsPolls).toBeGreaterThan(8);
      expect(queuesPolls).toBeGreaterThanOrEqual(2);
      // Each queues poll refreshes the list; agents polls in between reuse it.
      expect(count('queues')).toBeLessThanOrEqual(queuesPolls + 1);
    } finally {
      await h.stop();
      await sim.close();
    }
  });
});

describe('the MiRTA key', () => {
  it('never appears in a log line or an event', () => {
    expect(harnesses).toHaveLength(5);
    expect(log.lines().length).toBeGreaterThan(0);
    for (const h of harnesses) {
      expect(h.events.events.length).toBeGreaterThan(0);
      expect(log.text()).not.toContain(h.key);
      expect(JSON.stringify(h.events.events)).not.toContain(h.key);
    }
  });
});
