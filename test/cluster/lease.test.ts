/**
 * SourceLease against a real redis-server: one holder among contenders, takeover after a holder
 * dies without releasing, `lost` reported while Redis is gone (before the key could expire), and
 * exactly one holder again once Redis is back.
 */
import { describe, expect, it } from 'vitest';
import { SourceLease, type LeaseLossReason } from '../../src/cluster/lease.js';
import { redisAvailable } from '../support/redis-server.js';
import { sleep, waitFor } from '../support/wait-for.js';
import { useRedisServer } from './redis-fixture.js';

const redisReady = redisAvailable('cluster lease');

const TTL_MS = 3_000;

interface Node {
  lease: SourceLease;
  log: Array<{ event: 'acquired' | 'lost'; at: number; reason?: LeaseLossReason }>;
  disconnect: () => void;
}

describe.skipIf(!redisReady)('SourceLease', () => {
  const redis = useRedisServer();
  const started: SourceLease[] = [];

  async function node(nodeId: string, ttlMs = TTL_MS): Promise<Node> {
    const connection = await redis.connect({ maxReconnectDelayMs: 200 });
    const lease = new SourceLease({ redis: connection.client, keys: connection.keys, source: 'mirta-main', nodeId, ttlMs });
    const log: Node['log'] = [];
    lease.on('acquired', () => log.push({ event: 'acquired', at: Date.now() }));
    lease.on('lost', (reason) => log.push({ event: 'lost', at: Date.now(), reason }));
    started.push(lease);
    return { lease, log, disconnect: () => connection.client.disconnect() };
  }

  /** Samples `held` on every node for `ms`; fails if two nodes ever hold at once. */
  async function neverTwoHolders(nodes: readonly Node[], ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      expect(nodes.filter((n) => n.lease.held).length).toBeLessThanOrEqual(1);
      await sleep(10);
    }
  }

  const stopAll = async () => {
    await Promise.all(started.splice(0).map((lease) => lease.release()));
  };

  it('lets exactly one of three contending nodes hold the lease, and keeps it there', async () => {
    try {
      const nodes = await Promise.all(['a', 'b', 'c'].map((id) => node(id)));
      for (const n of nodes) n.lease.start();
      await waitFor(() => nodes.some((n) => n.lease.held), { timeout: 10_000 });
      const holder = nodes.find((n) => n.lease.held)!;
      expect(await holder.lease.holder()).toBe(holder.lease.nodeId);
      // Over two ttls (renewed every ttl/3) the lease neither moves nor is held twice.
      await neverTwoHolders(nodes, 2 * TTL_MS);
      expect(holder.lease.held).toBe(true);
      expect(nodes.flatMap((n) => n.log).map((entry) => entry.event)).toEqual(['acquired']);
    } finally {
      await stopAll();
    }
  });

  it('passes the lease on within a renewal period when the holder releases it', async () => {
    try {
      const a = await node('a');
      const b = await node('b');
      a.lease.start();
      await waitFor(() => a.lease.held, { timeout: 10_000 });
      b.lease.start();
      await sleep(100);
      expect(b.lease.held).toBe(false);
      await a.lease.release();
      expect(a.log.at(-1)).toMatchObject({ event: 'lost', reason: 'released' });
      await waitFor(() => b.lease.held, { timeout: TTL_MS, message: 'no takeover within one ttl of a release' });
    } finally {
      await stopAll();
    }
  });

  it('is taken over within two ttls when its holder dies without releasing', async () => {
    try {
      const a = await node('a');
      const b = await node('b');
      a.lease.start();
      await waitFor(() => a.lease.held, { timeout: 10_000 });
      b.lease.start();
      const diedAt = Date.now();
      a.disconnect(); // abrupt: no QUIT, no release; a's renewals now fail
      await waitFor(() => b.lease.held, { timeout: 4 * TTL_MS, message: 'no takeover' });
      const acquiredAt = b.log.find((entry) => entry.event === 'acquired')!.at;
      expect(acquiredAt - diedAt).toBeLessThan(2 * TTL_MS);
      // The dead holder had given up in its own mind before the key could change hands.
      const lost = a.log.find((entry) => entry.event === 'lost');
      expect(lost).toMatchObject({ reason: 'unreachable' });
      expect(lost!.at).toBeLessThanOrEqual(acquiredAt);
      expect(await b.lease.holder()).toBe('b');
    } finally {
      await stopAll();
    }
  });

  it('reports lost within one ttl when Redis dies, and has exactly one holder once it is back', async () => {
    try {
      const nodes = [await node('a'), await node('b')];
      for (const n of nodes) n.lease.start();
      await waitFor(() => nodes.some((n) => n.lease.held), { timeout: 10_000 });
      const holder = nodes.find((n) => n.lease.held)!;
      const killedAt = Date.now();
      await redis.server.kill();
      await waitFor(() => holder.log.some((entry) => entry.event === 'lost'), { timeout: 3 * TTL_MS, message: 'holder never reported lost' });
      const lost = holder.log.find((entry) => entry.event === 'lost')!;
      expect(lost.reason).toBe('unreachable');
      // Before the key could have expired: no other node could have taken it yet.
      expect(lost.at - killedAt).toBeLessThan(TTL_MS);
      expect(nodes.some((n) => n.lease.held)).toBe(false);

      await redis.server.restart(); // empty: the old key is gone
      await waitFor(() => nodes.some((n) => n.lease.held), { timeout: 6 * TTL_MS, message: 'nobody re-acquired' });
      await neverTwoHolders(nodes, TTL_MS);
      const newHolder = nodes.find((n) => n.lease.held)!;
      expect(await newHolder.lease.holder()).toBe(newHolder.lease.nodeId);
    } finally {
      await stopAll();
    }
  });

  it('refuses a ttl too short to renew', () => {
    expect(() => new SourceLease({ redis: undefined as never, keys: undefined as never, source: 's', nodeId: 'n', ttlMs: 10 })).toThrow(/ttlMs/);
  });
});
