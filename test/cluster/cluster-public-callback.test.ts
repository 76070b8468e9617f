/**
 * The public click-to-call route's abuse limits in a cluster: the counters are in Redis, so a
 * visitor (or a called number) cannot multiply its limit by the number of nodes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWebAppelSimulator, type WebAppelSimulator } from '../../src/simulators/webappel/index.js';
import { postCallback, PAGE_ORIGIN } from '../public-callback/harness.js';
import { redisAvailable } from '../support/redis-server.js';
import { useClusterRig, type ClusterNodeHandle } from './support/cluster-rig.js';

const redisReady = redisAvailable('cluster public callback');
const FROM = { 'x-forwarded-for': '203.0.113.77' };

describe.skipIf(!redisReady)('cluster: public callback limits', () => {
  const rig = useClusterRig();
  let sim: WebAppelSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('counts one visitor and one number across every node', async () => {
    sim = await startWebAppelSimulator({ timings: { callingAfterMs: 50, connectedAfterMs: 100, endedAfterMs: 300 } });
    const nodes = await rig.startMany(3, {
      listen: { host: '127.0.0.1', port: 0, trustProxy: true },
      auth: { tokens: [{ token: 'cluster-admin-token-0123456789abcdef', tenants: ['acme'], scopes: ['*'] }] },
      sources: [{ id: 'webappel', vendor: 'webappel', url: sim.url, email: sim.email, pass: sim.pass, tenant: 'acme', popups: [77], poll: '50ms' }],
      widgets: [
        {
          key: 'w_acme_site',
          tenant: 'acme',
          source: 'webappel',
          popup: 77,
          country: 'FR',
          numbers: ['^33[1-7][0-9]{8}$'],
          origins: [PAGE_ORIGIN],
          limits: { perIp: '4/10m', perNumber: '2/1h' },
        },
      ],
    });
    const node = (i: number) => (nodes[i % nodes.length] as ClusterNodeHandle).bridge.url;
    // Per number: two callbacks anywhere, the third refused on yet another node.
    const number = '01 70 20 55 55';
    const first = await postCallback(node(0), { widgetKey: 'w_acme_site', number }, { headers: { 'x-forwarded-for': '198.51.100.1' } });
    const second = await postCallback(node(1), { widgetKey: 'w_acme_site', number }, { headers: { 'x-forwarded-for': '198.51.100.2' } });
    const third = await postCallback(node(2), { widgetKey: 'w_acme_site', number }, { headers: { 'x-forwarded-for': '198.51.100.3' } });
    expect([first.status, second.status, third.status]).toEqual([202, 202, 429]);

    // Per address: four requests in all, spread over the nodes; the fifth is refused.
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await postCallback(node(i), { widgetKey: 'w_acme_site', number: 'nope' }, { headers: FROM })).status);
    expect(codes).toEqual([400, 400, 400, 400, 429]);
  }, 30_000);
});
