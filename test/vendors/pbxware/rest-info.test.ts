/**
 * A whole bridge with a PBXware source: the package limits are served read-only at
 * GET /v1/tenants/{tenant}/sources/{id}, per tenant, without the key; `hello`-style facts
 * (no commands) come with them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../../src/bridge.js';
import { parseConfig } from '../../../src/config/load.js';
import { startPbxwareSimulator, type PbxwareSimulator } from '../../../src/simulators/pbxware/index.js';
import { captureLogger } from '../../support/log-capture.js';
import { waitFor } from '../../support/wait-for.js';
import { WAIT } from './harness.js';

const TOKENS = {
  acme: 'pbx-acme-reader-token-0123456789',
  globex: 'pbx-globex-reader-token-0123456789',
  acmeNoRead: 'pbx-acme-commands-token-0123456789',
} as const;

const logs = captureLogger();
let sim: PbxwareSimulator;
let bridge: Bridge;

beforeAll(async () => {
  sim = await startPbxwareSimulator();
  const config = parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: {
      tokens: [
        { token: TOKENS.acme, tenants: ['acme'], scopes: ['events:read'] },
        { token: TOKENS.globex, tenants: ['globex'], scopes: ['events:read'] },
        { token: TOKENS.acmeNoRead, tenants: ['acme'], scopes: ['commands:call'] },
      ],
    },
    sources: [
      {
        id: 'pbxware-main',
        vendor: 'pbxware',
        url: sim.url,
        apiKey: sim.apiKey,
        tenants: { acme: 2, globex: '3' },
        poll: { extensions: '100ms', cdr: '100ms', packages: '200ms' },
        limits: { timeout: '2s', perSecond: 100 },
      },
    ],
  });
  bridge = await startBridge(config, { logger: logs.logger });
});
afterAll(async () => {
  await bridge?.close();
  await sim?.close();
});

const get = async (path: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(`${bridge.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('GET /v1/tenants/{tenant}/sources/{id} with a PBXware source', () => {
  it("shows the tenant's package and limits, and nothing of another tenant", async () => {
    await waitFor(async () => {
      const { body } = await get('/v1/tenants/acme/sources/pbxware-main', TOKENS.acme);
      return body.status === 'up' && (body.info as { checkedAt?: string } | undefined)?.checkedAt !== undefined;
    }, WAIT);
    const { status, body } = await get('/v1/tenants/acme/sources/pbxware-main', TOKENS.acme);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      id: 'pbxware-main',
      vendor: 'pbxware',
      status: 'up',
      topics: ['extensions', 'calls'],
      commands: [],
      info: {
        serverId: '2',
        known: true,
        name: 'acme.pbx.example',
        tenantCode: '344',
        package: { id: '1', name: 'Package 1', limits: { extensions: 100, voicemails: 100, queues: 10, conferences: 10, ringGroups: 10, hotDesking: 100, ivrs: 5 } },
      },
    });
    const text = JSON.stringify(body);
    expect(text).not.toContain('globex');
    expect(text).not.toContain(sim.apiKey);
    const globex = await get('/v1/tenants/globex/sources/pbxware-main', TOKENS.globex);
    expect(globex.body).toMatchObject({ info: { serverId: '3', package: { id: '2', name: 'Package 2', limits: { extensions: 50 } } } });
  });

  it('refuses another tenant (forbidden), an unknown source (not_found) and a token without events:read', async () => {
    expect(await get('/v1/tenants/globex/sources/pbxware-main', TOKENS.acme)).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden' } } });
    expect(await get('/v1/tenants/acme/sources/nope', TOKENS.acme)).toMatchObject({ status: 404, body: { ok: false, error: { code: 'not_found' } } });
    expect(await get('/v1/tenants/acme/sources/pbxware-main', TOKENS.acmeNoRead)).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const anonymous = await fetch(`${bridge.url}/v1/tenants/acme/sources/pbxware-main`);
    expect(anonymous.status).toBe(401);
  });

  it('extensions reach the tenant state over REST; the key is in no log line', async () => {
    await waitFor(async () => {
      const { body } = await get('/v1/tenants/acme/state?topics=extensions', TOKENS.acme);
      return ((body.snapshot as { extensions?: unknown[] }).extensions ?? []).length === 3;
    }, WAIT);
    expect(logs.text()).not.toContain(sim.apiKey);
  });
});
