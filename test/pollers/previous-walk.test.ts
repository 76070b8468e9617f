import { describe, expect, it } from 'vitest';
import { PreviousWalk } from '../../src/pollers/previous-walk.js';

const walkOf = (...keys: string[]) => new PreviousWalk(new Map(keys.map((key, i) => [key, i])));

describe('PreviousWalk', () => {
  it('finds keys in order, past one removed entry, and out of order through the index', () => {
    const walk = walkOf('a', 'b', 'c', 'd', 'e', 'f');
    expect(walk.locate('a')).toBe(0);
    expect(walk.expected).toBe(1);
    expect(walk.locate('c')).toBe(2); // b gone
    expect(walk.locate('f')).toBe(5); // d, e gone: the index, then the walk resumes after f
    expect(walk.expected).toBe(-1);
    expect(walk.locate('b')).toBe(1); // out of order: still found
    expect(walk.locate('zz')).toBe(-1);
  });

  it('claims each position once and lists the unclaimed ones as removals', () => {
    const walk = walkOf('a', 'b', 'c');
    expect(walk.claim(walk.locate('a'))).toBe(true);
    expect(walk.claim(0)).toBe(false);
    expect(walk.complete).toBe(false);
    expect(walk.claim(walk.locate('c'))).toBe(true);
    expect(walk.unclaimed()).toEqual([['b', 1]]);
    walk.claim(1);
    expect(walk.complete).toBe(true);
  });

  it('names a position that does not exist', () => {
    expect(() => walkOf('a').valueAt(3)).toThrow(RangeError);
  });
});
