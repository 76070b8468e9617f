/** The demo's scenario driver: calls come and go, agents pause, the same way for the same seed. */
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom, startKazooSimulator, type KazooSimulator } from '../../../src/simulators/kazoo/index.js';
import { waitFor } from '../../support/wait-for.js';

let sims: KazooSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((sim) => sim.close()));
  sims = [];
});

async function run(seed: number, ticks: number): Promise<string[]> {
  const sim = await startKazooSimulator();
  sims.push(sim);
  const names: string[] = [];
  sim.model.onEvent((e) => names.push(e.name));
  const scenario = sim.scenario({ seed, maxCalls: 3 });
  for (let i = 0; i < ticks; i++) scenario.tick();
  return names;
}

describe('kazoo scenario driver', () => {
  it('is deterministic for a seed and exercises the whole call life cycle', async () => {
    const first = await run(7, 120);
    const second = await run(7, 120);
    expect(second).toEqual(first);
    for (const name of ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_HOLD', 'CHANNEL_DESTROY']) expect(first).toContain(name);
    const sim = sims[0] as KazooSimulator;
    expect(sim.model.legsOf(sim.accountId).filter((leg) => leg.direction === 'inbound').length).toBeLessThanOrEqual(3);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  it('runs on its own timer until stopped, pausing agents too', async () => {
    const sim = await startKazooSimulator();
    sims.push(sim);
    const scenario = sim.scenario({ seed: 3, tickMs: 5 });
    const paused = new Set<string>();
    let events = 0;
    sim.model.onEvent(() => events++);
    scenario.start();
    expect(scenario.running).toBe(true);
    await waitFor(() => {
      for (const user of sim.model.agentsOf(sim.accountId)) if (user.status === 'paused') paused.add(user.id);
      return events > 20 && paused.size > 0;
    });
    scenario.stop();
    expect(scenario.running).toBe(false);
    const after = events;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(events).toBe(after);
  });
});
