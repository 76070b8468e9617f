/** The demo's scenario driver: calls come and go, phones flap, the same way for the same seed. */
import { afterEach, describe, expect, it } from 'vitest';
import { seededRandom, startThreeCxSimulator, type SimNotification, type ThreeCxSimulator } from '../../../src/simulators/threecx/index.js';
import { waitFor } from '../../support/wait-for.js';

let sims: ThreeCxSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((sim) => sim.close()));
  sims = [];
});

async function run(seed: number, ticks: number): Promise<{ sim: ThreeCxSimulator; notifications: SimNotification[]; maxCalls: number }> {
  const sim = await startThreeCxSimulator();
  sims.push(sim);
  const notifications: SimNotification[] = [];
  sim.model.onNotification((n) => notifications.push(n));
  const scenario = sim.scenario({ seed, maxCalls: 3 });
  let maxCalls = 0;
  for (let i = 0; i < ticks; i++) {
    scenario.tick();
    maxCalls = Math.max(maxCalls, new Set(sim.model.participants().map((p) => p.callid)).size);
  }
  return { sim, notifications, maxCalls };
}

describe('3cx scenario driver', () => {
  it('is deterministic for a seed and exercises the whole call life cycle', async () => {
    const first = await run(7, 200);
    const second = await run(7, 200);
    expect(second.notifications).toEqual(first.notifications);
    const upserts = first.notifications.filter((n) => n.event_type === 0 && n.entity.includes('/participants/'));
    const removes = first.notifications.filter((n) => n.event_type === 1 && n.entity.includes('/participants/'));
    expect(upserts.length).toBeGreaterThan(10);
    expect(removes.length).toBeGreaterThan(5);
    expect(first.notifications.some((n) => n.entity.includes('/devices/'))).toBe(true);
    expect(first.maxCalls).toBeLessThanOrEqual(3);
    // Every extension with a phone can still place calls: a DN never loses its last device.
    for (const dn of ['100', '101', '102', '103']) expect(first.sim.model.dns.get(dn)!.devices.size).toBeGreaterThan(0);
    expect(seededRandom(1)()).toBe(seededRandom(1)());
  });

  it('runs on its own timer until stopped', async () => {
    const sim = await startThreeCxSimulator();
    sims.push(sim);
    const scenario = sim.scenario({ seed: 3, tickMs: 5 });
    let notifications = 0;
    sim.model.onNotification(() => notifications++);
    scenario.start();
    expect(scenario.running).toBe(true);
    await waitFor(() => notifications > 20);
    scenario.stop();
    expect(scenario.running).toBe(false);
    const after = notifications;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(notifications).toBe(after);
  });
});
