/**
 * "A failed poll changes no entity" (protocol §3) against the simulator's scripted faults: each
 * one moves the source degraded -> down (one event each) and back up, and publishes no entity
 * event at all, even for an empty PEERS answer (docs/vendors/mirta.md "Suspicious polls").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind, MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { startSim, startSource, type SourceHarness } from './harness.js';

const log = captureLogger();

describe('MirtaSource under vendor faults', () => {
  let sim: MirtaSimulator;
  let h: SourceHarness;

  beforeAll(async () => {
    sim = await startSim();
    // Only the polls under test (peers) and one healthy neighbour (flows).
    h = startSource(sim, log, { poll: { channels: 0, agents: 0 }, timeout: 300 });
    await h.source.start();
    await h.events.next((e) => e.type === 'source.up');
    await waitFor(async () => (await h.bus.entities('acme', 'peers')).size === sim.model.peers('DEMO').length);
    await waitFor(async () => (await h.bus.entities('acme', 'flows')).size === sim.model.flows('DEMO').length);
  });
  afterAll(async () => {
    await h?.stop();
    await sim?.close();
  });

  const cases: [FaultKind, RegExp][] = [
    ['http500', /HTTP 500/],
    ['http429', /HTTP 429/],
    ['authError', /authentication refused by the PBX/],
    ['empty', /empty peers answer/],
    ['garbage', /unparseable answer to PEERS/],
    ['truncated', /unparseable answer to PEERS/],
    ['reset', /connection to MiRTA lost|request to MiRTA failed/],
    ['hang', /no answer from MiRTA in time/],
  ];

  it.each(cases)('%s: degraded, down, up again, and no entity event', async (kind, lastError) => {
    const mark = h.events.mark();
    // Clear the fault the moment the source is down, before a further poll: an empty PEERS
    // answer repeated beyond `downAfter` would (rightly) be believed.
    const unsubscribe = h.bus.onEvent((event) => {
      if (event.type === 'source.down') sim.faults.clear();
    });
    try {
      sim.faults.arm({ kind, reqtype: 'PEERS', times: Infinity });
      const down = await h.events.next((e) => e.type === 'source.down', { from: mark, message: `${kind}: never down` });
      expect(down.data).toMatchObject({ status: 'down' });
      expect((down.data as { lastError?: string }).lastError).toMatch(lastError);
      await h.events.next((e) => e.type === 'source.up', { from: mark, message: `${kind}: never back up` });
    } finally {
      unsubscribe();
      sim.faults.clear();
    }
    const after = h.events.since(mark);
    expect(after.map((e) => e.type)).toEqual(['source.degraded', 'source.down', 'source.up']);
    expect(JSON.stringify(after)).not.toContain(h.key);
  });

  it('believes an empty PEERS answer once it has repeated past downAfter', async () => {
    const mark = h.events.mark();
    sim.faults.arm({ kind: 'empty', reqtype: 'PEERS', times: 3 });
    await h.events.next((e) => e.type === 'peer.removed', { from: mark });
    const removed = h.events.since(mark).filter((e) => e.type === 'peer.removed');
    expect(removed.length).toBeGreaterThan(0);
    // And the phones come back with the next full answer.
    await h.events.next((e) => e.type === 'peer.registered', { from: mark });
  });

  it('never logs the key', () => {
    expect(log.text()).not.toContain(h.key);
    expect(log.text()).toContain('mirta poll failed');
  });
});
