/**
 * A config reload (SIGHUP, `bridge.reloadAuth`) applies the new `auth` section to live
 * connections: a static token removed from the file is cut off (socket and SSE), one whose
 * tenants shrank loses those subscriptions, and tokens that stay keep working untouched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from '../../src/bridge.js';
import { parseConfig } from '../../src/config/load.js';
import { connectClient, type BridgeClient } from '../support/bridge-client.js';
import { captureLogger } from '../support/log-capture.js';
import { waitFor } from '../support/wait-for.js';

const KEPT = 'reload-kept-token-0123456789';
const REMOVED = 'reload-removed-token-0123456789';
const SHRUNK = 'reload-shrunk-token-0123456789';

function config(tokens: { token: string; name: string; tenants: string[] }[]) {
  return parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    auth: { tokens: tokens.map((entry) => ({ ...entry, scopes: ['events:read'] })) },
  });
}

describe('reloading the auth section', () => {
  let bridge: Bridge | undefined;
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await bridge?.close();
  });

  it('cuts off removed tokens, narrows changed ones, and leaves the others alone', async () => {
    bridge = await startBridge(
      config([
        { token: KEPT, name: 'kept', tenants: ['acme'] },
        { token: REMOVED, name: 'removed', tenants: ['acme'] },
        { token: SHRUNK, name: 'shrunk', tenants: ['acme', 'globex'] },
      ]),
      { logger: captureLogger('warn').logger },
    );
    const kept = await connectClient(bridge.url, KEPT);
    const removed = await connectClient(bridge.url, REMOVED);
    const shrunk = await connectClient(bridge.url, SHRUNK);
    clients.push(kept, removed, shrunk);
    for (const client of [kept, removed, shrunk]) expect(await client.call('subscribe', { tenant: 'acme' })).toMatchObject({ ok: true });
    expect(await shrunk.call('subscribe', { tenant: 'globex' })).toMatchObject({ ok: true });
    const expired: unknown[] = [];
    removed.socket.on('auth.expired', (notice: unknown) => expired.push(notice));
    const hellos: { tenants: string[] }[] = [];
    shrunk.socket.on('hello', (hello: { tenants: string[] }) => hellos.push(hello));
    const sse = await fetch(`${bridge.url}/v1/tenants/acme/events`, { headers: { authorization: `Bearer ${REMOVED}` } });
    expect(sse.status).toBe(200);

    const result = bridge.reloadAuth(
      config([
        { token: KEPT, name: 'kept', tenants: ['acme'] },
        { token: SHRUNK, name: 'shrunk', tenants: ['acme'] },
      ]),
    );
    expect(result).toEqual({ revoked: 1, updated: 1, streamsClosed: 1 });

    await waitFor(() => !removed.socket.connected, { timeout: 5_000, message: 'the removed token kept its socket' });
    expect(expired).toEqual([{ code: 'unauthorized', message: 'token revoked', retryable: false }]);
    // Its SSE stream ended too (reading it to the end is the proof).
    await sse.text();
    // The removed token no longer opens anything.
    expect((await fetch(`${bridge.url}/v1/tenants/acme/state`, { headers: { authorization: `Bearer ${REMOVED}` } })).status).toBe(401);

    await waitFor(() => hellos.length > 0, { timeout: 5_000 });
    expect(hellos.at(-1)?.tenants).toEqual(['acme']);
    expect(shrunk.socket.connected).toBe(true);
    expect(await shrunk.call('subscribe', { tenant: 'globex' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(kept.socket.connected).toBe(true);
    expect(await kept.call('subscribe', { tenant: 'acme', topics: ['peers'] })).toMatchObject({ ok: true });
  });
});
