import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { adminApi, startSim, tenantApi } from './harness.js';

describe('MiRTA simulator: request log', () => {
  let sim: MirtaSimulator;
  afterEach(() => sim?.close());

  it('records every request with its query as a plain object, counts per reqtype, and clears', async () => {
    let now = 1_700_000_000_000;
    sim = await startSim({ clock: () => now });
    await adminApi(sim, { reqtype: 'PEERS', format: 'json' });
    now += 500;
    await tenantApi(sim, { reqtype: 'CHANNELS', nodename: 'pbx21', format: 'json' });
    await tenantApi(sim, { reqtype: 'channels', format: 'json' });
    // Faulted and refused requests are logged too.
    sim.faults.arm({ kind: 'http500' });
    await tenantApi(sim, { reqtype: 'BLFS' });
    expect(sim.requests.count()).toBe(4);
    expect(sim.requests.count('CHANNELS')).toBe(2);
    expect(sim.requests.count('blfs')).toBe(1);
    const first = sim.requests.entries[0];
    expect(first).toEqual({
      at: 1_700_000_000_000,
      method: 'GET',
      path: '/pbx/proxyapi.php',
      query: { key: sim.keys.admin, reqtype: 'PEERS', format: 'json' },
      body: '',
      reqtype: 'PEERS',
    });
    expect(sim.requests.last('CHANNELS')?.query.nodename).toBeUndefined();
    expect(sim.requests.filter('CHANNELS')[0]?.query).toMatchObject({ nodename: 'pbx21', tenant: 'DEMO' });
    expect(sim.requests.filter('CHANNELS')[0]?.at).toBe(1_700_000_000_500);
    sim.requests.clear();
    expect(sim.requests.count()).toBe(0);
  });

  it('records POST form bodies and reads form fields as parameters', async () => {
    sim = await startSim();
    const keys = sim.keys.tenants.DEMO;
    const form = new URLSearchParams({ jsondata: JSON.stringify({ name: 'x' }), info: 'queues' }).toString();
    const res = await request(`${sim.url}?reqtype=INFO&tenant=DEMO&key=${keys?.rw ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(await res.body.text()).toBe('281: Sales|282: Support, Level 1|');
    const logged = sim.requests.last('INFO');
    expect(logged).toMatchObject({ method: 'POST', body: form, query: { reqtype: 'INFO', tenant: 'DEMO' } });
    expect(logged?.query.info).toBeUndefined();
  });
});
