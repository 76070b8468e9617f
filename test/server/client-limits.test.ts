/** The building blocks of the per-client limits: token bucket, connection counter, client IP. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { ConnectionCounter, DEFAULT_CLIENT_LIMITS, TokenBucket } from '../../src/server/client-limits.js';
import { clientIpResolver } from '../../src/server/socket-connections.js';

const request = (remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('TokenBucket', () => {
  it('allows a burst, then one call per refill interval, and says how long to wait', () => {
    let now = 0;
    const bucket = new TokenBucket(4, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBe(250);
    now += 100;
    expect(bucket.take()).toBe(150);
    now += 150;
    expect(bucket.take()).toBe(0);
    // A long pause refills up to the burst, not beyond.
    now += 60_000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([0, 0, 0]);
    expect(bucket.take()).toBeGreaterThan(0);
  });
});

describe('ConnectionCounter', () => {
  it('counts per key and forgets a key at zero', () => {
    const counter = new ConnectionCounter();
    expect(counter.add('a')).toBe(1);
    expect(counter.add('a')).toBe(2);
    counter.add('b');
    counter.remove('a');
    counter.remove('a');
    counter.remove('b');
    expect(counter.count('a')).toBe(0);
    expect(counter.size).toBe(0);
  });
});

describe('clientIpResolver', () => {
  it('uses the peer address and ignores X-Forwarded-For without trustProxy', () => {
    expect(clientIpResolver(false)(request('10.0.0.5', '203.0.113.1'))).toBe('10.0.0.5');
  });

  it('believes X-Forwarded-For from trusted proxies only, as fastify does', () => {
    expect(clientIpResolver(true)(request('10.0.0.5', '198.51.100.1, 203.0.113.1'))).toBe('198.51.100.1');
    const loopbackOnly = clientIpResolver('loopback');
    expect(loopbackOnly(request('127.0.0.1', '203.0.113.1'))).toBe('203.0.113.1');
    expect(loopbackOnly(request('10.0.0.5', '203.0.113.1'))).toBe('10.0.0.5');
    // A spoofed hop before an untrusted one does not count.
    expect(clientIpResolver(['10.0.0.0/8'])(request('10.0.0.5', '198.51.100.1, 203.0.113.1'))).toBe('203.0.113.1');
    expect(clientIpResolver('127.0.0.1, 10.0.0.5')(request('10.0.0.5', '203.0.113.1'))).toBe('203.0.113.1');
    expect(clientIpResolver(true)(request(undefined, '203.0.113.1'))).toBe('unknown');
  });
});

describe('the clients config block', () => {
  const base = { auth: { tokens: [{ token: 'a-static-token-0123456789', tenants: ['acme'], scopes: ['*'] }] } };

  it('is optional, with defaults', () => {
    expect(ConfigSchema.parse(base).clients).toEqual(DEFAULT_CLIENT_LIMITS);
    expect(DEFAULT_CLIENT_LIMITS).toEqual({ connectionsPerIp: 1000, callsPerSecond: 20, callsBurst: 40, maxSubscriptions: 200 });
    expect(ConfigSchema.parse({ ...base, clients: { maxSubscriptions: 10 } }).clients).toMatchObject({ maxSubscriptions: 10, callsBurst: 40 });
  });

  it('names the path of a bad value and refuses unknown keys', () => {
    const bad = ConfigSchema.safeParse({ ...base, clients: { connectionsPerIp: 0, callsPerSecond: -1, burst: 3 } });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((issue) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['clients.connectionsPerIp', 'clients.callsPerSecond', 'clients']));
  });
});
