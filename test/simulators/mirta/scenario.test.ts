import { afterEach, describe, expect, it } from 'vitest';
import { MirtaModel, defaultSeed } from '../../../src/simulators/mirta/index.js';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { scenarioDriver } from '../../../src/simulators/mirta/scenario.js';
import { waitFor } from '../../support/wait-for.js';
import { startSim, tenantApi } from './harness.js';

const FIXED_CLOCK = () => 1_700_000_000_000;

/** Everything a poller could see, minus random bridge ids. */
function story(m: MirtaModel): unknown {
  return {
    cdrs: m.cdrs().map((c) => [c.tenant, c.from, c.to, c.direction, c.whoAnswered]),
    channels: m.channels().map((c) => [c.name, c.state, c.held]),
    agents: m.queues('DEMO').flatMap((q) => q.agents.map((a) => [a.agent, a.paused, a.pauseReason])),
    peers: m.peers().map((p) => [p.name, p.status, p.latencyMs]),
    flows: m.flows('DEMO').map((f) => [f.number, f.state]),
  };
}

describe('MiRTA simulator: scenario driver', () => {
  let sim: MirtaSimulator | undefined;
  afterEach(() => sim?.close());

  it('replays the same story from the same seed', () => {
    const run = (seed: number) => {
      const m = new MirtaModel(defaultSeed(), { clock: FIXED_CLOCK });
      const driver = scenarioDriver(m, { seed });
      for (let i = 0; i < 200; i++) driver.tick();
      return story(m);
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('keeps the PBX lively but never above maxCalls per tenant', () => {
    const m = new MirtaModel(defaultSeed());
    const driver = scenarioDriver(m, { seed: 7, maxCalls: 2, callRate: 0.9, pauseRate: 0.2, peerFlapRate: 0.1, flowSwitchRate: 0.2 });
    const states = new Set<string>();
    const pauseReasons = new Set<string>();
    let unreachable = false;
    for (let i = 0; i < 400; i++) {
      driver.tick();
      for (const tenant of ['DEMO', 'GLOBEX']) expect(m.calls(tenant).length).toBeLessThanOrEqual(2);
      for (const d of m.deviceStates('DEMO')) states.add(d.state);
      for (const q of m.queues('DEMO')) for (const a of q.agents) if (a.paused) pauseReasons.add(a.pauseReason);
      unreachable ||= m.peers().some((p) => p.status === 'unreachable' && p.name !== '203-GLOBEX');
    }
    expect(m.cdrs().length).toBeGreaterThan(50);
    expect(new Set(m.cdrs().map((c) => c.direction))).toEqual(new Set(['inbound', 'outbound', 'internal']));
    for (const s of ['RINGING', 'INUSE', 'ONHOLD', 'NOT_INUSE']) expect(states.has(s), s).toBe(true);
    expect([...pauseReasons].some((r) => ['Break', 'Admin', 'Training', 'Meeting'].includes(r))).toBe(true);
    expect(unreachable).toBe(true);
  });

  it('runs on its own timer, is visible over HTTP, and stops with close()', async () => {
    sim = await startSim();
    const driver = sim.scenario({ seed: 3, tickMs: 5, callRate: 1 });
    driver.start();
    expect(driver.running).toBe(true);
    await waitFor(async () => (await tenantApi(sim as MirtaSimulator, { reqtype: 'CHANNELS' })).text !== '');
    await sim.close();
    expect(driver.running).toBe(false);
    const version = sim.model.version;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sim.model.version).toBe(version);
    sim = undefined;
  });

  it('adopts calls it did not start (a DIAL) and ends them after a while', async () => {
    sim = await startSim();
    await tenantApi(sim, { reqtype: 'DIAL', source: '100', dest: '101' });
    await waitFor(() => sim?.model.channels().filter((c) => c.state === 'Up').length === 2);
    const driver = sim.scenario({ seed: 1, callRate: 0, talkTicks: [1, 2] });
    for (let i = 0; i < 5; i++) driver.tick();
    expect(sim.model.channels()).toHaveLength(0);
  });
});
