/**
 * Tokens on live sockets (issue 11): `auth.expiring` before a JWT's `exp`, `auth.expired` then a
 * close at `exp`, and in-band renewal with `auth.renew` that keeps the subscriptions the new
 * token covers.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/auth/principal.js';
import type { CommandAck, CommandService } from '../../src/commands/command-service.js';
import type { AckError, AuthExpiring, Hello, RenewOk } from '../../src/protocol/messages.js';
import { connectClient, type BridgeClient, type ClientOptions } from '../support/bridge-client.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { JWT_SECRET, TOKENS, blf, fakeSource, queue, startServer, type Harness } from './harness.js';

const key = new TextEncoder().encode(JWT_SECRET);

/** A JWT for `tenants` with every scope (or `scopes`), expiring `seconds` from now. */
function jwt(tenants: string[], seconds: number, scopes: string[] = ['*']): Promise<string> {
  return new SignJWT({ tenants, scopes })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime(Math.floor(Date.now() / 1000) + seconds)
    .sign(key);
}
const expOf = (token: string): number => (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp: number }).exp * 1000;

/** What a socket saw of its token's lifetime, in order, with the local time of each. */
interface Timeline {
  readonly entries: Array<{ what: string; at: number; payload?: unknown }>;
  readonly hellos: Hello[];
  has(what: string): boolean;
}
function watch(client: BridgeClient): Timeline {
  const entries: Timeline['entries'] = [];
  const hellos: Hello[] = [];
  client.socket.on('auth.expiring', (payload: unknown) => entries.push({ what: 'auth.expiring', at: Date.now(), payload }));
  client.socket.on('auth.expired', (payload: unknown) => entries.push({ what: 'auth.expired', at: Date.now(), payload }));
  client.socket.on('disconnect', (reason) => entries.push({ what: 'disconnect', at: Date.now(), payload: reason }));
  client.socket.on('hello', (hello: Hello) => hellos.push(hello));
  return { entries, hellos, has: (what) => entries.some((entry) => entry.what === what) };
}

/** Answers every command with the label of the principal it was given. */
const whoAmI: CommandService = {
  async execute(principal: Principal): Promise<CommandAck> {
    return { ok: true, result: { who: principal.label } };
  },
};

describe('tokens on live sockets', () => {
  let h: Harness;
  const clients: BridgeClient[] = [];
  beforeAll(async () => {
    h = await startServer({ sources: [fakeSource('pbx-1', ['acme', 'globex'])], commands: whoAmI });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await h.close();
  });
  const open = async (token: string, options: ClientOptions = {}): Promise<BridgeClient> => {
    const client = await connectClient(h.url, token, options);
    clients.push(client);
    return client;
  };

  it.each([['websocket'], ['polling']] as const)(
    'sends auth.expiring, then auth.expired, then closes the %s connection at exp',
    async (transport) => {
      const token = await jwt(['acme'], 3);
      const exp = expOf(token);
      const client = await open(token, { transports: [transport] });
      const timeline = watch(client);

      await waitFor(() => timeline.has('disconnect'), { timeout: exp - Date.now() + 5_000, message: 'the socket was not closed at exp' });
      expect(timeline.entries.map((entry) => entry.what)).toEqual(['auth.expiring', 'auth.expired', 'disconnect']);
      const [expiring, expired, disconnect] = timeline.entries;
      expect(expiring?.payload).toEqual({ expiresAt: new Date(exp).toISOString() } satisfies AuthExpiring);
      expect(expiring?.at).toBeLessThan(exp);
      // The notice was flushed before the close, and the close is the server's, not the network's.
      expect(expired?.payload).toEqual({ code: 'unauthorized', message: 'token expired', retryable: false });
      expect(disconnect?.payload).toBe('io server disconnect');
      // Not before exp (the client's clock is the server's here), and promptly after it.
      expect(expired?.at ?? 0).toBeGreaterThanOrEqual(exp - 50);
      expect(disconnect?.at ?? Infinity).toBeLessThan(exp + 3_000);
    },
  );

  it('keeps a renewed socket and its subscription past the old exp', async () => {
    const first = await jwt(['acme'], 3);
    const client = await open(first);
    const timeline = watch(client);
    expect(await client.call('subscribe', { tenant: 'acme', topics: ['blfs'] })).toMatchObject({ ok: true });

    await waitFor(() => timeline.has('auth.expiring'), { timeout: 5_000 });
    const second = await jwt(['acme'], 3600);
    const ack = await client.call<RenewOk>('auth.renew', { token: second });
    expect(ack).toEqual({ ok: true, expiresAt: new Date(expOf(second)).toISOString(), dropped: [] });
    await waitFor(() => timeline.hellos.length === 1);
    expect(timeline.hellos[0]).toMatchObject({ tenants: ['acme'], scopes: ['*'] });

    await sleep(expOf(first) - Date.now() + 1_000);
    expect(client.socket.connected).toBe(true);
    expect(timeline.has('auth.expired')).toBe(false);
    await h.publish('acme', [blf('201')]);
    await waitFor(() => client.events.some((event) => event.key === '201'));
  });

  it('arms the expiry when a static-token socket renews with a JWT', async () => {
    const client = await open(TOKENS.admin);
    const timeline = watch(client);
    const token = await jwt(['acme'], 2);
    expect(await client.call('auth.renew', { token })).toMatchObject({ ok: true, expiresAt: new Date(expOf(token)).toISOString() });
    await waitFor(() => timeline.has('disconnect'), { timeout: expOf(token) - Date.now() + 5_000 });
    expect(timeline.entries.map((entry) => entry.what)).toEqual(['auth.expiring', 'auth.expired', 'disconnect']);
  });

  it('leaves the rooms of tenants the new token does not hold, and lists them', async () => {
    const client = await open(await jwt(['acme', 'globex'], 3600));
    const timeline = watch(client);
    await client.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    await client.call('subscribe', { tenant: 'globex', topics: ['queues', 'blfs'], raw: true });

    const ack = await client.call<RenewOk>('auth.renew', { token: await jwt(['acme'], 3600) });
    expect(ack).toMatchObject({ ok: true, dropped: [{ tenant: 'globex', topics: ['blfs', 'queues'] }] });
    await waitFor(() => timeline.hellos.length === 1);
    expect(timeline.hellos[0]?.tenants).toEqual(['acme']);
    expect(timeline.hellos[0]?.sources.map((source) => source.tenant)).toEqual(['acme']);

    await h.publish('globex', [blf('301'), queue('q1', 2)]);
    await h.publish('acme', [blf('302')]);
    await waitFor(() => client.events.some((event) => event.key === '302'));
    expect(client.events.filter((event) => event.tenant === 'globex')).toEqual([]);
    // The dropped tenant now behaves like any tenant the token does not hold.
    expect(await client.call<AckError>('subscribe', { tenant: 'globex' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('leaves every room when the new token lacks events:read, and commands act as the new principal', async () => {
    const client = await open(await jwt(['acme'], 3600));
    await client.call('subscribe', { tenant: 'acme', topics: ['blfs', 'queues'] });
    expect(await client.call('command', { id: 'c1', tenant: 'acme', type: 'dial', args: {} })).toEqual({ ok: true, result: { who: 'jwt:alice' } });

    const ack = await client.call<RenewOk>('auth.renew', { token: TOKENS.noRead });
    expect(ack).toEqual({ ok: true, dropped: [{ tenant: 'acme', topics: ['blfs', 'queues'] }] });
    expect(await client.call('command', { id: 'c2', tenant: 'acme', type: 'dial', args: {} })).toEqual({ ok: true, result: { who: 'crm' } });
    await h.publish('acme', [blf('401')]);
    await sleep(200);
    expect(client.events.filter((event) => event.key === '401')).toEqual([]);
  });

  it('answers unauthorized to a refused token and keeps the old one, which still expires', async () => {
    const token = await jwt(['acme'], 3);
    const client = await open(token);
    const timeline = watch(client);
    await client.call('subscribe', { tenant: 'acme', topics: ['blfs'] });

    const refused = [
      'not-a-token-0000000000000000',
      await jwt(['acme'], -10),
      await new SignJWT({ tenants: ['acme'], scopes: ['*'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40))),
      'a'.repeat(10_000),
    ];
    for (const bad of refused) {
      const ack = await client.call<AckError>('auth.renew', { token: bad });
      expect(ack).toEqual({ ok: false, error: { code: 'unauthorized', message: expect.any(String), retryable: false } });
      expect(ack.error.message).not.toContain(bad.slice(0, 16));
    }
    expect(await client.call<AckError>('auth.renew', { token: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(await client.call<AckError>('auth.renew', 'token')).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });

    // Still the old principal, still subscribed.
    await h.publish('acme', [blf('501')]);
    await waitFor(() => client.events.some((event) => event.key === '501'));
    expect(timeline.hellos).toEqual([]);
    await waitFor(() => timeline.has('disconnect'), { timeout: expOf(token) - Date.now() + 5_000 });
    expect(timeline.entries.map((entry) => entry.what)).toEqual(['auth.expiring', 'auth.expired', 'disconnect']);
    expect(h.logs.join('')).not.toContain(token);
  });
});
