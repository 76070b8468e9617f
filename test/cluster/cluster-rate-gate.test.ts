/**
 * ClusterRateGate against a real redis-server: requests from three nodes never exceed the
 * budget in any rolling window (a permit is held until an interval after its request ends),
 * a dead node's permit lapses, waiting can be aborted, and a Redis outage refuses rather than
 * letting requests through unbudgeted.
 */
import { describe, expect, it } from 'vitest';
import { ClusterRateGate } from '../../src/cluster/cluster-rate-gate.js';
import { redisAvailable } from '../support/redis-server.js';
import { sleep } from '../support/wait-for.js';
import { useRedisServer } from './redis-fixture.js';

const redisReady = redisAvailable('cluster rate gate');

/** The most starts within any window [start, start + windowMs), checking a window at every start. */
function mostInAnyWindow(starts: readonly number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('mostInAnyWindow (the checker itself)', () => {
  it('counts the densest rolling window, not fixed ones', () => {
    // Five at the end of one second and five at the start of the next: ten within 1000 ms.
    const starts = [900, 920, 940, 960, 980, 1000, 1020, 1040, 1060, 1080];
    expect(mostInAnyWindow(starts, 1000)).toBe(10);
    expect(mostInAnyWindow([0, 1000, 2000], 1000)).toBe(1);
    expect(mostInAnyWindow([0, 999, 1998], 1000)).toBe(2);
  });
});

describe('ClusterRateGate.budget', () => {
  it('converts perSecond the way VendorBudget does', () => {
    expect(ClusterRateGate.budget(5)).toEqual({ permits: 5, intervalMs: 1000 });
    expect(ClusterRateGate.budget(2.5)).toEqual({ permits: 2, intervalMs: 1000 });
    expect(ClusterRateGate.budget(0.5)).toEqual({ permits: 1, intervalMs: 2000 });
    expect(() => ClusterRateGate.budget(0)).toThrow(/perSecond/);
  });
});

describe.skipIf(!redisReady)('ClusterRateGate', () => {
  const redis = useRedisServer();

  async function gate(options: { maxHoldMs?: number } = {}) {
    const connection = await redis.connect();
    return new ClusterRateGate({ redis: connection.client, keys: connection.keys, name: 'mirta-main', ...ClusterRateGate.budget(5), ...options });
  }

  it('lets 30 requests from three nodes through, never more than 5 starts in any rolling second', async () => {
    const gates = [await gate(), await gate(), await gate()];
    const log: Array<{ node: number; start: number; end: number }> = [];
    const request = async (node: number, i: number) => {
      const release = await gates[node]!.acquire();
      const start = Date.now();
      // Requests of uneven length, some slow: the permit must outlast each one.
      await sleep(20 + ((i * 37) % 200));
      log.push({ node, start, end: Date.now() });
      await release();
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => request(i % 3, i)));
    expect(log).toHaveLength(30);
    expect(new Set(log.map((entry) => entry.node))).toEqual(new Set([0, 1, 2]));
    expect(mostInAnyWindow(log.map((entry) => entry.start), 1000)).toBeLessThanOrEqual(5);
    // The stronger property the vendor relies on: a slot frees only an interval after a request ENDED.
    const starts = log.map((entry) => entry.start).sort((a, b) => a - b);
    const ends = log.map((entry) => entry.end).sort((a, b) => a - b);
    for (let k = 5; k < starts.length; k++) expect(starts[k]!).toBeGreaterThanOrEqual(ends[k - 5]! + 1000 - 5);
  }, 60_000);

  it("frees a dead node's permit after maxHoldMs", async () => {
    const dead = await gate({ maxHoldMs: 1_500 });
    const alive = await gate({ maxHoldMs: 1_500 });
    for (let i = 0; i < 5; i++) await dead.acquire(); // never released: that node died mid-request
    const waited = Date.now();
    const release = await alive.acquire();
    expect(Date.now() - waited).toBeGreaterThanOrEqual(1_000);
    await release();
  });

  it('stops waiting when the signal aborts, and takes no permit afterwards', async () => {
    const a = await gate();
    const releases = await Promise.all(Array.from({ length: 5 }, () => a.acquire()));
    const controller = new AbortController();
    const waiting = a.acquire(controller.signal);
    setTimeout(() => controller.abort(new Error('caller gave up')), 100);
    await expect(waiting).rejects.toThrow('caller gave up');
    // The 5 running requests end: 5 permits free an interval later, none went to the aborted waiter.
    await Promise.all(releases.map((release) => release()));
    const next = await Promise.all(Array.from({ length: 5 }, () => a.acquire()));
    expect(next).toHaveLength(5);
  });

  it('refuses with `unavailable` while Redis is down', async () => {
    const a = await gate();
    await redis.server.kill();
    await expect(a.acquire()).rejects.toMatchObject({ code: 'unavailable' });
  });
});
