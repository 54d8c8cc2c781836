import { describe, expect, it } from 'vitest';
import { hodgesLehmannShift, mannWhitneyNullCdf, mannWhitneyU } from '../../src/stats/hypothesis-tests.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/random.ts';
import { normalQuantile } from '../../src/stats/special.ts';

// The oracles: the implementations these replaced, which formed every pairwise
// difference (and one object per sample) and sorted them. The replacements must
// give the same doubles, so results are compared with Object.is (toBe), which
// also tells -0 from +0.

function materialisedHodgesLehmann(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.95) {
  const n1 = x.length;
  const n2 = y.length;
  const differences = new Float64Array(n1 * n2);
  let k = 0;
  for (let i = 0; i < n1; i++) for (let j = 0; j < n2; j++) differences[k++] = y[j]! - x[i]!;
  differences.sort();
  const m = differences.length;
  const shift = m % 2 === 1 ? differences[(m - 1) / 2]! : (differences[m / 2 - 1]! + differences[m / 2]!) / 2;
  const c = cutoff(n1, n2, level);
  if (c < 0) return { shift, ci: { low: -Infinity, high: Infinity, level } };
  return { shift, ci: { low: differences[c]!, high: differences[m - 1 - c]!, level } };
}

// rankCutoff as it stood, so the oracle does not share the code under test.
function cutoff(n1: number, n2: number, level: number): number {
  const alpha = (1 - level) / 2;
  if (n1 + n2 <= 60) {
    const cdf = mannWhitneyNullCdf(n1, n2);
    let c = -1;
    while (c + 1 < cdf.length && cdf[c + 1]! <= alpha) c++;
    return c;
  }
  const z = normalQuantile(1 - alpha);
  return Math.floor((n1 * n2) / 2 - 0.5 - z * Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12));
}

function objectRankSumU(x: ArrayLike<number>, y: ArrayLike<number>): { u: number; tieTerm: number } {
  const n1 = x.length;
  const all = [...Array.from(x, (value) => ({ value, group: 0 })), ...Array.from(y, (value) => ({ value, group: 1 }))].sort((a, b) => a.value - b.value);
  const n = all.length;
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.value === all[i]!.value) j++;
    const rank = (i + j) / 2 + 1;
    const count = j - i + 1;
    tieTerm += count ** 3 - count;
    for (let k = i; k <= j; k++) if (all[k]!.group === 0) rankSumX += rank;
    i = j + 1;
  }
  return { u: rankSumX - (n1 * (n1 + 1)) / 2, tieTerm };
}

type Generator = (random: SeededRandom) => number;
const generators: Record<string, Generator> = {
  continuous: (random) => Math.exp(normalQuantile(random.next() * 0.998 + 0.001)),
  'rounded, few levels': (random) => Math.round(random.next() * 6) / 2,
  'mostly zeros': (random) => (random.next() < 0.8 ? 0 : Math.round(random.next() * 3) / 100),
  'signed zeros': (random) => [0, -0, 0.5, -0.5][random.int(4)]!,
  'negative and positive': (random) => Math.round((random.next() - 0.5) * 40) / 8,
  huge: (random) => (random.next() < 0.5 ? -1 : 1) * 1.5e308 * random.next(),
};

describe('hodgesLehmannShift', () => {
  describe('when compared with forming and sorting every pairwise difference', () => {
    const sizes: [number, number][] = [
      [1, 1],
      [1, 7],
      [6, 1],
      [2, 2],
      [5, 9],
      [20, 20],
      [29, 31],
      [31, 30],
      [60, 45],
      [120, 120],
      [200, 37],
    ];
    it.each(Object.keys(generators))('gives the same doubles for %s data, at every size and level', (name) => {
      const draw = generators[name]!;
      const random = seededRandom(name.length * 7919);
      for (const [n1, n2] of sizes) {
        for (let repeat = 0; repeat < 3; repeat++) {
          const x = Array.from({ length: n1 }, () => draw(random));
          const y = Array.from({ length: n2 }, () => draw(random) + (repeat === 2 ? 0.25 : 0));
          for (const level of [0.5, 0.8, 0.95, 0.999, 1 - 2e-9]) {
            const expected = materialisedHodgesLehmann(x, y, level);
            const actual = hodgesLehmannShift(x, y, level);
            const where = `${name} ${n1}x${n2} level ${level}`;
            expect(actual.shift, where).toBe(expected.shift);
            expect(actual.ci.low, where).toBe(expected.ci.low);
            expect(actual.ci.high, where).toBe(expected.ci.high);
            expect(actual.ci.level).toBe(level);
          }
        }
      }
    });

    it('gives the same doubles when every value is equal, and for a single pair', () => {
      for (const [x, y] of [
        [[3, 3, 3, 3], [3, 3, 3]],
        [Array(70).fill(0), Array(50).fill(0)],
        [Array(40).fill(-0), Array(40).fill(0)],
        [Array(40).fill(0), Array(40).fill(-0)],
        [[2], [5]],
        [[-0], [0]],
        [[0], [-0]],
        // -0 sorts before +0, and a difference is -0 only as (-0) - (+0): here twelve of sixteen.
        [[-0, 0, 0, 0], [-0, -0, -0, -0]],
        [[0, -0, 0, -0, 0], [-0, 1, -0, -1, 0]],
        [[1e308], [-1e308]],
      ] as const) {
        for (const level of [0.9, 0.95]) {
          const expected = materialisedHodgesLehmann(x, y, level);
          const actual = hodgesLehmannShift(x, y, level);
          expect(actual.shift).toBe(expected.shift);
          expect(actual.ci.low).toBe(expected.ci.low);
          expect(actual.ci.high).toBe(expected.ci.high);
        }
      }
    });

    it('gives the same doubles at canary size (1440 per arm, rounded latencies)', () => {
      const random = seededRandom(5);
      const x = Array.from({ length: 1440 }, () => Math.round(100 * generators.continuous!(random)));
      const y = Array.from({ length: 1440 }, () => Math.round(103 * generators.continuous!(random)));
      expect(hodgesLehmannShift(x, y)).toEqual(materialisedHodgesLehmann(x, y));
    });
  });

  describe('when a sample is empty or not finite', () => {
    it('refuses it', () => {
      expect(() => hodgesLehmannShift([], [1])).toThrow('Hodges-Lehmann needs two non-empty samples');
      expect(() => hodgesLehmannShift([1], [])).toThrow('Hodges-Lehmann needs two non-empty samples');
      expect(() => hodgesLehmannShift([1, Number.NaN], [1])).toThrow('Hodges-Lehmann needs finite values, got NaN');
      expect(() => hodgesLehmannShift([1], [Infinity])).toThrow('Hodges-Lehmann needs finite values, got Infinity');
    });
  });
});

describe('mannWhitneyU', () => {
  it.each(Object.keys(generators))('gives the same U, z and p as ranking one object per sample, for %s data', (name) => {
    const draw = generators[name]!;
    const random = seededRandom(name.length * 104729);
    for (const [n1, n2] of [
      [1, 1],
      [3, 8],
      [25, 25],
      [130, 90],
      [1000, 1200],
    ] as const) {
      const x = Array.from({ length: n1 }, () => draw(random));
      const y = Array.from({ length: n2 }, () => draw(random));
      const { u, tieTerm } = objectRankSumU(x, y);
      const n = n1 + n2;
      const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
      const result = mannWhitneyU(x, y);
      expect(result.u).toBe(u);
      if (sd === 0) expect(result).toEqual({ u, z: 0, pValue: 1 });
      else expect(result.z).toBe((Math.abs(u - (n1 * n2) / 2) - 0.5) / sd);
    }
  });

  it('refuses empty and non-finite samples', () => {
    expect(() => mannWhitneyU([1], [])).toThrow('Mann-Whitney U needs two non-empty samples');
    expect(() => mannWhitneyU([], [1])).toThrow('Mann-Whitney U needs two non-empty samples');
    expect(() => mannWhitneyU([1, Number.NaN], [2])).toThrow('Mann-Whitney U needs finite values, got NaN');
    expect(() => mannWhitneyU([1], [2, -Infinity])).toThrow('Mann-Whitney U needs finite values, got -Infinity');
  });
});

describe('mannWhitneyNullCdf', () => {
  // U counts the pairs with x above y: every way of placing n1 x's among n1 + n2 ranks, counted.
  function enumerated(n1: number, n2: number): number[] {
    const counts = new Array<number>(n1 * n2 + 1).fill(0);
    const place = (start: number, left: number, chosen: number[]) => {
      if (left === 0) {
        // The x at rank r (0-based) is above the y's ranked below it: r minus the x's below it.
        counts[chosen.reduce((u, rank, i) => u + rank - i, 0)]!++;
        return;
      }
      for (let rank = start; rank <= n1 + n2 - left; rank++) place(rank + 1, left - 1, [...chosen, rank]);
    };
    place(0, n1, []);
    const total = counts.reduce((a, b) => a + b, 0);
    let running = 0;
    return counts.map((count) => (running += count) / total);
  }

  it('is the cumulative distribution of U over every arrangement of the ranks, ending at exactly 1', () => {
    expect(Array.from(mannWhitneyNullCdf(2, 3))).toEqual([0.1, 0.2, 0.4, 0.6, 0.8, 0.9, 1]);
    for (const [n1, n2] of [[1, 1], [1, 5], [4, 4], [3, 7], [6, 5], [8, 9]] as const) {
      const cdf = mannWhitneyNullCdf(n1, n2);
      expect(cdf).toHaveLength(n1 * n2 + 1);
      const expected = enumerated(n1, n2);
      cdf.forEach((value, u) => expect(Math.abs(value - expected[u]!), `${n1}x${n2} P(U <= ${u})`).toBeLessThanOrEqual(1e-15));
      expect(cdf[n1 * n2]).toBe(1);
    }
  });
});
