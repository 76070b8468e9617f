/**
 * The IdempotencyStore contract, run against MemoryIdempotencyStore and RedisIdempotencyStore
 * (real time, short TTLs), then two Redis stores as two nodes: one `new` among concurrent
 * reserves, and a waiter on one node getting the other node's outcome.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisIdempotencyStore } from '../../src/cluster/redis-idempotency-store.js';
import { createRedisClient } from '../../src/cluster/redis-connection.js';
import type { CommandAck } from '../../src/commands/command-service.js';
import type { IdempotencyStore } from '../../src/commands/idempotency-store.js';
import { commandKey } from '../../src/commands/idempotency-store.js';
import { MemoryIdempotencyStore } from '../../src/commands/memory-idempotency-store.js';
import { redisAvailable } from '../support/redis-server.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { useRedisServer } from './redis-fixture.js';

const redisReady = redisAvailable('cluster idempotency store');

const ok: CommandAck = { ok: true, result: { callId: 'c-1' } };
const limited: CommandAck = { ok: false, error: { code: 'rate_limited', message: 'full', retryable: true }, retryAfterSec: 1 };
const DAY = 86_400_000;
const KEY = commandKey('acme', 'c1');

/**
 * Resolves once `wait` calls on `key` are listening: with Redis a waiter subscribes, which takes
 * a round trip, and a release before that finds no claim any more (the waiter then answers
 * `undefined`, and the dispatcher reserves again: correct, but not what these tests look at).
 */
type Listening = (key: string) => Promise<void>;

function contract(makeStore: () => Promise<IdempotencyStore>, listening: Listening): void {
  it('gives `new` once, then the completed ack for the same body', async () => {
    const store = await makeStore();
    expect(await store.reserve(KEY, 'fp', 10_000)).toEqual({ status: 'new' });
    expect(await store.reserve(KEY, 'fp', 10_000)).toEqual({ status: 'pending' });
    await store.complete(KEY, 'fp', ok, DAY);
    expect(await store.reserve(KEY, 'fp', 10_000)).toEqual({ status: 'completed', ack: ok });
    expect(await store.reserve(commandKey('globex', 'c1'), 'fp', 10_000)).toEqual({ status: 'new' });
  });

  it('answers mismatch for another body under the same key, pending or completed', async () => {
    const store = await makeStore();
    await store.reserve(KEY, 'fp', 10_000);
    expect(await store.reserve(KEY, 'other', 10_000)).toEqual({ status: 'mismatch' });
    await store.complete(KEY, 'fp', ok, DAY);
    expect(await store.reserve(KEY, 'other', 10_000)).toEqual({ status: 'mismatch' });
  });

  it('forgets a completed key after its TTL', async () => {
    const store = await makeStore();
    await store.reserve(KEY, 'fp', 10_000);
    await store.complete(KEY, 'fp', ok, 300);
    expect((await store.reserve(KEY, 'fp', 10_000)).status).toBe('completed');
    await waitFor(async () => (await store.reserve(KEY, 'other', 10_000)).status === 'new', { timeout: 10_000, interval: 50 });
  });

  it('lets a pending claim lapse after its own short TTL (a crashed owner)', async () => {
    const store = await makeStore();
    await store.reserve(KEY, 'fp', 300);
    expect((await store.reserve(KEY, 'fp', 300)).status).toBe('pending');
    await waitFor(async () => (await store.reserve(KEY, 'fp', 10_000)).status === 'new', { timeout: 10_000, interval: 50 });
  });

  it('hands the outcome to concurrent waiters when the owner completes', async () => {
    const store = await makeStore();
    await store.reserve(KEY, 'fp', 10_000);
    const waiters = [store.wait(KEY, 10_000), store.wait(KEY, 10_000)];
    await listening(KEY);
    await store.complete(KEY, 'fp', ok, DAY);
    expect(await Promise.all(waiters)).toEqual([ok, ok]);
    expect(await store.wait(KEY, 10)).toEqual(ok);
  });

  it('release frees the key for a retry and hands the ack to waiters', async () => {
    const store = await makeStore();
    await store.reserve(KEY, 'fp', 10_000);
    const waiter = store.wait(KEY, 10_000);
    await listening(KEY);
    await store.release(KEY, limited);
    expect(await waiter).toEqual(limited);
    expect(await store.reserve(KEY, 'fp', 10_000)).toEqual({ status: 'new' });
  });

  it('release leaves a completed outcome alone', async () => {
    const store = await makeStore();
    await store.reserve(KEY, 'fp', 10_000);
    await store.complete(KEY, 'fp', ok, DAY);
    await store.release(KEY, limited);
    expect(await store.reserve(KEY, 'fp', 10_000)).toEqual({ status: 'completed', ack: ok });
  });

  it('wait answers undefined when nothing is claimed or nothing comes in time', async () => {
    const store = await makeStore();
    expect(await store.wait('cmd:acme:absent', 1_000)).toBeUndefined();
    await store.reserve(KEY, 'fp', 10_000);
    expect(await store.wait(KEY, 50)).toBeUndefined();
  });

  it('close settles the waiters', async () => {
    const store = await makeStore();
    await store.reserve(KEY, 'fp', 10_000);
    const waiter = store.wait(KEY, 10_000);
    await listening(KEY);
    await store.close();
    expect(await waiter).toBeUndefined();
  });
}

describe('IdempotencyStore contract: MemoryIdempotencyStore', () => {
  contract(async () => new MemoryIdempotencyStore(), async () => undefined);
});

describe.skipIf(!redisReady)('IdempotencyStore contract: RedisIdempotencyStore', () => {
  const redis = useRedisServer();
  contract(
    async () => {
      const node = await redis.connect();
      return new RedisIdempotencyStore({ redis: node.client, subscriber: node.subscriber, keys: node.keys });
    },
    (key) => subscribed(redis.server.port, `${redis.prefix}done:${key}`),
  );
});

describe.skipIf(!redisReady)('RedisIdempotencyStore across nodes', () => {
  const redis = useRedisServer();

  async function node(subscriber?: Redis) {
    const connection = await redis.connect();
    return new RedisIdempotencyStore({ redis: connection.client, subscriber: subscriber ?? connection.subscriber, keys: connection.keys });
  }

  it('gives exactly one `new` among concurrent reserves on two nodes', async () => {
    const a = await node();
    const b = await node();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).reserve(KEY, 'fp', 10_000)));
    expect(results.filter((r) => r.status === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'pending')).toHaveLength(39);
  });

  it("hands node A's outcome to a waiter on node B", async () => {
    const a = await node();
    const b = await node();
    expect((await a.reserve(KEY, 'fp', 10_000)).status).toBe('new');
    expect((await b.reserve(KEY, 'fp', 10_000)).status).toBe('pending');
    const waiting = b.wait(KEY, 15_000);
    await subscribed(redis.server.port, `${redis.prefix}done:${KEY}`);
    await a.complete(KEY, 'fp', ok, DAY);
    expect(await waiting).toEqual(ok);
    expect(await b.reserve(KEY, 'fp', 10_000)).toEqual({ status: 'completed', ack: ok });
  });

  it("hands node A's release to a waiter on node B, and frees the id", async () => {
    const a = await node();
    const b = await node();
    await a.reserve(KEY, 'fp', 10_000);
    const waiting = b.wait(KEY, 15_000);
    await subscribed(redis.server.port, `${redis.prefix}done:${KEY}`);
    await a.release(KEY, limited);
    expect(await waiting).toEqual(limited);
    expect((await b.reserve(KEY, 'fp', 10_000)).status).toBe('new');
  });

  it('tells a waiter when the claim of a crashed node lapses, well before its own timeout', async () => {
    const a = await node();
    const b = await node();
    await a.reserve(KEY, 'fp', 400); // node A then dies: no complete, no release
    const waited = await b.wait(KEY, 60_000); // the test's own timeout (20 s) bounds this
    expect(waited).toBeUndefined();
    expect((await b.reserve(KEY, 'fp', 10_000)).status).toBe('new');
  });

  it("gets the outcome published while the waiter's subscriber was disconnected", async () => {
    const proxy = await startTcpProxy(redis.server.port);
    const subscriber = createRedisClient({ url: `redis://127.0.0.1:${new URL(proxy.url).port}`, maxReconnectDelayMs: 200 });
    try {
      const a = await node();
      const b = await node(subscriber);
      await a.reserve(KEY, 'fp', 30_000);
      const waiting = b.wait(KEY, 30_000);
      // Let the waiter's SUBSCRIBE land before cutting the link.
      await subscribed(redis.server.port, `${redis.prefix}done:${KEY}`);
      proxy.block();
      await waitFor(() => subscriber.status !== 'ready', { timeout: 10_000 });
      await a.complete(KEY, 'fp', ok, DAY);
      proxy.unblock();
      expect(await waiting).toEqual(ok);
    } finally {
      subscriber.disconnect();
      await proxy.close();
    }
  });

  it('answers `unavailable` (the command was not sent) while Redis is down', async () => {
    const a = await node();
    await redis.server.kill();
    await expect(a.reserve(KEY, 'fp', 10_000)).rejects.toMatchObject({ code: 'unavailable', retryable: true });
  });
});

/** Resolves once some client is subscribed to `channel` (asked on a client of its own). */
async function subscribed(port: number, channel: string): Promise<void> {
  const client = createRedisClient({ url: `redis://127.0.0.1:${port}` });
  try {
    await waitFor(async () => {
      const [, count] = (await client.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
      return count >= 1;
    }, { timeout: 10_000, message: `nobody subscribed to ${channel}` });
  } finally {
    client.disconnect();
  }
}
