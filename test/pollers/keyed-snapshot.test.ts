import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildKeyedSnapshot, KeyedSnapshot, type Reuse } from '../../src/pollers/keyed-snapshot.js';
import { diffSnapshots } from '../../src/pollers/snapshot-diff.js';
import type { Entity } from '../../src/protocol/entities.js';

/** A vendor record: its key and one state field. */
interface Record {
  id: string;
  state: string;
}

const build = (record: Record): Entity => ({ source: 's', observedAt: 't', extension: record.id, state: record.state, raw: { ...record } }) as Entity;
const sameRecord = (previous: unknown, record: Record): boolean => {
  const raw = (previous as { raw?: Record }).raw;
  return raw?.id === record.id && raw.state === record.state;
};
const REUSE: Reuse<Record> = { same: sameRecord, keyFollows: true };
const keyOf = (record: Record): string => record.id;

/** What the builder must equal: a Map, first record of a key wins, no reuse. */
function reference(records: readonly Record[]): Map<string, Record> {
  const map = new Map<string, Record>();
  for (const record of records) if (record.id !== '' && !map.has(record.id)) map.set(record.id, record);
  return map;
}

const records = fc.array(fc.record({ id: fc.constantFrom('', 'a', 'b', 'c', 'd', 'e', 'f', 'g'), state: fc.constantFrom('idle', 'busy') }), {
  maxLength: 14,
});

describe('buildKeyedSnapshot', () => {
  it('hands back the previous entity object for an unchanged record, and a new one for a changed record', () => {
    const first = buildKeyedSnapshot([{ id: 'a', state: 'idle' }, { id: 'b', state: 'idle' }], { keyOf, build, reuse: REUSE });
    const second = buildKeyedSnapshot([{ id: 'a', state: 'idle' }, { id: 'b', state: 'busy' }], { keyOf, build, reuse: REUSE, previous: first });
    expect(second.get('a')).toBe(first.get('a'));
    expect(second.get('b')).not.toBe(first.get('b'));
    expect(second.get('b')).toMatchObject({ state: 'busy' });
    expect(diffSnapshots(first, second).map((c) => [c.kind, c.key, c.changed])).toEqual([['updated', 'b', ['state']]]);
  });

  it('keeps the first record of a duplicated key, also when the duplicate arrives where the walk expects it', () => {
    const previous = buildKeyedSnapshot(['a', 'b', 'c', 'd'].map((id) => ({ id, state: 'idle' })), { keyOf, build, reuse: REUSE });
    // `d` first (out of order), then a, b, c in place, then `d` again exactly where the walk expects it.
    const next = buildKeyedSnapshot(
      [{ id: 'd', state: 'busy' }, { id: 'a', state: 'idle' }, { id: 'b', state: 'idle' }, { id: 'c', state: 'idle' }, { id: 'd', state: 'idle' }],
      { keyOf, build, reuse: REUSE, previous },
    );
    expect([...next.keys()]).toEqual(['d', 'a', 'b', 'c']);
    expect(next.get('d')).toMatchObject({ state: 'busy' });
  });

  it('equals a plain first-wins Map for any records and any previous snapshot (property)', () => {
    fc.assert(
      fc.property(records, records, (before, after) => {
        const previous = buildKeyedSnapshot(before, { keyOf, build, reuse: REUSE });
        const next = buildKeyedSnapshot(after, { keyOf, build, reuse: REUSE, previous });
        const expected = reference(after);
        expect([...next.keys()]).toEqual([...expected.keys()]);
        for (const [key, record] of expected) {
          expect(next.get(key)).toMatchObject({ extension: record.id, state: record.state });
          // Reused exactly when the previous snapshot's record under that key was equal.
          const old = previous.get(key);
          expect(next.get(key) === old).toBe(old !== undefined && sameRecord(old, record));
        }
        expect(next.size).toBe(expected.size);
      }),
      { numRuns: 500 },
    );
  });
});

describe('diffSnapshots against a plain Map diff (property)', () => {
  it('finds the same additions, updates and removals, in the same order', () => {
    fc.assert(
      fc.property(records, records, (before, after) => {
        const previous = buildKeyedSnapshot(before, { keyOf, build, reuse: REUSE });
        const next = buildKeyedSnapshot(after, { keyOf, build, reuse: REUSE, previous });
        const old = reference(before);
        const now = reference(after);
        const expected: Array<[string, string]> = [];
        for (const [key, record] of now) {
          const was = old.get(key);
          if (was === undefined) expected.push(['added', key]);
          else if (was.state !== record.state) expected.push(['updated', key]);
        }
        for (const key of old.keys()) if (!now.has(key)) expected.push(['removed', key]);
        expect(diffSnapshots(previous, next).map((c) => [c.kind, c.key])).toEqual(expected);
        // The same answer from plain Maps (what other vendors hand the diff).
        expect(diffSnapshots(new Map(previous), new Map(next)).map((c) => [c.kind, c.key])).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });
});

describe('KeyedSnapshot', () => {
  it('is a ReadonlyMap in insertion order', () => {
    const snapshot = new KeyedSnapshot(['x', 'y'], [1, 2]);
    expect(snapshot.size).toBe(2);
    expect(snapshot.get('y')).toBe(2);
    expect(snapshot.has('z')).toBe(false);
    expect([...snapshot]).toEqual([
      ['x', 1],
      ['y', 2],
    ]);
    expect([...snapshot.values()]).toEqual([1, 2]);
    const seen: string[] = [];
    snapshot.forEach((value, key) => seen.push(`${key}=${value}`));
    expect(seen).toEqual(['x=1', 'y=2']);
    expect(new Map(snapshot).get('x')).toBe(1);
  });

  it('refuses keys and values of different lengths', () => {
    expect(() => new KeyedSnapshot(['x'], [])).toThrow(/1 keys for 0 values/);
  });
});
