/**
 * Abuse limits of the socket.io API (issue 11, the config's `clients` block): connections per
 * client IP, calls per socket per second, subscriptions per socket. Over a limit the answer is
 * `rate_limited`; the offender stays served within its limits and everybody else is untouched.
 */
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { AckError } from '../../src/protocol/messages.js';
import { connectClient, type BridgeClient, type ClientOptions } from '../support/bridge-client.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { TOKENS, blf, startServer, type Harness, type HarnessOptions } from './harness.js';

type RateLimitedAck = AckError & { retryAfterSec?: number };

const from = (ip: string): ClientOptions => ({ extraHeaders: { 'x-forwarded-for': ip } });

/** The connect_error of a refused handshake (rejects if the connection opens). */
function refusedConnection(url: string, options: ClientOptions): Promise<Error & { description?: unknown }> {
  const socket = io(`${url}/v1`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: TOKENS.admin }, ...options });
  return new Promise((resolve, reject) => {
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(err);
    });
    socket.once('connect', () => {
      socket.close();
      reject(new Error('connected, but the connection limit should have refused it'));
    });
  });
}

/** A raw engine.io polling handshake, as a browser's first request: status and body. */
async function pollingHandshake(url: string, ip: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { 'x-forwarded-for': ip } });
  return { status: response.status, body: await response.text() };
}

const refusals = async (h: Harness, reason: string): Promise<number> => {
  const match = new RegExp(`callbridge_client_refusals_total\\{reason="${reason}"\\} (\\d+)`).exec(await h.metrics.text());
  return Number(match?.[1] ?? 0);
};

describe('abuse limits', () => {
  let h: Harness | undefined;
  const clients: BridgeClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await h?.close();
    h = undefined;
  });
  const start = async (options: HarnessOptions): Promise<Harness> => (h = await startServer(options));
  const open = async (url: string, token: string, options: ClientOptions = {}): Promise<BridgeClient> => {
    const client = await connectClient(url, token, options);
    clients.push(client);
    return client;
  };

  it('refuses the n+1th connection from one IP (X-Forwarded-For behind a trusted proxy) while another IP connects', async () => {
    const { url } = await start({ clients: { connectionsPerIp: 2 }, trustProxy: true });
    const first = await open(url, TOKENS.admin, from('198.51.100.7'));
    await open(url, TOKENS.acme, from('198.51.100.7'));

    const refused = await refusedConnection(url, from('198.51.100.7'));
    expect(refused.message).toBe('websocket error');
    // A polling handshake shows the reason in its body.
    expect(await pollingHandshake(url, '198.51.100.7')).toEqual({ status: 403, body: JSON.stringify({ code: 4, message: 'rate_limited' }) });

    const other = await open(url, TOKENS.admin, from('203.0.113.9'));
    expect(other.socket.connected).toBe(true);
    expect(first.socket.connected).toBe(true);

    // Closing a connection frees its slot.
    first.close();
    await waitFor(async () => {
      const attempt = await connectClient(url, TOKENS.admin, from('198.51.100.7')).catch(() => undefined);
      if (attempt) clients.push(attempt);
      return attempt !== undefined;
    }, { timeout: 5_000, interval: 100 });

    const metrics = await h!.metrics.text();
    expect(await refusals(h!, 'connections_per_ip')).toBeGreaterThanOrEqual(2);
    expect(metrics).not.toContain('198.51.100.7');
    expect(h!.logs.join('')).toContain('too many from this address');
  });

  it('ignores X-Forwarded-For unless listen.trustProxy is set', async () => {
    const { url } = await start({ clients: { connectionsPerIp: 2 } });
    await open(url, TOKENS.admin, from('198.51.100.1'));
    await open(url, TOKENS.admin, from('198.51.100.2'));
    const refused = await refusedConnection(url, from('198.51.100.3'));
    expect(refused.message).toBe('websocket error');
  });

  it('answers rate_limited to a flood of calls, and keeps serving that socket and the others', async () => {
    const { url } = await start({ clients: { callsPerSecond: 2, callsBurst: 10 } });
    const bystander = await open(url, TOKENS.admin);
    await bystander.call('subscribe', { tenant: 'acme', topics: ['blfs'] });
    const flooder = await open(url, TOKENS.admin);

    const acks = await Promise.all(
      Array.from({ length: 100 }, (_, i) => flooder.call<{ ok: boolean } | RateLimitedAck>(i % 2 ? 'unsubscribe' : 'subscribe', { tenant: 'acme', topics: ['queues'] }, 15_000)),
    );
    const limited = acks.filter((ack): ack is RateLimitedAck => !ack.ok);
    expect(acks.length - limited.length).toBeGreaterThanOrEqual(10);
    expect(limited.length).toBeGreaterThanOrEqual(50);
    for (const ack of limited) {
      expect(ack.error).toMatchObject({ code: 'rate_limited', retryable: true });
      expect(ack.retryAfterSec).toBeGreaterThanOrEqual(1);
    }
    expect(await refusals(h!, 'call_rate')).toBe(limited.length);

    // The flooder is still connected and served once its budget refills; the bystander never noticed.
    expect(flooder.socket.connected).toBe(true);
    await h!.publish('acme', [blf('700')]);
    await waitFor(() => bystander.events.some((event) => event.key === '700'));
    expect(await bystander.call('subscribe', { tenant: 'acme', topics: ['queues'] })).toMatchObject({ ok: true });
    await sleep((limited[0]?.retryAfterSec ?? 1) * 1000);
    expect(await flooder.call('subscribe', { tenant: 'acme', topics: ['blfs'] })).toMatchObject({ ok: true });
    await h!.publish('acme', [blf('701')]);
    await waitFor(() => flooder.events.some((event) => event.key === '701'));
  });

  it('refuses a subscribe beyond maxSubscriptions and changes nothing', async () => {
    const { url, server } = await start({ clients: { maxSubscriptions: 3 } });
    const client = await open(url, TOKENS.admin);
    const rooms = (): string[] => [...(server.io.of('/v1').sockets.get(client.socket.id ?? '')?.rooms ?? [])].filter((room) => room.startsWith('t:')).sort();

    expect(await client.call('subscribe', { tenant: 'acme', topics: ['blfs', 'queues'] })).toMatchObject({ ok: true });
    const refused = await client.call<AckError>('subscribe', { tenant: 'globex', topics: ['blfs', 'queues'] });
    expect(refused).toEqual({ ok: false, error: { code: 'rate_limited', message: expect.stringContaining('at most 3'), retryable: true } });
    expect(rooms()).toEqual(['t:acme:blfs', 't:acme:queues']);
    // A subscription without `topics` means all of them: refused as a whole too.
    expect(await client.call<AckError>('subscribe', { tenant: 'acme' })).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(rooms()).toEqual(['t:acme:blfs', 't:acme:queues']);

    // Topics already held do not count again (switching to raw included); the last slot is usable.
    expect(await client.call('subscribe', { tenant: 'acme', topics: ['blfs'], raw: true })).toMatchObject({ ok: true });
    expect(await client.call('subscribe', { tenant: 'globex', topics: ['blfs'] })).toMatchObject({ ok: true });
    expect(rooms()).toEqual(['t:acme:blfs:raw', 't:acme:queues', 't:globex:blfs']);
    // Unsubscribing frees slots.
    await client.call('unsubscribe', { tenant: 'acme' });
    expect(await client.call('subscribe', { tenant: 'globex', topics: ['queues', 'peers'] })).toMatchObject({ ok: true });
    expect(await refusals(h!, 'subscriptions')).toBe(2);

    await h!.publish('globex', [blf('800')]);
    await waitFor(() => client.events.some((event) => event.key === '800'));
  });
});
