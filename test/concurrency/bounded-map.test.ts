import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/concurrency/bounded-map.ts';

describe('BoundedMap', () => {
  it('holds at most its capacity, forgetting the least recently used first', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect([...map.keys()]).toEqual(['a', 'c']);
    map.set('a', 4);
    map.set('d', 5);
    expect([...map.entries()]).toEqual([['a', 4], ['d', 5]]);
    expect(map.get('c')).toBeUndefined();
    expect(map.size).toBe(2);
  });

  it('refuses a capacity that is not a positive whole number', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) expect(() => new BoundedMap(capacity)).toThrow(RangeError);
  });
});
