/**
 * FeedSequencer, the feed's ordering logic, against a log in memory: duplicates dropped, gaps
 * filled from the log before newer events, lost events flagged `resync`, a failed fill retried
 * later rather than skipped.
 */
import { describe, expect, it } from 'vitest';
import { FeedSequencer, type FeedBatch, type FeedFill } from '../../src/cluster/event-feed.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { draft } from './drafts.js';

const event = (seq: number, tenant = 'acme'): BridgeEvent => ({ seq, tenant, ...draft(String(seq)) });
const events = (from: number, to: number, tenant = 'acme'): BridgeEvent[] =>
  Array.from({ length: to - from + 1 }, (_, i) => event(from + i, tenant));

/** A log holding seqs `held` (ascending) of tenant acme. */
function fakeLog(held: BridgeEvent[]) {
  const calls: number[] = [];
  let failing = false;
  return {
    calls,
    held,
    fail(on: boolean) {
      failing = on;
    },
    fill: async (_tenant: string, after: number): Promise<FeedFill> => {
      calls.push(after);
      if (failing) throw new Error('redis down');
      const out = held.filter((e) => e.seq > after);
      return { events: out, complete: out[0]?.seq === after + 1 };
    },
  };
}

function record(feed: FeedSequencer): FeedBatch[] {
  const batches: FeedBatch[] = [];
  feed.onBatch((batch) => batches.push(batch));
  return batches;
}

const seqsOf = (batches: readonly FeedBatch[]): number[] => batches.flatMap((b) => b.events.map((e) => e.seq));

describe('FeedSequencer', () => {
  it('delivers contiguous batches as they come, and drops what it already delivered', async () => {
    const log = fakeLog([]);
    const feed = new FeedSequencer({ fill: log.fill });
    const batches = record(feed);
    await feed.offer('acme', events(1, 2));
    await feed.offer('acme', events(1, 2)); // our own append, heard again through pub/sub
    await feed.offer('acme', events(2, 4)); // overlapping
    await feed.offer('globex', events(1, 1, 'globex'));
    expect(batches.map((b) => [b.tenant, b.events.map((e) => e.seq)])).toEqual([
      ['acme', [1, 2]],
      ['acme', [3, 4]],
      ['globex', [1]],
    ]);
    expect(log.calls).toEqual([]);
  });

  it('fills a gap from the log before delivering the newer batch', async () => {
    const log = fakeLog(events(1, 6));
    const feed = new FeedSequencer({ fill: log.fill });
    const batches = record(feed);
    await feed.offer('acme', events(1, 1));
    await feed.offer('acme', events(5, 6)); // 2..4 were lost by pub/sub
    expect(seqsOf(batches)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(batches.some((b) => b.resync)).toBe(false);
    await feed.offer('acme', events(3, 4)); // late copies
    expect(seqsOf(batches)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps the order when offers race a slow fill', async () => {
    const log = fakeLog(events(1, 8));
    let releaseFill: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (releaseFill = resolve));
    const feed = new FeedSequencer({
      fill: async (tenant, after) => {
        await gate;
        return log.fill(tenant, after);
      },
    });
    const batches = record(feed);
    const offers = [feed.offer('acme', events(3, 3)), feed.offer('acme', events(4, 5)), feed.offer('acme', events(8, 8))];
    releaseFill();
    await Promise.all(offers);
    expect(seqsOf(batches)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('does not deliver history below the baseline', async () => {
    const log = fakeLog(events(1, 12));
    const feed = new FeedSequencer({ fill: log.fill });
    const batches = record(feed);
    feed.baseline('acme', 10);
    await feed.offer('acme', events(9, 10));
    await feed.offer('acme', events(11, 11));
    expect(seqsOf(batches)).toEqual([11]);
    await feed.reconcile('acme', 12);
    expect(seqsOf(batches)).toEqual([11, 12]);
    expect(log.calls).toEqual([11]);
  });

  it('flags resync when the log no longer holds the missing events, then carries on', async () => {
    const log = fakeLog(events(8, 10));
    const feed = new FeedSequencer({ fill: log.fill });
    const batches = record(feed);
    await feed.offer('acme', events(1, 1));
    await feed.offer('acme', events(10, 10));
    expect(batches[1]).toEqual({ tenant: 'acme', events: events(8, 10), resync: true });
    await feed.offer('acme', events(11, 11));
    expect(batches[2]).toEqual({ tenant: 'acme', events: events(11, 11) });
  });

  it('flags resync with nothing to deliver when everything missed has expired, once', async () => {
    const log = fakeLog([]);
    const feed = new FeedSequencer({ fill: log.fill });
    const batches = record(feed);
    await feed.offer('acme', events(1, 1));
    await feed.reconcile('acme', 5);
    await feed.reconcile('acme', 5);
    expect(batches.slice(1)).toEqual([{ tenant: 'acme', events: [], resync: true }]);
    expect(feed.last('acme')).toBe(5);
  });

  it('retries a fill that failed instead of skipping the gap', async () => {
    const log = fakeLog(events(1, 4));
    const feed = new FeedSequencer({ fill: log.fill });
    const batches = record(feed);
    await feed.offer('acme', events(1, 1));
    log.fail(true);
    await feed.offer('acme', events(4, 4));
    expect(seqsOf(batches)).toEqual([1]);
    log.fail(false);
    await feed.reconcile('acme', 4);
    expect(seqsOf(batches)).toEqual([1, 2, 3, 4]);
  });

  it('keeps delivering to the other listeners when one throws', async () => {
    const feed = new FeedSequencer({ fill: fakeLog([]).fill });
    const seen: number[] = [];
    feed.onBatch(() => {
      throw new Error('boom');
    });
    feed.onBatch((batch) => seen.push(...batch.events.map((e) => e.seq)));
    await feed.offer('acme', events(1, 2));
    expect(seen).toEqual([1, 2]);
  });
});
