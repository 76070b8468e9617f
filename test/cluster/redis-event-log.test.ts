/**
 * RedisEventLog with several nodes on one Redis: one sequence per tenant whoever appends, the
 * event feed bringing every node every batch in order, gaps filled after a subscriber outage,
 * and a sequence that does not start over when Redis loses its data.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { FeedBatch } from '../../src/cluster/event-feed.js';
import { createRedisClient } from '../../src/cluster/redis-connection.js';
import { RedisEventLog } from '../../src/cluster/redis-event-log.js';
import { redisAvailable } from '../support/redis-server.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait-for.js';
import { draft } from './drafts.js';
import { useRedisServer } from './redis-fixture.js';

const redisReady = redisAvailable('cluster event log');

/** Collects a node's feed and checks, as batches come, that each tenant's seqs run 1, 2, 3... */
function recordFeed(log: RedisEventLog) {
  const seqs = new Map<string, number[]>();
  const batches: FeedBatch[] = [];
  const problems: string[] = [];
  log.onEvents((batch) => {
    batches.push(batch);
    const list = seqs.get(batch.tenant) ?? [];
    for (const event of batch.events) {
      const expected = (list.at(-1) ?? 0) + 1;
      if (!batch.resync && event.seq !== expected) problems.push(`${batch.tenant}: got ${event.seq}, expected ${expected}`);
      list.push(event.seq);
    }
    seqs.set(batch.tenant, list);
  });
  return { seqs: (tenant: string) => seqs.get(tenant) ?? [], batches, problems };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe.skipIf(!redisReady)('RedisEventLog across nodes', () => {
  const redis = useRedisServer();

  async function node(options: { maxEvents?: number; subscriber?: Redis; refreshIntervalMs?: number } = {}) {
    const connection = await redis.connect();
    const log = new RedisEventLog({
      redis: connection.client,
      subscriber: options.subscriber ?? connection.subscriber,
      keys: connection.keys,
      maxEvents: options.maxEvents ?? 10_000,
      maxAgeMs: 600_000,
      refreshIntervalMs: options.refreshIntervalMs ?? 5_000,
    });
    return { connection, log };
  }

  it('numbers concurrent appends from three nodes with one gapless sequence', async () => {
    const nodes = await Promise.all([node(), node(), node()]);
    const appended = await Promise.all(
      nodes.map(({ log }, n) =>
        Promise.all(Array.from({ length: 40 }, (_, i) => log.append('acme', Array.from({ length: 1 + (i % 3) }, (_, k) => draft(`${n}-${i}-${k}`))))),
      ),
    );
    const seqs = appended.flat(2).map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(range(1, seqs.length));
    // A batch keeps its seqs together (one atomic step), and every node reads the same log.
    for (const batch of appended.flat()) expect(batch.map((e) => e.seq)).toEqual(range(batch[0]!.seq, batch[0]!.seq + batch.length - 1));
    const replayed = await nodes[2]!.log.since('acme', 0);
    expect(replayed?.map((e) => e.seq)).toEqual(seqs);
    const byKey = new Map(appended.flat(2).map((e) => [e.key, e.seq]));
    for (const event of replayed ?? []) expect(byKey.get(event.key)).toBe(event.seq);
    expect(await nodes[0]!.log.cursor('acme')).toBe(seqs.length);
  });

  it("feeds every node every tenant's batches in seq order, its own included", async () => {
    const a = await node();
    const b = await node();
    const onA = recordFeed(a.log);
    const onB = recordFeed(b.log);
    await Promise.all([a.log.start(), b.log.start()]);
    const appends: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      appends.push(a.log.append('acme', [draft(`a${i}`), draft(`a${i}+`)]));
      appends.push(b.log.append(i % 2 ? 'acme' : 'globex', [draft(`b${i}`)]));
    }
    await Promise.all(appends);
    const acme = await a.log.cursor('acme');
    const globex = await a.log.cursor('globex');
    await waitFor(() => onA.seqs('acme').length === acme && onB.seqs('acme').length === acme && onB.seqs('globex').length === globex, {
      timeout: 10_000,
      message: 'feeds incomplete',
    });
    expect(onA.seqs('acme')).toEqual(range(1, acme));
    expect(onB.seqs('acme')).toEqual(range(1, acme));
    expect(onA.seqs('globex')).toEqual(range(1, globex));
    expect(onB.seqs('globex')).toEqual(range(1, globex));
    expect([...onA.problems, ...onB.problems]).toEqual([]);
    // The events themselves travel intact.
    const fromB = onB.batches.flatMap((batch) => batch.events).find((e) => e.tenant === 'acme' && e.key === 'a0');
    expect(fromB).toEqual({ seq: fromB?.seq, tenant: 'acme', ...draft('a0') });
  });

  it('does not deliver history: a node starting late gets only what comes after its start', async () => {
    const a = await node();
    await a.log.append('acme', [draft('old1'), draft('old2')]);
    const b = await node();
    const onB = recordFeed(b.log);
    await b.log.start();
    await a.log.append('acme', [draft('new')]);
    await waitFor(() => onB.seqs('acme').length > 0, { timeout: 10_000 });
    expect(onB.batches.map((batch) => batch.events.map((e) => e.key))).toEqual([['new']]);
    expect(onB.seqs('acme')).toEqual([3]);
  });

  it("fills the gap after the subscriber's connection was down, in order, before anything newer", async () => {
    const proxy = await startTcpProxy(redis.server.port);
    const subscriber = createRedisClient({ url: `redis://127.0.0.1:${new URL(proxy.url).port}`, maxReconnectDelayMs: 200 });
    try {
      const a = await node();
      const b = await node({ subscriber });
      const onB = recordFeed(b.log);
      await b.log.start();
      await a.log.append('acme', [draft('1')]);
      await waitFor(() => onB.seqs('acme').length === 1, { timeout: 10_000 });

      proxy.block();
      await waitFor(() => subscriber.status !== 'ready', { timeout: 10_000 });
      for (let i = 2; i <= 6; i++) await a.log.append('acme', [draft(String(i))]);
      await a.log.append('globex', [draft('g1')]);
      expect(onB.seqs('acme')).toEqual([1]);

      proxy.unblock();
      await waitFor(() => onB.seqs('acme').length === 6 && onB.seqs('globex').length === 1, {
        timeout: 15_000,
        message: 'gap not filled after reconnect',
      });
      await a.log.append('acme', [draft('7')]);
      await waitFor(() => onB.seqs('acme').length === 7, { timeout: 10_000 });
      expect(onB.seqs('acme')).toEqual(range(1, 7));
      expect(onB.problems).toEqual([]);
      expect(onB.batches.some((batch) => batch.resync)).toBe(false);
    } finally {
      subscriber.disconnect();
      await proxy.close();
    }
  });

  it('flags resync when the events missed during an outage are no longer in the log', async () => {
    const proxy = await startTcpProxy(redis.server.port);
    const subscriber = createRedisClient({ url: `redis://127.0.0.1:${new URL(proxy.url).port}`, maxReconnectDelayMs: 200 });
    try {
      const a = await node({ maxEvents: 3 });
      const b = await node({ maxEvents: 3, subscriber });
      const onB = recordFeed(b.log);
      await b.log.start();
      await a.log.append('acme', [draft('1')]);
      await waitFor(() => onB.seqs('acme').length === 1, { timeout: 10_000 });
      proxy.block();
      await waitFor(() => subscriber.status !== 'ready', { timeout: 10_000 });
      for (let i = 2; i <= 10; i++) await a.log.append('acme', [draft(String(i))]);
      proxy.unblock();
      await waitFor(() => onB.seqs('acme').at(-1) === 10, { timeout: 15_000, message: 'no catch-up' });
      const resync = onB.batches.find((batch) => batch.resync);
      expect(resync?.events.map((e) => e.seq)).toEqual([8, 9, 10]);
      await a.log.append('acme', [draft('11')]);
      await waitFor(() => onB.seqs('acme').at(-1) === 11, { timeout: 10_000 });
      expect(onB.batches.at(-1)).toEqual({ tenant: 'acme', events: [expect.objectContaining({ seq: 11 })] });
    } finally {
      subscriber.disconnect();
      await proxy.close();
    }
  });

  it("keeps every node's size() figure in step with the log", async () => {
    const a = await node({ maxEvents: 5, refreshIntervalMs: 100 });
    const b = await node({ maxEvents: 5, refreshIntervalMs: 100 });
    await Promise.all([a.log.start(), b.log.start()]);
    await a.log.append('acme', ['1', '2', '3'].map(draft));
    await a.log.append('globex', ['1', '2', '3', '4', '5', '6', '7'].map(draft));
    expect(a.log.size()).toBe(8);
    await waitFor(() => b.log.size() === 8, { timeout: 10_000, message: `node B size ${b.log.size()}` });
  });

  it('does not hand out a seq twice when Redis restarts empty while a node remembers it', async () => {
    const a = await node();
    await a.log.append('acme', ['1', '2', '3'].map(draft));
    await redis.server.kill();
    await redis.server.restart();
    await waitFor(() => a.connection.ready, { timeout: 15_000, message: 'no reconnect' });
    const after = await a.log.append('acme', [draft('4')]);
    expect(after.map((e) => e.seq)).toEqual([4]);
    expect(await a.log.cursor('acme')).toBe(4);
    // The log itself lost 1-3: a client holding 2 must resync.
    expect(await a.log.since('acme', 2)).toBeNull();
    expect((await a.log.since('acme', 3))?.map((e) => e.seq)).toEqual([4]);
  });

  it('fails fast while Redis is down instead of queueing the append forever', async () => {
    const a = await node();
    await redis.server.kill();
    const started = Date.now();
    await expect(a.log.append('acme', [draft('1')])).rejects.toThrow();
    // Bounded by commandTimeoutMs (5 s) at worst; a generous margin for a loaded machine.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
