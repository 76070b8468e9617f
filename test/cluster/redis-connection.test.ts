/**
 * RedisConnection: the ready state a readiness probe reports, commands that fail within a bound
 * while Redis is down (instead of queueing forever), and recovery by itself when Redis returns.
 */
import { describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/cluster/keys.js';
import { RedisConnection, reconnectDelay } from '../../src/cluster/redis-connection.js';
import { redisAvailable } from '../support/redis-server.js';
import { waitFor } from '../support/wait-for.js';
import { useRedisServer } from './redis-fixture.js';

const redisReady = redisAvailable('cluster redis connection');

describe('reconnectDelay', () => {
  it('backs off exponentially up to the cap, with jitter, and never gives up', () => {
    for (let i = 0; i < 50; i++) {
      expect(reconnectDelay(1)).toBeGreaterThanOrEqual(37);
      expect(reconnectDelay(1)).toBeLessThanOrEqual(63);
      expect(reconnectDelay(100, 2_000)).toBeLessThanOrEqual(2_500);
      expect(reconnectDelay(100, 2_000)).toBeGreaterThanOrEqual(1_500);
    }
  });
});

describe('RedisKeys', () => {
  it('prefixes every key and channel, and reads tenants back from seq keys', () => {
    const keys = new RedisKeys('cb:');
    expect(keys.seq('acme')).toBe('cb:seq:acme');
    expect(keys.tenantOfSeqKey(keys.seq('acme'))).toBe('acme');
    expect(keys.state('acme', 'channels')).toBe('cb:state:acme:channels');
    expect(keys.command('cmd:acme:c1')).toBe('cb:cmd:acme:c1');
    expect(keys.commandDone('cmd:acme:c1')).toBe('cb:done:cmd:acme:c1');
    expect(keys.lease('mirta-main')).toBe('cb:lease:mirta-main');
    expect(keys.feed()).toBe('cb:feed');
  });

  it('refuses a prefix that would break SCAN patterns', () => {
    expect(() => new RedisKeys('cb*')).toThrow(/keyPrefix/);
    expect(() => new RedisKeys('a b')).toThrow(/keyPrefix/);
  });
});

describe.skipIf(!redisReady)('RedisConnection', () => {
  const redis = useRedisServer();

  it('is ready with its subscriber, names its clients, and closes cleanly', async () => {
    const connection = await redis.connect({ name: 'node-a' });
    expect(connection.ready).toBe(true);
    const subscriber = connection.subscriber;
    expect(connection.ready).toBe(false); // the subscriber is still connecting
    await connection.waitUntilReady(10_000);
    expect(subscriber.status).toBe('ready');
    const list = String(await connection.client.call('CLIENT', 'LIST'));
    expect(list).toContain('name=node-a:commands');
    expect(list).toContain('name=node-a:subscriber');
    await connection.close();
    expect(connection.ready).toBe(false);
    expect(connection.client.status).toBe('end');
  });

  it('fails commands within a bound while Redis is down, reports not ready, and recovers by itself', async () => {
    const connection = await redis.connect({ maxReconnectDelayMs: 200, commandTimeoutMs: 3_000 });
    const states: boolean[] = [];
    connection.onChange((ready) => states.push(ready));
    await connection.client.set(`${redis.prefix}k`, 'v');

    await redis.server.kill();
    await waitFor(() => !connection.ready, { timeout: 10_000 });
    const started = Date.now();
    await expect(connection.client.get(`${redis.prefix}k`)).rejects.toThrow();
    // Rejected, not queued until Redis returns: bounded by commandTimeoutMs, with a wide margin.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(connection.lastError).toBeDefined();

    await redis.server.restart();
    await connection.waitUntilReady(15_000);
    expect(await connection.client.ping()).toBe('PONG');
    expect(states).toEqual([false, true]);
  });

  it('waitUntilReady rejects, naming the cause, when Redis does not come', async () => {
    await redis.server.stop();
    const connection = new RedisConnection({ url: redis.server.url, keyPrefix: redis.prefix });
    try {
      await expect(connection.waitUntilReady(1_000)).rejects.toThrow(/Redis not ready within 1000 ms: .*ECONNREFUSED/);
      expect(connection.ready).toBe(false);
    } finally {
      await connection.close();
    }
  });
});
