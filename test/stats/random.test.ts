// The seeded generator and the binomial draw. A decision record names the seed
// of every resampling, and a replay years later must draw the same numbers, so
// the streams are pinned against an independent implementation
// (scripts/golden/random.py). The binomial draw is checked exactly: fed a fine
// grid of uniforms, it must give each value the share of the grid its
// probability is.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { binomial, seededRandom, type SeededRandom } from '../../src/stats/random.ts';
import golden from '../fixtures/golden/random.json' with { type: 'json' };

const digest = (values: ArrayLike<number>) => createHash('sha256').update(Buffer.from(Uint32Array.from(values).buffer)).digest('hex');

describe('seededRandom against an independent implementation', () => {
  it('gives the pinned xoshiro128** stream for seeds below, at and above 2^32 and up to 2^53 - 1', () => {
    for (const { seed, uint32 } of golden.streams) {
      const random = seededRandom(seed);
      expect(
        uint32.map(() => random.next() * 2 ** 32),
        `seed ${seed}`,
      ).toEqual(uint32);
    }
  });

  it('draws the pinned integers for ranges from 1 to 2^32, either side of 2^21 where the method changes', () => {
    for (const { seed, n, draws } of golden.integers) {
      const random = seededRandom(seed);
      expect(
        draws.map(() => random.int(n)),
        `int(${n})`,
      ).toEqual(draws);
      const filled = new Uint32Array(draws.length);
      seededRandom(seed).fillIndices(filled, n);
      expect(Array.from(filled), `fillIndices(${n})`).toEqual(draws);
    }
  });

  it("rejects exactly where Lemire's method must: the range with the most rejections, drawn one at a time and in bulk", () => {
    const { seed, n, count, first, sha256, rejections } = golden.rejecting;
    expect(rejections).toBeGreaterThan(50);
    const bulk = new Uint32Array(count);
    seededRandom(seed).fillIndices(bulk, n);
    expect(Array.from(bulk.subarray(0, first.length))).toEqual(first);
    expect(digest(bulk)).toBe(sha256);
    const single = seededRandom(seed);
    expect(digest(Array.from({ length: count }, () => single.int(n)))).toBe(sha256);
  });

  it('draws ranges above 2^21 from 53 bits', () => {
    const { seed, n, count, first, sha256 } = golden.wide;
    const random = seededRandom(seed);
    const draws = Array.from({ length: count }, () => random.int(n));
    expect(draws.slice(0, first.length)).toEqual(first);
    expect(digest(draws)).toBe(sha256);
    const bulk = new Uint32Array(count);
    seededRandom(seed).fillIndices(bulk, n);
    expect(digest(bulk)).toBe(sha256);
  });

  it('goes on with the same stream after a bulk fill, below 2^21 and above', () => {
    for (const { seed, range, filled, then_uint32 } of golden.after_fill) {
      const random = seededRandom(seed);
      const out = new Uint32Array(filled.length);
      random.fillIndices(out, range);
      expect(Array.from(out), `fillIndices(${range})`).toEqual(filled);
      expect(
        then_uint32.map(() => random.next() * 2 ** 32),
        `after fillIndices(${range})`,
      ).toEqual(then_uint32);
    }
  });
});

describe('seededRandom', () => {
  it('records its seed, and gives next() in [0, 1)', () => {
    const random = seededRandom(2 ** 40 + 5);
    expect(random.seed).toBe(2 ** 40 + 5);
    for (let i = 0; i < 1000; i++) {
      const x = random.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  it('refuses a seed that is negative, fractional or past 2^53, and a range outside 1..2^32 or fractional', () => {
    for (const seed of [-1, 0.5, 2 ** 53, Number.NaN]) expect(() => seededRandom(seed), `seed ${seed}`).toThrow(`seed must be a non-negative integer, got ${seed}`);
    const random = seededRandom(1);
    for (const n of [0, -3, 1.5, 2 ** 32 + 1, Number.POSITIVE_INFINITY]) {
      expect(() => random.int(n), `int(${n})`).toThrow(`integer range must be 1..${2 ** 32}, got ${n}`);
      expect(() => random.fillIndices(new Uint32Array(1), n), `fillIndices(${n})`).toThrow(RangeError);
    }
    expect(random.int(1)).toBe(0);
    expect(random.int(2 ** 32)).toBeLessThan(2 ** 32);
  });

  it('draws a resample as counts: the histogram of the same indices, whatever length came before', () => {
    for (const length of [5, 1000, 3, 64]) {
      const counts = new Uint32Array(length).fill(7);
      seededRandom(length).drawCounts(counts);
      const indices = new Uint32Array(length);
      seededRandom(length).fillIndices(indices, length);
      const expected = new Uint32Array(length);
      for (const index of indices) expected[index]!++;
      expect(Array.from(counts), `length ${length}`).toEqual(Array.from(expected));
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(length);
    }
  });
});

/** A generator whose next() walks a grid of uniforms: (i + 1/2) / size for i = 0, 1, ... */
function grid(size: number): SeededRandom {
  let i = 0;
  const refuse = () => {
    throw new Error('binomial draws only next()');
  };
  return { seed: 0, next: () => (i++ + 0.5) / size, int: refuse, drawCounts: refuse, fillIndices: refuse };
}

/** The Binomial(n, p) probabilities by the recurrence from P(0) = (1 - p)^n. */
function pmf(n: number, p: number): number[] {
  const out = [Math.pow(1 - p, n)];
  for (let k = 0; k < n; k++) out.push((out[k]! * (n - k) * p) / ((k + 1) * (1 - p)));
  return out;
}

describe('binomial', () => {
  const SIZE = 200_000;
  // Inversion from zero (n·p < 20), the search outward from the mode (n·p >= 20), and p above 1/2 by symmetry.
  const cases: Array<[number, number]> = [
    [10, 0.3],
    [1000, 0.001],
    [39, 0.5],
    [100, 0.2],
    [100, 0.4],
    [1000, 0.3],
    [60, 0.5],
    [50, 0.9],
    [30, 0.97],
  ];

  it.each(cases)('gives Binomial(%i, %f) each value with exactly its probability over a grid of uniforms', (n, p) => {
    const random = grid(SIZE);
    const counts = new Array<number>(n + 1).fill(0);
    for (let i = 0; i < SIZE; i++) counts[binomial(n, p, random)]!++;
    const exact = p > 0.5 ? pmf(n, 1 - p).reverse() : pmf(n, p);
    // Each value owns an interval of the uniforms as long as its probability, so
    // the grid's share differs from it by at most one point (and rounding).
    counts.forEach((count, k) => expect(Math.abs(count / SIZE - exact[k]!), `P(X = ${k})`).toBeLessThanOrEqual(1 / SIZE + 1e-9));
  });

  it('draws from a seed what it drew when records were first written (bootstraps resample through it)', () => {
    // Pinned from this implementation (each method is exact, so only these
    // values show which one ran): inversion below n·p = 20, the mode search above.
    const draws = (n: number, p: number) => {
      const random = seededRandom(31);
      return Array.from({ length: 8 }, () => binomial(n, p, random));
    };
    expect(draws(10, 0.3)).toEqual([5, 2, 2, 4, 2, 3, 3, 4]);
    expect(draws(1000, 0.015)).toEqual([21, 13, 14, 17, 12, 14, 15, 17]);
    expect(draws(100, 0.4)).toEqual([49, 38, 42, 45, 38, 37, 43, 45]);
    expect(draws(5000, 0.7)).toEqual([3562, 3489, 3516, 3534, 3511, 3483, 3479, 3467]);
  });

  it('draws 0 for no trials or p = 0, and n for p = 1, without drawing a uniform', () => {
    const none = grid(1);
    expect(binomial(0, 0.5, none)).toBe(0);
    expect(binomial(-2, 0.5, none)).toBe(0);
    expect(binomial(10, 0, none)).toBe(0);
    expect(binomial(10, -0.1, none)).toBe(0);
    expect(binomial(10, 1, none)).toBe(10);
    expect(binomial(10, 1.5, none)).toBe(10);
    expect(none.next()).toBe(0.5);
  });

  it('walks past an exhausted end: deep in one tail it gives the value there, not the mode', () => {
    // Binomial(100, 0.2): the walk from the mode (20) reaches 0 when it has covered 0..40, which
    // hold all but 1.3e-6; u = 1 - 1e-9 lies further up the upper tail.
    const exact = pmf(100, 0.2);
    let below = 0;
    let inverse = 0;
    while (below + exact[inverse]! < 1 - 1e-9) below += exact[inverse++]!;
    expect(inverse).toBeGreaterThan(40);
    expect(binomial(100, 0.2, { ...grid(1), next: () => 1 - 1e-9 })).toBe(inverse);
  });

  it('stops at n when rounding leaves the summed probabilities short of u (inversion from zero)', () => {
    // Binomial(10, 0.3)'s eleven probabilities sum to 1 - 2^-52 here: u = 1 - 2^-53 is past them all.
    expect(binomial(10, 0.3, { ...grid(1), next: () => 1 - 2 ** -53 })).toBe(10);
  });

  it('returns the mode when rounding leaves a sliver of probability past both ends', () => {
    // u just below 1: Binomial(40, 1/2)'s probabilities, summed outward from the
    // mode, fall 4e-15 short of it, so the walk reaches both ends with some left.
    const almostOne: SeededRandom = { ...grid(1), next: () => 1 - 2 ** -53 };
    expect(binomial(40, 0.5, almostOne)).toBe(20);
    // Binomial(300, 0.1) falls 4e-14 short, and its walk reaches 0 (from 30) long before 300:
    // the exhausted lower end must stay at 0 while the upper end walks on.
    expect(binomial(300, 0.1, almostOne)).toBe(30);
  });
});
