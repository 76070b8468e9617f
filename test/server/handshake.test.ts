/** Handshake (protocol §1) and `hello` (protocol §3). */
import { SignJWT } from 'jose';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, connectError } from '../support/bridge-client.js';
import { waitFor } from '../support/wait-for.js';
import { JWT_SECRET, TOKENS, fakeSource, startServer, type Harness } from './harness.js';

const key = new TextEncoder().encode(JWT_SECRET);

async function jwt(claims: Record<string, unknown>, options: { exp?: number | string; secret?: Uint8Array; alg?: string } = {}): Promise<string> {
  const builder = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setSubject('alice');
  if (options.exp !== undefined) builder.setExpirationTime(options.exp);
  return builder.sign(options.secret ?? key);
}

describe('handshake', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startServer({
      sources: [fakeSource('pbx-1', ['acme', 'globex']), fakeSource('pbx-2', ['globex'], 'down', ['channels'])],
    });
  });
  afterAll(() => h.close());

  it('accepts a static token and sends hello for its tenants only', async () => {
    const client = await connectClient(h.url, TOKENS.acme);
    try {
      expect(client.hello).toEqual({
        protocol: 1,
        tenants: ['acme'],
        scopes: ['events:read'],
        sources: [{ id: 'pbx-1', vendor: 'mirta', tenant: 'acme', topics: ['blfs', 'queues'], commands: ['dial', 'hangup'] }],
      });
    } finally {
      client.close();
    }
  });

  it('lists one hello entry per source and tenant', async () => {
    const client = await connectClient(h.url, TOKENS.admin);
    try {
      expect(client.hello.tenants).toEqual(['acme', 'globex']);
      expect(client.hello.sources.map((s) => `${s.id}/${s.tenant}`)).toEqual(['pbx-1/acme', 'pbx-1/globex', 'pbx-2/globex']);
    } finally {
      client.close();
    }
  });

  it('accepts a JWT with tenants, scopes and exp', async () => {
    const token = await jwt({ tenants: ['globex'], scopes: ['events:read', 'commands:call'] }, { exp: '1h' });
    const client = await connectClient(h.url, token);
    try {
      expect(client.hello.tenants).toEqual(['globex']);
      expect(client.hello.scopes).toEqual(['commands:call', 'events:read']);
      expect(client.hello.sources.map((s) => s.id)).toEqual(['pbx-1', 'pbx-2']);
    } finally {
      client.close();
    }
  });

  const now = Math.floor(Date.now() / 1000);
  const bad: Array<[string, () => Promise<Record<string, unknown> | undefined>]> = [
    ['no auth at all', async () => undefined],
    ['an empty auth object', async () => ({})],
    ['a non-string token', async () => ({ token: 12345 })],
    ['an unknown static token', async () => ({ token: 'static-acme-token-012345678X' })],
    ['a 60 KB token', async () => ({ token: 'a'.repeat(60_000) })],
    ['a malformed JWT', async () => ({ token: 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln' })],
    ['an expired JWT', async () => ({ token: await jwt({ tenants: ['acme'], scopes: ['*'] }, { exp: now - 10 }) })],
    ['a JWT without exp', async () => ({ token: await jwt({ tenants: ['acme'], scopes: ['*'] }) })],
    ['a JWT signed with another secret', async () => ({ token: await jwt({ tenants: ['acme'], scopes: ['*'] }, { exp: '1h', secret: new TextEncoder().encode('x'.repeat(40)) }) })],
    ['a JWT with malformed tenants', async () => ({ token: await jwt({ tenants: 'acme', scopes: ['*'] }, { exp: '1h' }) })],
    ['a JWT with an unknown scope', async () => ({ token: await jwt({ tenants: ['acme'], scopes: ['root'] }, { exp: '1h' }) })],
    ['a JWT with HS512', async () => ({ token: await jwt({ tenants: ['acme'], scopes: ['*'] }, { exp: '1h', alg: 'HS512' }) })],
  ];
  it.each(bad)('refuses %s with connect_error "unauthorized"', async (_name, auth) => {
    const err = await connectError(h.url, await auth());
    expect(err.message).toBe('unauthorized');
    expect(err.data).toBeUndefined();
  });

  it('closes the connection when the handshake is bigger than the 64 KB message bound', async () => {
    const socket = io(`${h.url}/v1`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: 'a'.repeat(100_000) } });
    let closed = false;
    socket.io.on('close', () => (closed = true));
    socket.on('connect', () => expect.unreachable('connected'));
    try {
      await waitFor(() => closed, { timeout: 3_000 });
    } finally {
      socket.close();
    }
  });

  it('disconnects a socket when its JWT expires', async () => {
    const token = await jwt({ tenants: ['acme'], scopes: ['*'] }, { exp: Math.floor(Date.now() / 1000) + 2 });
    const client = await connectClient(h.url, token);
    let reason = '';
    client.socket.on('disconnect', (r) => (reason = r));
    try {
      await waitFor(() => reason !== '', { timeout: 4_000 });
      expect(reason).toBe('io server disconnect');
    } finally {
      client.close();
    }
  });

  it('keeps the clients gauge current and never logs a token', async () => {
    const client = await connectClient(h.url, TOKENS.globex);
    try {
      expect(await h.metrics.text()).toMatch(/callbridge_connected_clients 1\b/);
    } finally {
      client.close();
    }
    await waitFor(async () => /callbridge_connected_clients 0\b/.test(await h.metrics.text()));
    const logs = h.logs.join('');
    for (const token of Object.values(TOKENS)) expect(logs).not.toContain(token);
  });
});
