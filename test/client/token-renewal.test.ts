/**
 * The SDK and short-lived tokens (issue 11): renewal in-band on `auth.expiring` (with
 * `renewToken` or the token provider), `renew()` by hand, the `auth_expiring` / `auth_expired`
 * events, and no reconnection storm with a token that is known to be dead.
 */
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type AuthExpiringInfo, type CallbridgeClient, type CallbridgeError, type ClientStatus, type ConnectOptions, type Hello, type SnapshotInfo } from '../../src/client/index.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { JWT_SECRET, blf, fakeSource, startServer, type Harness } from '../server/harness.js';

const key = new TextEncoder().encode(JWT_SECRET);
const QUICK = { reconnectDelayMs: 30, reconnectDelayMaxMs: 100 } as const;

function jwt(tenants: string[], seconds: number, subject = 'agent-7'): Promise<string> {
  return new SignJWT({ tenants, scopes: ['*'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(key);
}
const expOf = (token: string): number => (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number }).exp * 1000;

interface Seen {
  log: string[];
  hellos: Hello[];
  snapshots: SnapshotInfo[];
  errors: CallbridgeError[];
  expiring: AuthExpiringInfo[];
  statuses: ClientStatus[];
  /** Forgets what the connection's start produced. */
  reset(): void;
}

/** Everything a client told its application, in order. */
function record(cb: CallbridgeClient): Seen {
  const out: Seen = {
    log: [],
    hellos: [],
    snapshots: [],
    errors: [],
    expiring: [],
    statuses: [],
    reset() {
      for (const list of [out.log, out.hellos, out.snapshots, out.errors, out.expiring, out.statuses]) list.length = 0;
    },
  };
  cb.on('hello', (hello) => (out.hellos.push(hello), out.log.push('hello')));
  cb.on('snapshot', (info) => out.snapshots.push(info));
  cb.on('error', (error) => (out.errors.push(error), out.log.push(`error:${error.code}`)));
  cb.on('auth_expiring', (info) => (out.expiring.push(info), out.log.push('auth_expiring')));
  cb.on('auth_expired', (error) => out.log.push(`auth_expired:${error.code}`));
  cb.on('status', (status) => out.statuses.push(status));
  return out;
}

describe('client token renewal', () => {
  let h: Harness;
  let handshakes = 0;
  const clients: CallbridgeClient[] = [];
  beforeAll(async () => {
    h = await startServer({ sources: [fakeSource('pbx-1', ['acme', 'globex'])] });
    h.server.io.engine.on('connection', () => (handshakes += 1));
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => h.close());
  const open = (options: ConnectOptions): CallbridgeClient => {
    const client = connect(h.url, { ...QUICK, ...options });
    clients.push(client);
    return client;
  };

  it('renews in-band with renewToken: the connection and the mirror live past the old exp', async () => {
    const first = await jwt(['acme'], 3);
    let asked = 0;
    const cb = open({
      token: first,
      renewToken: async () => {
        asked += 1;
        return jwt(['acme'], 3600);
      },
      tenants: ['acme'],
      topics: ['blfs'],
    });
    const seen = record(cb);
    await cb.ready();
    seen.reset();
    const before = handshakes;

    await waitFor(() => seen.hellos.length === 1, { timeout: 8_000, message: 'no hello after the renewal' });
    expect(asked).toBe(1);
    expect(seen.expiring).toEqual([{ expiresAt: new Date(expOf(first)).toISOString() }]);
    expect(seen.log).toEqual(['auth_expiring', 'hello']);

    await sleep(expOf(first) - Date.now() + 1_000);
    expect(cb.status.state).toBe('live');
    await h.publish('acme', [blf('610')]);
    await waitFor(() => cb.state.blfs.get('610') !== undefined);
    // Same connection, same subscription: no new handshake, no second snapshot.
    expect(handshakes).toBe(before);
    expect(seen.snapshots).toHaveLength(0);
    expect(seen.log).toEqual(['auth_expiring', 'hello']);
  });

  it('renews with the token provider by default, without a renewal storm for short tokens', async () => {
    let asked = 0;
    const cb = open({
      token: async () => {
        asked += 1;
        return jwt(['acme'], 3);
      },
      tenants: ['acme'],
      topics: ['blfs'],
    });
    const seen = record(cb);
    await cb.ready();
    seen.reset();
    const before = handshakes;
    await sleep(6_000);
    // Renewed at half of each token's remaining life: a few times, not in a loop; never reconnected.
    expect(cb.status.state).toBe('live');
    expect(seen.expiring.length).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThan(15);
    expect(handshakes).toBe(before);
    expect(seen.log.filter((entry) => entry.startsWith('auth_expired'))).toEqual([]);
  });

  it('renew(): drops the tenants the new token lacks, and later reconnections use the new token', async () => {
    const cb = open({ token: await jwt(['acme', 'globex'], 3600), tenants: ['acme', 'globex'], topics: ['blfs'] });
    const seen = record(cb);
    await cb.ready();
    seen.reset();

    const renewed = await jwt(['acme'], 3600, 'agent-8');
    const result = await cb.renew(renewed);
    expect(result).toEqual({ expiresAt: new Date(expOf(renewed)).toISOString(), dropped: [{ tenant: 'globex', topics: ['blfs', 'sources'] }] });
    expect(seen.errors.map((error) => error.code)).toEqual(['forbidden']);
    expect(cb.tenant('globex').live).toBe(false);
    await waitFor(() => cb.hello?.tenants.join() === 'acme');

    await h.publish('acme', [blf('620')]);
    await waitFor(() => cb.state.blfs.get('620') !== undefined);

    // A refused token is an error for the caller only: the connection goes on.
    await expect(cb.renew('not-a-valid-token-000000000')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(cb.status.state).toBe('live');

    // Cut the connection: the SDK comes back with the renewed token (acme only), not the first.
    const hellos = seen.hellos.length;
    for (const socket of h.server.io.of('/v1').sockets.values()) socket.conn.close();
    await waitFor(() => seen.hellos.length > hellos && cb.status.state === 'live', { timeout: 5_000 });
    expect(cb.hello?.tenants).toEqual(['acme']);
  });

  it('after auth.expired, a fixed token is not retried: offline until setToken()', async () => {
    const token = await jwt(['acme'], 2);
    const cb = open({ token, tenants: ['acme'], topics: ['blfs'] });
    const seen = record(cb);
    await cb.ready();
    seen.reset();

    await waitFor(() => cb.status.state === 'offline', { timeout: expOf(token) - Date.now() + 5_000 });
    expect(seen.log).toEqual(['auth_expiring', 'auth_expired:unauthorized']);
    expect(cb.status).toMatchObject({ state: 'offline', reason: 'unauthorized', retrying: false });
    await expect(cb.ready()).rejects.toMatchObject({ code: 'unauthorized' });
    // Not one reconnection attempt with the dead token (the delay would allow dozens).
    const after = handshakes;
    await sleep(1_000);
    expect(handshakes).toBe(after);

    cb.setToken(await jwt(['acme'], 3600));
    await cb.ready();
    await h.publish('acme', [blf('630')]);
    await waitFor(() => cb.state.blfs.get('630') !== undefined);
  });

  it('reports a failing renewToken as an error and reconnects through the provider at exp', async () => {
    let calls = 0;
    const cb = open({
      token: async () => {
        calls += 1;
        return jwt(['acme'], calls === 1 ? 2 : 3600);
      },
      renewToken: async () => {
        throw new Error('the identity provider is down (secret-detail)');
      },
      tenants: ['acme'],
      topics: ['blfs'],
    });
    const seen = record(cb);
    await cb.ready();
    await waitFor(() => seen.errors.length === 1, { timeout: 5_000 });
    expect(seen.errors[0]?.code).toBe('unauthorized');
    expect(seen.errors[0]?.message).not.toContain('secret-detail');
    // The token expires; the provider gives a fresh one for the reconnection.
    await waitFor(() => seen.log.includes('auth_expired:unauthorized'), { timeout: 5_000 });
    await waitFor(() => calls >= 2 && cb.status.state === 'live', { timeout: 5_000 });
  });
});
