import { describe, expect, it } from 'vitest';
import { hodgesLehmannShift, mannWhitneyU } from '../../src/stats/hypothesis-tests.ts';
import golden from '../fixtures/golden/canary-rank.json' with { type: 'json' };

// Golden values from scipy and numpy at canary sizes (scripts/golden/canary_rank.py):
// per-step samples of a baseline arm x and a canary arm y, 3 to 6000 per arm, with
// heavy ties. p-values agree to 1e-9 relative; U, the Hodges-Lehmann estimate and
// the interval's order statistics are the same doubles.
const name = (c: (typeof golden.cases)[number]) => `${c.kind}, ${c.n1} x ${c.n2}`;

describe('mannWhitneyU at canary sizes', () => {
  it.each(golden.cases.map((c) => [name(c), c] as const))('%s: matches scipy.stats.mannwhitneyu(y, x, method="asymptotic")', (_, c) => {
    const result = mannWhitneyU(c.x, c.y);
    // scipy's U is its first argument's, the canary's; ours is the baseline's.
    expect(result.u).toBe(c.n1 * c.n2 - c.u_canary);
    expect(Math.abs(result.pValue - c.p), `${result.pValue} vs ${c.p}`).toBeLessThanOrEqual(1e-9 * c.p);
  });
});

describe('hodgesLehmannShift at canary sizes', () => {
  it('has cases at every canary size, with and without ties, and small enough for the exact cutoff', () => {
    const sizes = new Set(golden.cases.map((c) => c.n1));
    for (const n of [120, 480, 1440, 5760]) expect(sizes.has(n)).toBe(true);
    expect(golden.cases.some((c) => c.n1 !== c.n2 && c.n1 + c.n2 > 60)).toBe(true);
    expect(golden.cases.some((c) => c.n1 + c.n2 <= 60 && c.intervals.some((i) => i.low === null))).toBe(true);
    expect(golden.cases.filter((c) => c.kind.startsWith('histogram')).length).toBeGreaterThanOrEqual(4);
  });

  it.each(golden.cases.map((c) => [name(c), c] as const))('%s: the median of the differences and the order statistics at each level are numpy\'s', (_, c) => {
    for (const expected of c.intervals) {
      const { shift, ci } = hodgesLehmannShift(c.x, c.y, expected.level);
      expect(shift).toBe(c.shift);
      expect(ci.low, `level ${expected.level}, c = ${expected.c}`).toBe(expected.low ?? -Infinity);
      expect(ci.high, `level ${expected.level}, c = ${expected.c}`).toBe(expected.high ?? Infinity);
    }
  });
});
