// Doubles as ordered integer keys, which the exact quantile searches bisect
// over (special.ts, hypothesis-tests.ts): the order of the doubles, zero once,
// adjacent doubles a key apart.
import { describe, expect, it } from 'vitest';
import { fromOrderedKey, orderedKey } from '../../src/stats/doubles.ts';

describe('orderedKey and fromOrderedKey', () => {
  it('keep the order of the doubles, with -0 and +0 one key, 0', () => {
    const ascending = [-Infinity, -Number.MAX_VALUE, -1, -Number.MIN_VALUE, 0, Number.MIN_VALUE, 1, Number.MAX_VALUE, Infinity];
    const keys = ascending.map(orderedKey);
    for (let i = 1; i < keys.length; i++) expect(keys[i]! > keys[i - 1]!, String(ascending[i])).toBe(true);
    expect(orderedKey(-0)).toBe(0n);
    expect(orderedKey(0)).toBe(0n);
  });

  it('give adjacent doubles adjacent keys, across zero too', () => {
    expect(orderedKey(Number.MIN_VALUE)).toBe(1n);
    expect(orderedKey(-Number.MIN_VALUE)).toBe(-1n);
    expect(orderedKey(1 + Number.EPSILON) - orderedKey(1)).toBe(1n);
    expect(orderedKey(-1) - orderedKey(-1 - Number.EPSILON)).toBe(1n);
  });

  it('map a key back to its double, key 0 to +0', () => {
    expect(Object.is(fromOrderedKey(0n), 0)).toBe(true);
    for (const value of [-Infinity, -1.5, -Number.MIN_VALUE, Number.MIN_VALUE, 0.1, 1e300, Infinity]) expect(fromOrderedKey(orderedKey(value))).toBe(value);
    expect(fromOrderedKey(-1n)).toBe(-Number.MIN_VALUE);
  });
});
