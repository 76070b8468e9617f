/**
 * The StateStore contract, run against MemoryStateStore and RedisStateStore, then what only the
 * Redis store does: state written by the log's append script, applies that cannot go back in
 * time, and a snapshot whose cursor matches its entities on any node.
 */
import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/bus/event-log.js';
import { MemoryStateStore } from '../../src/bus/memory-state-store.js';
import type { StateStore } from '../../src/bus/state-store.js';
import { RedisEventLog } from '../../src/cluster/redis-event-log.js';
import { RedisStateStore } from '../../src/cluster/redis-state-store.js';
import type { Entity } from '../../src/protocol/entities.js';
import type { BridgeEvent } from '../../src/protocol/events.js';
import { redisAvailable } from '../support/redis-server.js';
import { useRedisServer } from './redis-fixture.js';

const redisReady = redisAvailable('cluster state store');

type BlfState = 'idle' | 'inuse' | 'busy' | 'ringing' | 'onhold' | 'unavailable' | 'unknown';
const blf = (key: string, source: string, state: string, observedAt = '2026-11-23T10:00:00.000Z'): Entity => ({
  source,
  observedAt,
  extension: key,
  state: state as BlfState,
});

let seq = 0;
const event = (key: string, source: string, state: string, extra: Partial<BridgeEvent> = {}): BridgeEvent => ({
  seq: ++seq,
  tenant: 'acme',
  topic: 'blfs',
  type: 'blf.changed',
  key,
  source,
  ts: '2026-11-23T10:00:00.000Z',
  data: blf(key, source, state),
  ...extra,
});

const byKey = (list: readonly Entity[] | undefined): Entity[] =>
  [...(list ?? [])].sort((a, b) => String(a.extension).localeCompare(String(b.extension)));

function contract(makeStore: () => Promise<StateStore>): void {
  it('applies upserts and removals per tenant + topic', async () => {
    const store = await makeStore();
    await store.apply('acme', [event('100', 'm', 'idle'), event('101', 'm', 'busy'), event('100', 'm', 'inuse')]);
    await store.apply('acme', [event('101', 'm', 'busy', { removed: true })]);
    await store.apply('globex', [{ ...event('100', 'm', 'ringing'), tenant: 'globex' }]);
    expect(new Map(await store.entities('acme', 'blfs'))).toEqual(new Map([['100', blf('100', 'm', 'inuse')]]));
    expect(await store.entity('acme', 'blfs', '100')).toEqual(blf('100', 'm', 'inuse'));
    expect(await store.entity('acme', 'blfs', '101')).toBeUndefined();
    expect(await store.entity('globex', 'blfs', '100')).toEqual(blf('100', 'm', 'ringing'));
    expect(new Map(await store.entities('acme', 'peers'))).toEqual(new Map());
  });

  it("filters a topic by source and names a key's owner", async () => {
    const store = await makeStore();
    await store.apply('acme', [event('100', 'mirta', 'idle'), event('200', 'kazoo', 'busy'), event('101', 'mirta', 'busy')]);
    const mirta = await store.entities('acme', 'blfs', 'mirta');
    expect([...mirta.keys()].sort()).toEqual(['100', '101']);
    expect([...(await store.entities('acme', 'blfs', 'kazoo')).keys()]).toEqual(['200']);
    expect(new Map(await store.entities('acme', 'blfs', 'nobody'))).toEqual(new Map());
    expect(await store.owner('acme', 'blfs', '200')).toBe('kazoo');
    expect(await store.owner('acme', 'blfs', '999')).toBeUndefined();
    expect(await store.owner('acme', 'peers', '200')).toBeUndefined();
  });

  it('brings observedAt up to the latest confirmation of its source in snapshots only', async () => {
    const store = await makeStore();
    await store.apply('acme', [event('100', 'mirta', 'idle'), event('200', 'kazoo', 'busy')]);
    await store.confirm('acme', 'blfs', 'mirta', '2026-11-23T10:05:00.000Z');
    await store.confirm('acme', 'blfs', 'kazoo', '2026-11-23T09:00:00.000Z'); // older than the entity
    const snapshot = await store.snapshot('acme', ['blfs', 'peers']);
    expect(byKey(snapshot.blfs)).toEqual([blf('100', 'mirta', 'idle', '2026-11-23T10:05:00.000Z'), blf('200', 'kazoo', 'busy')]);
    expect(snapshot.peers).toEqual([]);
    expect(Object.keys(snapshot).sort()).toEqual(['blfs', 'peers']);
    // The stored entity keeps its own observedAt.
    expect((await store.entity('acme', 'blfs', '100'))?.observedAt).toBe('2026-11-23T10:00:00.000Z');
    await store.confirm('acme', 'blfs', 'mirta', '2026-11-23T10:06:00.000Z');
    expect(byKey((await store.snapshot('acme', ['blfs'])).blfs)[0]?.observedAt).toBe('2026-11-23T10:06:00.000Z');
  });

  it('keeps entity fields it does not know (vendor extras, raw) intact', async () => {
    const store = await makeStore();
    const data = { ...blf('100', 'm', 'idle'), raw: { nested: [1, 'two', null] }, callsTaken: 3, paused: false };
    await store.apply('acme', [{ ...event('100', 'm', 'idle'), data }]);
    expect(await store.entity('acme', 'blfs', '100')).toEqual(data);
  });
}

describe('StateStore contract: MemoryStateStore', () => {
  contract(async () => new MemoryStateStore());
});

describe.skipIf(!redisReady)('StateStore contract: RedisStateStore', () => {
  const redis = useRedisServer();
  contract(async () => {
    const node = await redis.connect();
    return new RedisStateStore({ redis: node.client, keys: node.keys });
  });
});

describe.skipIf(!redisReady)('RedisStateStore in a cluster', () => {
  const redis = useRedisServer();

  async function node() {
    const connection = await redis.connect();
    const log = new RedisEventLog({ redis: connection.client, keys: connection.keys, maxEvents: 10_000, maxAgeMs: 600_000, writeState: true });
    const state = new RedisStateStore({ redis: connection.client, keys: connection.keys });
    return { log, state };
  }

  const change = (key: string, state: string, n: number): EventDraft => ({
    topic: 'blfs',
    type: 'blf.changed',
    key,
    source: 'm',
    ts: '2026-11-23T10:00:00.000Z',
    data: { ...blf(key, 'm', state), n },
    ...(state === 'gone' ? { removed: true as const } : {}),
  });

  it("holds what the log's append wrote, and a repeated or late apply changes nothing", async () => {
    const a = await node();
    const b = await node();
    const first = await a.log.append('acme', [change('100', 'idle', 1), change('101', 'busy', 2)]);
    const second = await b.log.append('acme', [change('100', 'inuse', 3), change('101', 'gone', 4)]);
    expect(new Map(await b.state.entities('acme', 'blfs'))).toEqual(new Map([['100', { ...blf('100', 'm', 'inuse'), n: 3 }]]));
    // Node A applies its batch late (after B's): the newer state stays.
    await a.state.apply('acme', first);
    await b.state.apply('acme', second);
    expect(new Map(await a.state.entities('acme', 'blfs'))).toEqual(new Map([['100', { ...blf('100', 'm', 'inuse'), n: 3 }]]));
    expect(await a.state.snapshotWithCursor('acme', ['blfs'])).toEqual({ cursor: 4, snapshot: { blfs: [{ ...blf('100', 'm', 'inuse'), n: 3 }] } });
  });

  it('gives a snapshot whose cursor matches its entities while other nodes append', async () => {
    const writers = [await node(), await node()];
    const reader = await node();
    let stop = false;
    let n = 0;
    const keys = ['100', '101', '102', '103'];
    const writing = writers.map(async ({ log }) => {
      while (!stop) {
        const key = keys[n % keys.length]!;
        const state = n % 5 === 4 ? 'gone' : ['idle', 'busy', 'inuse', 'ringing'][n % 4]!;
        await log.append('acme', [change(key, state, ++n)]);
      }
    });
    let checked = 0;
    try {
      for (let round = 0; round < 25; round++) {
        const { cursor, snapshot } = await reader.state.snapshotWithCursor('acme', ['blfs']);
        const history = (await reader.log.since('acme', 0)) ?? [];
        const expected = new Map<string, Entity>();
        for (const e of history) {
          if (e.seq > cursor) break;
          if (e.removed) expected.delete(e.key);
          else expected.set(e.key, e.data);
        }
        expect(byKey(snapshot.blfs)).toEqual(byKey([...expected.values()]));
        checked++;
      }
    } finally {
      stop = true;
      await Promise.all(writing);
    }
    expect(checked).toBe(25);
    expect(n).toBeGreaterThan(0);
  });
});
