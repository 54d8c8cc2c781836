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

  it('with weights, holds entries whose weights sum to at most its capacity, and never one heavier than all of it', () => {
    const map = new BoundedMap<string, string>(10, (value) => value.length);
    map.set('a', 'xxxx').set('b', 'yyyy');
    expect(map.weight).toBe(8);
    map.get('a');
    map.set('c', 'zzz');
    // 11 > 10: the least recently used (b) goes.
    expect([...map.keys()]).toEqual(['a', 'c']);
    expect(map.weight).toBe(7);
    map.set('a', 'x');
    expect(map.weight).toBe(4);
    expect(map.delete('c')).toBe(true);
    expect(map.delete('c')).toBe(false);
    expect(map.weight).toBe(1);
    map.set('big', 'w'.repeat(11));
    expect(map.has('big')).toBe(false);
    expect([...map.entries()]).toEqual([['a', 'x']]);
    map.clear();
    expect(map.weight).toBe(0);
  });

  it('refuses a capacity that is not a positive whole number', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) expect(() => new BoundedMap(capacity)).toThrow(RangeError);
  });
});
