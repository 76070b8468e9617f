import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_ERROR_BODY } from '../../../src/simulators/mirta/index.js';
import type { MirtaSimulator } from '../../../src/simulators/mirta/index.js';
import { adminApi, api, startSim, tenantApi } from './harness.js';

const JSON_TYPE = 'application/json';
const HTML_TYPE = 'text/html; charset=UTF-8';

describe('MiRTA simulator: keys and auth errors', () => {
  let sim: MirtaSimulator;
  afterEach(() => sim?.close());

  it('answers a bad key with HTTP 200 and the auth text, Content-Type following format', async () => {
    sim = await startSim();
    const asJson = await api(sim, { reqtype: 'PEERS', key: 'nope', format: 'json' });
    expect(asJson).toMatchObject({ status: 200, contentType: JSON_TYPE, text: AUTH_ERROR_BODY });
    expect(Buffer.byteLength(asJson.text)).toBe(46);
    const plain = await api(sim, { reqtype: 'PEERS', key: 'nope' });
    expect(plain).toMatchObject({ status: 200, contentType: HTML_TYPE, text: AUTH_ERROR_BODY });
    const noKey = await api(sim, { reqtype: 'PEERS' });
    expect(noKey.text).toBe(AUTH_ERROR_BODY);
  });

  it('refuses a tenant key without tenant, with another tenant, and an admin key with an unknown tenant', async () => {
    sim = await startSim();
    const demoKey = sim.keys.tenants.DEMO?.rw ?? '';
    expect((await api(sim, { reqtype: 'BLFS', key: demoKey })).text).toBe(AUTH_ERROR_BODY);
    expect((await api(sim, { reqtype: 'BLFS', key: demoKey, tenant: 'GLOBEX' })).text).toBe(AUTH_ERROR_BODY);
    expect((await adminApi(sim, { reqtype: 'BLFS', tenant: 'NOSUCH' })).text).toBe(AUTH_ERROR_BODY);
    // BLFS needs a tenant even with the admin key; PEERS does not.
    expect((await adminApi(sim, { reqtype: 'BLFS' })).text).toBe(AUTH_ERROR_BODY);
    expect((await adminApi(sim, { reqtype: 'PEERS' })).text).toContain('100-DEMO/100-DEMO');
  });

  it('lets a read-only key read but refuses it DIAL, and nothing is dialled', async () => {
    sim = await startSim();
    const read = await tenantApi(sim, { reqtype: 'FLOWS', format: 'json' }, 'DEMO', 'ro');
    expect(read.text.startsWith('[')).toBe(true);
    const dial = await tenantApi(sim, { reqtype: 'DIAL', source: '100', dest: '101', format: 'json' }, 'DEMO', 'ro');
    expect(dial).toMatchObject({ status: 200, contentType: JSON_TYPE, text: AUTH_ERROR_BODY });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(sim.model.channels()).toHaveLength(0);
  });

  it('refuses read-only keys on AGENT pause but not on LISTQUEUES', async () => {
    sim = await startSim();
    const pause = await tenantApi(sim, { reqtype: 'AGENT', action: 'pause', queue: '281', extension: '101' }, 'DEMO', 'ro');
    expect(pause.text).toBe(AUTH_ERROR_BODY);
    const list = await tenantApi(sim, { reqtype: 'AGENT', action: 'LISTQUEUES' }, 'DEMO', 'ro');
    expect(list.text).toBe('No extension specified');
  });

  it('answers COUNTCHANNELS with a tenant key by `Wrong or missing tenant`, and counts with the admin key', async () => {
    sim = await startSim();
    const tenantKey = await tenantApi(sim, { reqtype: 'COUNTCHANNELS' });
    expect(tenantKey).toMatchObject({ status: 200, text: 'Wrong or missing tenant' });
    sim.model.startCall({ tenant: 'DEMO', from: '100', to: '101' });
    const admin = await adminApi(sim, { reqtype: 'COUNTCHANNELS', format: 'json' });
    expect(JSON.parse(admin.text)).toEqual({ pbx21: 2, pbx22: 0, total: 2 });
    const node = await adminApi(sim, { reqtype: 'COUNTCHANNELS', nodename: 'pbx22' });
    expect(node.text).toBe('pbx22:0|total:0|');
  });

  it('uses the given keys and keeps random ones apart between simulators', async () => {
    sim = await startSim({ keys: { admin: 'admin-key', tenants: { DEMO: { rw: 'demo-rw' } } } });
    const other = await startSim();
    try {
      expect(sim.keys.admin).toBe('admin-key');
      expect(sim.keys.tenants.DEMO?.rw).toBe('demo-rw');
      expect(sim.keys.tenants.DEMO?.ro).toMatch(/^[0-9a-f]{32}$/);
      expect(other.keys.admin).not.toBe(sim.keys.admin);
      expect((await api(sim, { reqtype: 'PEERS', key: other.keys.admin })).text).toBe(AUTH_ERROR_BODY);
    } finally {
      await other.close();
    }
  });
});
