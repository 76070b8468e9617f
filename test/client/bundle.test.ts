/**
 * `GET /client.js`: the SDK as one browser ES module. It is served with the right headers, holds
 * no bare import and none of zod, loads as a module exporting `connect`, and works in Chromium
 * against a real bridge.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS as PROTOCOL_TOPICS } from '../../src/protocol/entities.js';
import { CLIENT_BUNDLE_PATH, registerClientBundleRoute } from '../../src/server/client-bundle.js';
import { chromiumAvailable, launchChromium } from '../support/chromium.js';
import { E2E_TOKENS, startTestBridge } from '../support/test-bridge.js';

const browserReady = chromiumAvailable('client bundle');
/** socket.io-client and the SDK, minified, are about 60 KB; zod alone would double that. */
const MAX_BUNDLE_BYTES = 100 * 1024;
/** Mirrors flows and agents, sets a flow, waits to see it in the mirror. The token comes in as an argument. */
const PAGE = `<!doctype html><title>client</title>
<script type="module">
import { connect } from '/client.js';
window.runClient = async (bridge, token) => {
  const cb = connect(bridge, { token, tenants: ['demo'], topics: ['flows', 'agents'] });
  await cb.ready();
  const result = await cb.command('flow.set', { number: '702', state: 'INUSE' });
  const started = Date.now();
  while (cb.state.flows.get('702')?.state !== 'INUSE' && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 20));
  const out = { state: cb.status.state, agents: cb.state.agents.size, flow: cb.state.flows.get('702')?.state, result };
  cb.close();
  return out;
};
</script>`;

interface PageResult {
  state: string;
  agents: number;
  flow: string | undefined;
  result: unknown;
}

describe('GET /client.js', () => {
  let fastify: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    fastify = Fastify();
    registerClientBundleRoute(fastify);
    // A page that imports the bundle the way a wallboard would.
    fastify.get('/', async (_request, reply) => reply.type('text/html').send(PAGE));
    url = await fastify.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await fastify.close();
  });

  it('serves one cacheable, importable module of modest size, without zod and without bare imports', async () => {
    const response = await fastify.inject({ method: 'GET', url: CLIENT_BUNDLE_PATH });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(response.headers['access-control-allow-origin']).toBe('*');
    const etag = String(response.headers.etag);
    expect(etag).toMatch(/^"[\w-]+"$/);
    const code = response.body;
    expect(code.length).toBeLessThan(MAX_BUNDLE_BYTES);
    expect(code).not.toMatch(/ZodError|\$ZodType/);
    expect(code).not.toMatch(/\bfrom\s*["'][^"']+["']|\bimport\s*\(\s*["']/);

    const again = await fastify.inject({ method: 'GET', url: CLIENT_BUNDLE_PATH, headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');

    const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Record<string, unknown>;
    expect(typeof module.connect).toBe('function');
    expect(typeof module.CallbridgeError).toBe('function');
    expect(module.TOPICS).toEqual(PROTOCOL_TOPICS);
  });

  it.skipIf(!browserReady)('mirrors the bridge and sends a command from a browser page', async () => {
    const t = await startTestBridge();
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url);
      const seen = await page.evaluate(
        ({ bridge, token }) => (window as unknown as { runClient: (b: string, t: string) => Promise<PageResult> }).runClient(bridge, token),
        { bridge: t.url, token: E2E_TOKENS.admin },
      );
      expect(seen).toMatchObject({ state: 'live', flow: 'INUSE', result: expect.any(Object) });
      expect(seen.agents).toBeGreaterThan(0);
      expect(t.sim.requests.last('SETFLOW')?.query).toMatchObject({ number: '702', state: 'INUSE' });
    } finally {
      await browser.close();
      await t.close();
    }
  });
});
