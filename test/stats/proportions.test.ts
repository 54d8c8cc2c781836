import { describe, expect, it } from 'vitest';
import { clopperPearsonInterval, koopmanRatioInterval, newcombeInterval, samplesNeeded, wilsonInterval } from '../../src/stats/intervals.ts';
import { bonferroniLevel, halfNormalSumBound, pairsOf, ratioBounds, sidakLevel, spreadBounds } from '../../src/stats/simultaneous.ts';
import golden from '../fixtures/golden/proportions.json' with { type: 'json' };

const close = (actual: number, expected: number, tolerance = 1e-9) => {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
};

describe('single-proportion intervals', () => {
  describe('#wilsonInterval and #clopperPearsonInterval', () => {
    it('match statsmodels proportion_confint (wilson, beta) at 95% and at Bonferroni pair levels', () => {
      expect(golden.single.length).toBeGreaterThan(100);
      for (const { k, n, level, wilson, exact } of golden.single) {
        const w = wilsonInterval(k, n, level);
        close(w.low, wilson[0]!);
        close(w.high, wilson[1]!);
        const e = clopperPearsonInterval(k, n, level);
        close(e.low, exact[0]!, 1e-8);
        close(e.high, exact[1]!, 1e-8);
      }
    });
  });

  describe('when the counts or the level are not possible', () => {
    it('refuse fractional counts and levels outside (0, 1), the unmodified input first', () => {
      for (const interval of [wilsonInterval, clopperPearsonInterval]) {
        expect(interval(3, 10, 0.95).level).toBe(0.95);
        for (const [k, n, level] of [[2.5, 10, 0.95], [3, 10.5, 0.95], [3, 10, 0], [3, 10, 1], [3, 10, -0.5], [3, 10, 1.5], [3, 10, Number.NaN]] as const) {
          expect(() => interval(k, n, level), `${k}/${n} at ${level}`).toThrow(RangeError);
        }
      }
      expect(koopmanRatioInterval(3, 10, 4, 10).level).toBe(0.95);
      expect(() => koopmanRatioInterval(3, 10, 4.5, 10)).toThrow(RangeError);
      expect(() => koopmanRatioInterval(11, 10, 4, 10)).toThrow(RangeError);
    });
  });

  describe('#samplesNeeded', () => {
    it('names a count whose exact one-sided bound, the one the safety verdict uses, reaches the rate', () => {
      // The case: 368 clean prompts for 0.99 at one-sided 97.5%.
      const n = samplesNeeded(0.99, 0.975);
      expect(n).toBe(368);
      expect(clopperPearsonInterval(n, n, 0.95).low).toBeGreaterThanOrEqual(0.99);
      expect(clopperPearsonInterval(n - 1, n - 1, 0.95).low).toBeLessThan(0.99);
      for (const failures of [1, 3, 10]) {
        const m = samplesNeeded(0.95, 0.975, failures);
        expect(clopperPearsonInterval(m - failures, m, 0.95).low).toBeGreaterThanOrEqual(0.95);
        expect(clopperPearsonInterval(m - 1 - failures, m - 1, 0.95).low).toBeLessThan(0.95);
      }
    });
  });
});

describe('samplesNeeded when the rate or the confidence is not in (0, 1)', () => {
  it('refuses it, each argument alone, the unmodified call first', () => {
    expect(samplesNeeded(0.95, 0.975)).toBe(72);
    for (const [rate, confidence] of [[0, 0.975], [1, 0.975], [-0.5, 0.975], [1.5, 0.975], [Number.NaN, 0.975], [0.95, 0], [0.95, 1], [0.95, -0.5], [0.95, 1.5], [0.95, Number.NaN]] as const) {
      expect(() => samplesNeeded(rate, confidence), `rate ${rate}, confidence ${confidence}`).toThrow(RangeError);
      expect(() => samplesNeeded(rate, confidence, 2), `rate ${rate}, confidence ${confidence}, 2 failures`).toThrow(RangeError);
    }
  });
});

describe('two-proportion intervals', () => {
  describe('#newcombeInterval', () => {
    it("matches statsmodels confint_proportions_2indep(method='newcomb')", () => {
      for (const { x1, n1, x2, n2, level, newcombe } of golden.two_sample) {
        const ci = newcombeInterval(x1, n1, x2, n2, level);
        close(ci.low, newcombe[0]!);
        close(ci.high, newcombe[1]!);
      }
    });
  });

  describe('#koopmanRatioInterval', () => {
    it("matches statsmodels confint_proportions_2indep(compare='ratio', method='score', correction=False)", () => {
      const compared = golden.two_sample.filter((row) => 'koopman' in row);
      expect(compared.length).toBeGreaterThanOrEqual(20);
      for (const row of compared) {
        const ci = koopmanRatioInterval(row.x1, row.n1, row.x2, row.n2, row.level);
        close(ci.low, row.koopman![0]!, 1e-7);
        close(ci.high, row.koopman![1]!, 1e-7);
      }
    });

    it('matches a direct scipy brentq inversion of the score statistic, counts of 0 and n included', () => {
      for (const { x1, n1, x2, n2, level, koopman_brentq: [low, high] } of golden.two_sample) {
        const ci = koopmanRatioInterval(x1, n1, x2, n2, level);
        close(ci.low, low!, 1e-8);
        if (high === null) expect(ci.high).toBe(Infinity);
        else close(ci.high, high!, 1e-8);
      }
    });

    it('contains the estimate, reaching 0 when x1 = 0 and infinity when x2 = 0', () => {
      for (const [x1, n1, x2, n2] of [[3, 20, 7, 25], [20, 20, 1, 25], [1, 500, 499, 500]] as const) {
        const ci = koopmanRatioInterval(x1, n1, x2, n2);
        expect(ci.low).toBeLessThanOrEqual(x1 / n1 / (x2 / n2));
        expect(ci.high).toBeGreaterThanOrEqual(x1 / n1 / (x2 / n2));
      }
      const none = koopmanRatioInterval(0, 20, 5, 30);
      expect(none.low).toBe(0);
      expect(none.high).toBeGreaterThan(0);
      expect(Number.isFinite(none.high)).toBe(true);
      const unbounded = koopmanRatioInterval(5, 30, 0, 20);
      expect(unbounded.high).toBe(Infinity);
      expect(unbounded.low).toBeGreaterThan(0);
      expect(koopmanRatioInterval(0, 10, 0, 10)).toEqual({ low: 0, high: Infinity, level: 0.95 });
    });
  });
});

describe('simultaneous bounds', () => {
  describe('#halfNormalSumBound', () => {
    it('is never below the exact quantile (numpy convolution) and at most a quarter above it', () => {
      for (const { scales, alpha, quantile } of golden.half_normal_sums) {
        const bound = halfNormalSumBound(scales, alpha);
        expect(bound).toBeGreaterThanOrEqual(quantile);
        expect(bound).toBeLessThanOrEqual(1.25 * quantile);
      }
      expect(halfNormalSumBound([0, 0], 0.05)).toBe(0);
    });

    it("is the smaller of scipy's minimised Chernoff bound and the Bonferroni bound, zero scales left out", () => {
      // One scale: Bonferroni (z at 0.975) is the smaller; ten equal ones: Chernoff is.
      expect(golden.half_normal_sums.some((row) => row.bonferroni < row.chernoff)).toBe(true);
      expect(golden.half_normal_sums.some((row) => row.chernoff < row.bonferroni)).toBe(true);
      for (const { scales, alpha, chernoff, bonferroni } of golden.half_normal_sums) {
        close(halfNormalSumBound(scales, alpha), Math.min(chernoff, bonferroni), 1e-12);
        close(halfNormalSumBound([0, ...scales, 0], alpha), Math.min(chernoff, bonferroni), 1e-12);
      }
    });
  });

  describe('#spreadBounds', () => {
    it('covers a gap of zero with identical groups and contains its estimate', () => {
      const groups = Array.from({ length: 8 }, () => ({ successes: 80, n: 160 }));
      const bounds = spreadBounds(groups, bonferroniLevel(0.95, pairsOf(8)));
      expect(bounds).toMatchObject({ estimate: 0, low: 0, undefinedGroups: 0 });
      expect(bounds.high).toBeGreaterThan(0.1);
    });

    it('is the widest pairwise Newcombe interval in absolute value', () => {
      const groups = [{ successes: 30, n: 100 }, { successes: 50, n: 100 }, { successes: 40, n: 100 }];
      const level = bonferroniLevel(0.95, 3);
      const widest = newcombeInterval(50, 100, 30, 100, level);
      const bounds = spreadBounds(groups, level);
      close(bounds.estimate!, 0.2, 1e-12);
      close(bounds.low, widest.low, 1e-12);
      expect(bounds.high).toBeGreaterThanOrEqual(widest.high);
    });

    it('is exactly the largest distance from zero and the largest absolute end over every pair, not 1', () => {
      const groups = [{ successes: 30, n: 100 }, { successes: 50, n: 100 }, { successes: 40, n: 100 }, { successes: 45, n: 90 }];
      const level = bonferroniLevel(0.95, pairsOf(4));
      const pairs = ([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]] as const).map(([i, j]) => newcombeInterval(groups[i]!.successes, groups[i]!.n, groups[j]!.successes, groups[j]!.n, level));
      const bounds = spreadBounds(groups, level);
      expect(bounds.low).toBe(Math.max(0, ...pairs.map((ci) => Math.max(ci.low, -ci.high))));
      expect(bounds.high).toBe(Math.max(...pairs.map((ci) => Math.max(Math.abs(ci.low), Math.abs(ci.high)))));
      expect(bounds.high).toBeLessThan(0.5);
      // Reversing the groups reverses every pair's difference and changes nothing.
      expect(spreadBounds([...groups].reverse(), level)).toEqual(bounds);
    });

    it('counts a group whose rate is undefined and lets it lie anywhere in [0, 1]', () => {
      const bounds = spreadBounds([{ successes: 90, n: 100 }, { successes: 10, n: 100 }, { successes: 0, n: 0 }], bonferroniLevel(0.95, 3));
      expect(bounds.undefinedGroups).toBe(1);
      expect(bounds.high).toBe(1);
      close(bounds.estimate!, 0.8, 1e-12);
      expect(bounds.low).toBeGreaterThan(0.6);
    });
  });

  describe('#ratioBounds', () => {
    it('bounds min / max from pairwise ratio intervals, reaching 1 when every pair may be equal', () => {
      const equal = ratioBounds([{ successes: 50, n: 100 }, { successes: 50, n: 100 }], 0.95);
      expect(equal.estimate).toBe(1);
      expect(equal.high).toBe(1);
      expect(equal.low).toBeLessThan(1);
      const unequal = ratioBounds([{ successes: 20, n: 1000 }, { successes: 500, n: 1000 }], 0.95);
      close(unequal.estimate!, 0.04, 1e-12);
      expect(unequal.low).toBeLessThan(0.04);
      expect(unequal.high).toBeGreaterThan(0.04);
      expect(unequal.high).toBeLessThan(0.1);
    });

    it('folds a pair whose ratio interval lies above 1 as it folds the same pair the other way round', () => {
      // The larger rate first: the pair's interval is about (13, 38), above 1, and excludes equality.
      const above = ratioBounds([{ successes: 500, n: 1000 }, { successes: 20, n: 1000 }], 0.95);
      const below = ratioBounds([{ successes: 20, n: 1000 }, { successes: 500, n: 1000 }], 0.95);
      expect(koopmanRatioInterval(500, 1000, 20, 1000, 0.95).low).toBeGreaterThan(1);
      close(above.estimate!, 0.04, 1e-12);
      close(above.low, below.low, 1e-9);
      close(above.high, below.high, 1e-9);
      expect(above.high).toBeLessThan(0.1);
    });
  });

  describe('#ratioBounds when there are more than two groups', () => {
    it('takes the smallest folded end over every pair as low, and the smallest upper end as high', () => {
      const groups = [{ successes: 30, n: 100 }, { successes: 50, n: 100 }, { successes: 40, n: 100 }];
      const level = bonferroniLevel(0.95, pairsOf(3));
      const folded = (r: number) => Math.min(r, 1 / r);
      const pairs = ([[0, 1], [0, 2], [1, 2]] as const).map(([i, j]) => koopmanRatioInterval(groups[i]!.successes, groups[i]!.n, groups[j]!.successes, groups[j]!.n, level));
      const bounds = ratioBounds(groups, level);
      close(bounds.estimate!, 0.6, 1e-12);
      expect(bounds.low).toBe(Math.min(...pairs.map((ci) => Math.min(folded(ci.low), folded(ci.high)))));
      // 30/100 against 50/100 at this level excludes a ratio of 1; the other pairs hold it.
      expect(pairs.map((ci) => ci.low <= 1 && ci.high >= 1)).toEqual([false, true, true]);
      expect(bounds.high).toBe(Math.max(folded(pairs[0]!.low), folded(pairs[0]!.high)));
      expect(bounds.high).toBeLessThan(1);
      expect(bounds.low).toBeLessThan(bounds.estimate!);
      expect(bounds.high).toBeGreaterThan(bounds.estimate!);
    });

    it('lets a group with an undefined rate take the low end to 0 and counts it', () => {
      const bounds = ratioBounds([{ successes: 50, n: 100 }, { successes: 0, n: 0 }, { successes: 45, n: 100 }], 0.95);
      expect(bounds).toMatchObject({ low: 0, undefinedGroups: 1 });
      close(bounds.estimate!, 0.9, 1e-12);
      expect(bounds.high).toBe(1);
      expect(ratioBounds([{ successes: 0, n: 100 }, { successes: 0, n: 100 }], 0.95).estimate).toBeNull();
      expect(ratioBounds([{ successes: 5, n: 100 }, { successes: 0, n: 0 }], 0.95).estimate).toBeNull();
    });
  });

  describe('#sidakLevel, #bonferroniLevel and #pairsOf', () => {
    it('gives per-group levels whose product is the family level', () => {
      close(sidakLevel(0.95, 8) ** 8, 0.95, 1e-12);
      expect(bonferroniLevel(0.95, 28)).toBeCloseTo(1 - 0.05 / 28, 15);
      // One group makes no pair: the level is left as it is, not divided by zero.
      expect(bonferroniLevel(0.95, 0)).toBe(0.95);
      expect(sidakLevel(0.95, 0)).toBe(0.95);
    });

    it('count the unordered pairs the Bonferroni level is divided among', () => {
      expect([1, 2, 3, 8, 100].map(pairsOf)).toEqual([0, 1, 3, 28, 4950]);
    });
  });
});
