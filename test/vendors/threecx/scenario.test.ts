/**
 * The demo's busy PBX through the real source: calls coming and going, phones flapping, a
 * socket cut in the middle. When the PBX goes quiet the bus holds exactly what 3CX holds, and
 * no call was announced or hung up twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../support/wait-for.js';
import { startHarness, typesOf, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('3cx source under the demo scenario', () => {
  it('converges on the simulator’s state, each call created and hung up at most once', async () => {
    h = await startHarness();
    await h.ready();
    const scenario = h.sim.scenario({ seed: 11, tickMs: 15, maxCalls: 4 });
    scenario.start();
    await sleep(700);
    h.sim.dropSockets();
    await sleep(700);
    scenario.stop();
    await waitFor(
      async () => {
        await h!.source.settled();
        const keys = [...(await h!.channels()).keys()].sort();
        return h!.source.status === 'up' && JSON.stringify(keys) === JSON.stringify([...h!.liveKeys()].sort());
      },
      { timeout: 10_000, message: 'channels never matched the simulator' },
    );
    const devices = [...h.sim.model.dns.values()].flatMap((dn) => [dn.dn, ...[...dn.devices.keys()].map((id) => `${dn.dn}/${id}`)]).sort();
    await waitFor(async () => JSON.stringify([...(await h!.peers()).keys()].sort()) === JSON.stringify(devices));
    const keys = new Set(h.events.events.filter((e) => e.topic === 'channels').map((e) => e.key));
    expect(keys.size).toBeGreaterThan(5);
    for (const key of keys) {
      const types = typesOf(h.events.events, key);
      expect(types.filter((t) => t === 'channel.created').length).toBe(1);
      expect(types.filter((t) => t === 'channel.hungup').length).toBeLessThanOrEqual(1);
    }
  });
});
