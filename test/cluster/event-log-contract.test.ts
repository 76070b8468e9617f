/**
 * The EventLog contract, run against MemoryEventLog and RedisEventLog: whatever a node's log is,
 * numbering, replay and the window behave the same. Redis-only behaviour (several nodes on one
 * log) is in redis-event-log.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { EventDraft, EventLog } from '../../src/bus/event-log.js';
import { MemoryEventLog } from '../../src/bus/memory-event-log.js';
import { RedisEventLog } from '../../src/cluster/redis-event-log.js';
import { redisAvailable } from '../support/redis-server.js';
import { draft } from './drafts.js';
import { useRedisServer, type RedisFixture } from './redis-fixture.js';

const redisReady = redisAvailable('cluster event log');


interface LogOptions {
  maxEvents: number;
  maxAgeMs: number;
  now?: () => number;
}
type MakeLog = (options: LogOptions) => Promise<EventLog>;

function contract(makeLog: MakeLog): void {
  it('numbers events per tenant from 1 with no gap', async () => {
    const log = await makeLog({ maxEvents: 100, maxAgeMs: 60_000 });
    const a = await log.append('acme', [draft('1'), draft('2')]);
    const b = await log.append('globex', [draft('1')]);
    const c = await log.append('acme', [draft('3')]);
    expect(a.map((e) => e.seq)).toEqual([1, 2]);
    expect(b.map((e) => e.seq)).toEqual([1]);
    expect(c.map((e) => e.seq)).toEqual([3]);
    expect(c[0]).toEqual({ seq: 3, tenant: 'acme', ...draft('3') });
    expect(await log.cursor('acme')).toBe(3);
    expect(await log.cursor('nobody')).toBe(0);
  });

  it('replays exactly the events after a cursor, and nothing at the head', async () => {
    const log = await makeLog({ maxEvents: 100, maxAgeMs: 60_000 });
    const appended = await log.append('acme', ['1', '2', '3', '4'].map(draft));
    expect((await log.since('acme', 2))?.map((e) => e.seq)).toEqual([3, 4]);
    expect(await log.since('acme', 4)).toEqual([]);
    expect(await log.since('acme', 0)).toEqual(appended);
    expect(await log.since('nobody', 0)).toEqual([]);
  });

  it('keeps removal flags and changed fields through the log', async () => {
    const log = await makeLog({ maxEvents: 100, maxAgeMs: 60_000 });
    const removal: EventDraft = { ...draft('9'), type: 'blf.changed', removed: true, changed: ['state'] };
    await log.append('acme', [removal]);
    expect(await log.since('acme', 0)).toEqual([{ seq: 1, tenant: 'acme', ...removal }]);
  });

  it('answers null for a cursor out of the window (too old or in the future)', async () => {
    const log = await makeLog({ maxEvents: 3, maxAgeMs: 60_000 });
    await log.append('acme', ['1', '2', '3', '4', '5'].map(draft));
    expect(await log.since('acme', 1)).toBeNull();
    expect((await log.since('acme', 2))?.map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(await log.since('acme', 9)).toBeNull();
    expect(await log.since('nobody', 1)).toBeNull();
    expect(log.size()).toBe(3);
  });

  it('drops events older than maxAgeMs', async () => {
    let now = 1_000;
    const log = await makeLog({ maxEvents: 100, maxAgeMs: 500, now: () => now });
    await log.append('acme', [draft('1')]);
    now = 1_400;
    await log.append('acme', [draft('2')]);
    now = 1_600;
    expect(await log.since('acme', 0)).toBeNull();
    expect((await log.since('acme', 1))?.map((e) => e.seq)).toEqual([2]);
    await log.append('acme', [draft('3')]);
    expect(log.size()).toBe(2);
  });

  it('keeps the window bounded over many appends, and counts what it holds across tenants', async () => {
    const log = await makeLog({ maxEvents: 10, maxAgeMs: 60_000 });
    for (let i = 0; i < 1_500; i++) await log.append('acme', [draft(String(i))]);
    await log.append('globex', [draft('a'), draft('b')]);
    expect(log.size()).toBe(12);
    expect((await log.since('acme', 1_490))?.map((e) => e.seq)).toEqual([1_491, 1_492, 1_493, 1_494, 1_495, 1_496, 1_497, 1_498, 1_499, 1_500]);
    expect(await log.since('acme', 1_489)).toBeNull();
  });

  it('numbers a large batch in one step', async () => {
    const log = await makeLog({ maxEvents: 1_000, maxAgeMs: 60_000 });
    const events = await log.append('acme', Array.from({ length: 300 }, (_, i) => draft(String(i))));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect((await log.since('acme', 0))?.map((e) => e.key)).toEqual(events.map((e) => e.key));
  });
}

describe('EventLog contract: MemoryEventLog', () => {
  contract(async (options) => new MemoryEventLog(options));
});

describe.skipIf(!redisReady)('EventLog contract: RedisEventLog', () => {
  const redis: RedisFixture = useRedisServer();
  contract(async (options) => {
    const node = await redis.connect();
    return new RedisEventLog({ redis: node.client, keys: node.keys, ...options });
  });
});
