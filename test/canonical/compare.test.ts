import { describe, expect, it } from 'vitest';
import { compareCodePoints, compareCodeUnits } from '../../src/canonical/compare.ts';
import { seededRandom } from '../../src/stats/random.ts';

// The comparator digest and OPA hashing used before it was shared: whole code points, one by one.
function byCodePointArrays(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

const codePoints = (text: string) => [...text].map((c) => c.codePointAt(0)!.toString(16)).join(' ');

// Units chosen to meet at the edges: ASCII, U+E000–U+FFFF, paired and lone surrogates.
const UNITS = ['a', 'b', '\u00e9', '\ue000', '\uffff', '\ud83d\ude00', '\ud800\udc00', '\udbff\udfff', '\ud800', '\udc00'];

describe('compareCodePoints', () => {
  it('orders a character above U+FFFF after U+E000–U+FFFF, where UTF-16 order puts it before', () => {
    expect(compareCodePoints('\u{1F600}', '\uffff')).toBeGreaterThan(0);
    expect(compareCodeUnits('\u{1F600}', '\uffff')).toBeLessThan(0);
    expect(['\uffff', '\u{1F600}', 'z', ''].sort(compareCodePoints)).toEqual(['', 'z', '\uffff', '\u{1F600}']);
  });

  it('agrees in sign with comparing arrays of code points, lone surrogates included', () => {
    const random = seededRandom(9);
    const text = () => Array.from({ length: random.int(5) }, () => UNITS[random.int(UNITS.length)]!).join('');
    for (let n = 0; n < 50_000; n++) {
      const [a, b] = [text(), text()];
      expect(Math.sign(compareCodePoints(a, b)), `${codePoints(a)} | ${codePoints(b)}`).toBe(Math.sign(byCodePointArrays(a, b)));
    }
  });
});

describe('compareCodeUnits', () => {
  it('orders as Array.prototype.sort does without a comparator', () => {
    const words = ['b', 'a', '\u{1F600}', '\uffff', 'B', '', 'ab'];
    expect([...words].sort(compareCodeUnits)).toEqual([...words].sort());
  });
});
