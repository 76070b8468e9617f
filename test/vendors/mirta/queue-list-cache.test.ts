import { describe, expect, it } from 'vitest';
import type { QueueListItem } from '../../../src/vendors/mirta/parsers.js';
import { QueueListCache } from '../../../src/vendors/mirta/queue-list-cache.js';

function counter(lists: QueueListItem[][]) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    fetch: async (): Promise<QueueListItem[]> => {
      const list = lists[Math.min(calls, lists.length - 1)] ?? [];
      calls++;
      return list;
    },
  };
}

describe('QueueListCache', () => {
  const sales = { id: '600', name: 'sales' };
  const support = { id: '601', name: 'support' };

  it('serves the agents poll from the last answer until it is maxAge old; the queues poll always asks', async () => {
    let now = 1_000;
    const cache = new QueueListCache({ maxAgeMs: 5_000, now: () => now });
    const vendor = counter([[sales], [sales, support]]);
    expect(await cache.get('DEMO', vendor.fetch, { fresh: false })).toEqual([sales]);
    now += 4_999;
    expect(await cache.get('DEMO', vendor.fetch, { fresh: false })).toEqual([sales]);
    expect(vendor.calls).toBe(1);
    // The queues poll refreshes it: the agents poll sees the new queue at once.
    expect(await cache.get('DEMO', vendor.fetch, { fresh: true })).toEqual([sales, support]);
    expect(await cache.get('DEMO', vendor.fetch, { fresh: false })).toEqual([sales, support]);
    expect(vendor.calls).toBe(2);
    now += 5_000;
    await cache.get('DEMO', vendor.fetch, { fresh: false });
    expect(vendor.calls).toBe(3);
  });

  it('keeps tenants apart', async () => {
    const cache = new QueueListCache({ maxAgeMs: 5_000 });
    await cache.get('DEMO', async () => [sales], { fresh: false });
    expect(await cache.get('GLOBEX', async () => [support], { fresh: false })).toEqual([support]);
  });

  it('does not keep a failed answer: the next poll asks again', async () => {
    const cache = new QueueListCache({ maxAgeMs: 5_000 });
    await expect(cache.get('DEMO', async () => Promise.reject(new Error('timeout')), { fresh: false })).rejects.toThrow('timeout');
    expect(await cache.get('DEMO', async () => [sales], { fresh: false })).toEqual([sales]);
  });

  it('shares one request between two polls asking at the same time', async () => {
    const cache = new QueueListCache({ maxAgeMs: 5_000 });
    const vendor = counter([[sales]]);
    const [a, b] = await Promise.all([cache.get('DEMO', vendor.fetch, { fresh: false }), cache.get('DEMO', vendor.fetch, { fresh: false })]);
    expect(a).toEqual(b);
    expect(vendor.calls).toBe(1);
  });
});
