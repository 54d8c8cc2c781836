import { describe, expect, it } from 'vitest';
import { bootstrapQuantileChange, pairedBootstrapMeans } from '../../src/stats/bootstrap.ts';
import { clopperPearsonInterval, wilsonInterval } from '../../src/stats/intervals.ts';
import { pairedCounts, pairedMeanEvidence, pairedProportionEvidence, tangoStatistic } from '../../src/stats/paired.ts';
import { seededRandom } from '../../src/stats/random.ts';
import { geometricMean, logRatioEvidence, runsNeeded } from '../../src/stats/ratio.ts';
import { normalQuantile, studentTCdf, studentTQuantile } from '../../src/stats/special.ts';
import { cohensDz, hodgesLehmannShift, mannWhitneyNullCdf } from '../../src/stats/hypothesis-tests.ts';
import golden from '../fixtures/golden/stats.json' with { type: 'json' };

const close = (actual: number, expected: number, tolerance = 1e-9) => {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(expected)));
};

describe('pairedProportionEvidence', () => {
  describe('#interval', () => {
    it("matches Tango's score interval (golden values from scripts/golden/stats.py)", () => {
      for (const { b, c, n, level, ci } of golden.paired_proportions.tango) {
        const interval = pairedProportionEvidence({ n, improved: b, worsened: c }).interval(level);
        close(interval.low, ci[0]!, 1e-9);
        close(interval.high, ci[1]!, 1e-9);
      }
    });

    it('matches the published example of R contingencytables (Cavo et al. 2012: -0.1240 to -0.0054)', () => {
      const ci = pairedProportionEvidence({ n: 161, improved: 6, worsened: 16 }).interval(0.95);
      expect(ci.low.toFixed(4)).toBe('-0.1240');
      expect(ci.high.toFixed(4)).toBe('-0.0054');
    });

    it('is honest at zero discordance: 20 equal pairs still allow a 16% change either way', () => {
      const ci = pairedProportionEvidence({ n: 20, improved: 0, worsened: 0 }).interval(0.95);
      const z2 = normalQuantile(0.975) ** 2;
      close(ci.high, z2 / (20 + z2), 1e-12);
      close(ci.low, -z2 / (20 + z2), 1e-12);
    });
  });

  describe('#pAbove', () => {
    it('agrees with the interval: p < (1 - level)/2 exactly when the low end is above the margin', () => {
      const evidence = pairedProportionEvidence({ n: 200, improved: 0, worsened: 3 });
      const { low } = evidence.interval(0.95);
      close(evidence.pAbove(low), 0.025, 1e-9);
      expect(evidence.pAbove(low - 0.001)).toBeLessThan(0.025);
      expect(evidence.pAbove(low + 0.001)).toBeGreaterThan(0.025);
      close(evidence.pBelow(evidence.interval(0.95).high), 0.025, 1e-9);
    });
  });

  describe('#pAbove and #pBelow', () => {
    it("are McNemar's one-sided p-values at a difference of 0 (half statsmodels' two-sided p)", () => {
      for (const { b, c, n, p } of golden.paired_proportions.mcnemar) {
        const evidence = pairedProportionEvidence({ n, improved: b, worsened: c });
        close(Math.min(evidence.pAbove(0), evidence.pBelow(0)), p / 2, 1e-9);
        close(evidence.pAbove(0) + evidence.pBelow(0), 1, 1e-12);
      }
    });

    it('give 0.5 at a difference of 0 when no pair is discordant', () => {
      const evidence = pairedProportionEvidence({ n: 20, improved: 0, worsened: 0 });
      expect(evidence.pAbove(0)).toBe(0.5);
      expect(evidence.pBelow(0)).toBe(0.5);
    });

    it('are certain at and beyond the ends of [-1, 1], even when every pair changed one way', () => {
      for (const counts of [
        { n: 10, improved: 3, worsened: 2 },
        { n: 10, improved: 0, worsened: 10 },
        { n: 10, improved: 10, worsened: 0 },
      ]) {
        const evidence = pairedProportionEvidence(counts);
        for (const margin of [-1, -1.5]) {
          expect(evidence.pAbove(margin), `pAbove(${margin}) for ${JSON.stringify(counts)}`).toBe(0);
          expect(evidence.pBelow(margin), `pBelow(${margin}) for ${JSON.stringify(counts)}`).toBe(1);
        }
        for (const margin of [1, 1.5]) {
          expect(evidence.pAbove(margin), `pAbove(${margin}) for ${JSON.stringify(counts)}`).toBe(1);
          expect(evidence.pBelow(margin), `pBelow(${margin}) for ${JSON.stringify(counts)}`).toBe(0);
        }
      }
    });
  });

  it("is McNemar's test at a difference of 0 (statsmodels mcnemar, no correction)", () => {
    for (const { b, c, n, chi2, tango_at_0 } of golden.paired_proportions.mcnemar) {
      close(tangoStatistic({ n, improved: b, worsened: c }, 0) ** 2, chi2, 1e-12);
      close(tangoStatistic({ n, improved: b, worsened: c }, 0), tango_at_0, 1e-12);
    }
  });

  it('has the statistic infinite at a difference of 1 or -1 the table rules out, 0 where the table is all there is', () => {
    // At delta0 = 1 every pair must be improved: one that is not makes it impossible.
    expect(tangoStatistic({ n: 10, improved: 3, worsened: 1 }, 1)).toBe(-Infinity);
    expect(tangoStatistic({ n: 10, improved: 3, worsened: 1 }, -1)).toBe(Infinity);
    expect(tangoStatistic({ n: 10, improved: 10, worsened: 0 }, 1)).toBe(0);
    expect(tangoStatistic({ n: 10, improved: 0, worsened: 10 }, -1)).toBe(0);
    expect(tangoStatistic({ n: 10, improved: 0, worsened: 0 }, 0)).toBe(0);
  });

  it('refuses counts that are not a paired table', () => {
    expect(() => pairedProportionEvidence({ n: 10, improved: 6, worsened: 5 })).toThrow(RangeError);
    expect(() => pairedProportionEvidence({ n: 0, improved: 0, worsened: 0 })).toThrow(RangeError);
    for (const counts of [
      { n: 10.5, improved: 1, worsened: 1 },
      { n: 10, improved: 1.5, worsened: 1 },
      { n: 10, improved: 1, worsened: 1.5 },
      { n: 10, improved: -1, worsened: 1 },
      { n: 10, improved: 1, worsened: -1 },
    ]) {
      expect(() => pairedProportionEvidence(counts), JSON.stringify(counts)).toThrow(RangeError);
    }
    // The largest tables that are one: every pair discordant, and a single pair.
    expect(pairedProportionEvidence({ n: 10, improved: 6, worsened: 4 }).estimate).toBe(0.2);
    expect(pairedProportionEvidence({ n: 1, improved: 0, worsened: 0 }).estimate).toBe(0);
  });

  it('refuses a confidence level outside (0, 1)', () => {
    const evidence = pairedProportionEvidence({ n: 50, improved: 4, worsened: 1 });
    for (const level of [0, 1, Number.NaN, -0.5, 1.5]) expect(() => evidence.interval(level), `${level}`).toThrow(RangeError);
  });

  it('names its method, which the regression gate records beside each interval', () => {
    expect(pairedProportionEvidence({ n: 20, improved: 2, worsened: 1 }).method).toBe('tango-score');
    expect(pairedMeanEvidence([0.1, 0.3], 1).method).toBe('pseudo-pair-t');
    expect((logRatioEvidence([96, 96.4], [100, 100.5]) as { method: string }).method).toBe('welch-log-t');
  });

  it('counts the discordant pairs of two 0/1 columns', () => {
    expect(pairedCounts([1, 0, 1, 1, 0], [0, 0, 1, 0, 1])).toEqual({ n: 5, improved: 2, worsened: 1 });
    expect(() => pairedCounts([1, 0], [1, 0, 1])).toThrow(RangeError);
  });
});

describe('pairedMeanEvidence', () => {
  it('matches the pseudo-pair t-interval computed with numpy and scipy', () => {
    for (const { differences, range, ci } of golden.pseudo_pair_t) {
      const interval = pairedMeanEvidence(Float64Array.from(differences), range).interval(0.95);
      close(interval.low, ci[0]!, 1e-10);
      close(interval.high, ci[1]!, 1e-10);
    }
  });

  it("gives one-sided p-values from scipy's t distribution (n + 1 degrees of freedom)", () => {
    for (const { differences, range, margin, p_above, p_below } of golden.pseudo_pair_t_tests) {
      const evidence = pairedMeanEvidence(Float64Array.from(differences), range);
      close(evidence.pAbove(margin), p_above, 1e-9);
      close(evidence.pBelow(margin), p_below, 1e-9);
    }
  });

  it('agrees with its interval: the p-value at either end is (1 - level)/2', () => {
    const evidence = pairedMeanEvidence(Float64Array.from(golden.pseudo_pair_t[0]!.differences), 1);
    const { low, high } = evidence.interval(0.9);
    close(evidence.pAbove(low), 0.05, 1e-9);
    close(evidence.pBelow(high), 0.05, 1e-9);
  });

  it('refuses no differences, a range that is not a positive number, and a level outside (0, 1)', () => {
    expect(() => pairedMeanEvidence([], 1)).toThrow(RangeError);
    for (const range of [0, -1, Infinity, Number.NaN]) expect(() => pairedMeanEvidence([0.1, 0.2], range), `${range}`).toThrow(RangeError);
    expect(pairedMeanEvidence([0.5], 1).estimate).toBe(0.5);
    const evidence = pairedMeanEvidence([0.1, 0.2], 1);
    for (const level of [0, 1, Number.NaN]) expect(() => evidence.interval(level), `${level}`).toThrow(RangeError);
  });

  it('never collapses to a point when every difference is equal', () => {
    const ci = pairedMeanEvidence(new Float64Array(20), 1).interval(0.95);
    expect(ci.high - ci.low).toBeGreaterThan(0.2);
    const large = pairedMeanEvidence(new Float64Array(100_000), 1).interval(0.95);
    expect(large.high).toBeGreaterThan(0);
    expect(large.high).toBeLessThan(0.0001);
  });
});

describe('logRatioEvidence', () => {
  it("matches scipy's Welch t-interval on log run figures", () => {
    for (const { candidate, baseline, ratio, ci } of golden.welch_log_ratio) {
      const evidence = logRatioEvidence(candidate, baseline);
      if (typeof evidence === 'string') throw new Error(evidence);
      close(evidence.estimate, ratio - 1, 1e-12);
      const interval = evidence.interval(0.95);
      close(interval.low, ci[0]!, 1e-9);
      close(interval.high, ci[1]!, 1e-9);
    }
  });

  it("gives one-sided p-values from scipy's Welch t-test on log figures against log(1 + margin)", () => {
    for (const { candidate, baseline, margin, p_above, p_below } of golden.welch_log_ratio_tests) {
      const evidence = logRatioEvidence(candidate, baseline);
      if (typeof evidence === 'string') throw new Error(evidence);
      close(evidence.pAbove(margin), p_above, 1e-9);
      close(evidence.pBelow(margin), p_below, 1e-9);
    }
  });

  it('is certain about a change of -100% or less: no figure can fall that far', () => {
    const evidence = logRatioEvidence([96, 96.4], [100, 100.5]);
    if (typeof evidence === 'string') throw new Error(evidence);
    for (const margin of [-1, -2]) {
      expect(evidence.pAbove(margin)).toBe(0);
      expect(evidence.pBelow(margin)).toBe(1);
    }
  });

  it('holds its level in simulation: at the true ratio each one-sided p-value is below 0.05 about 5% of the time', () => {
    // Five lognormal runs of each model, the candidate's 3% faster in geometric mean.
    const random = seededRandom(29);
    const lognormal = (scale: number) => scale * Math.exp(0.04 * normalQuantile(random.next() * (1 - 2e-12) + 1e-12));
    const runs = 4000;
    let above = 0;
    let below = 0;
    for (let r = 0; r < runs; r++) {
      const evidence = logRatioEvidence(Array.from({ length: 5 }, () => lognormal(103)), Array.from({ length: 5 }, () => lognormal(100)));
      if (typeof evidence === 'string') throw new Error(evidence);
      if (evidence.pAbove(0.03) < 0.05) above++;
      if (evidence.pBelow(0.03) < 0.05) below++;
    }
    // Welch's test is exact up to its degrees of freedom here; 4 standard errors of 4000 draws is 0.014.
    for (const count of [above, below]) expect(Math.abs(count / runs - 0.05)).toBeLessThan(4 * Math.sqrt((0.05 * 0.95) / runs));
  });

  it('needs two runs of each model and some variation', () => {
    expect(logRatioEvidence([1], [1, 2])).toBe('too-few-runs');
    expect(logRatioEvidence([1, 2], [1])).toBe('too-few-runs');
    expect(logRatioEvidence([5, 5], [4, 4])).toBe('no-variation');
  });

  it('refuses run figures that are not positive numbers, and a level outside (0, 1)', () => {
    for (const bad of [0, -3, Number.NaN, Infinity]) {
      expect(() => logRatioEvidence([5, bad], [4, 4.1]), `${bad}`).toThrow(RangeError);
      expect(() => logRatioEvidence([5, 5.1], [bad, 4.1]), `${bad}`).toThrow(RangeError);
    }
    const evidence = logRatioEvidence([96, 96.4], [100, 100.5]);
    if (typeof evidence === 'string') throw new Error(evidence);
    for (const level of [0, 1, Number.NaN]) expect(() => evidence.interval(level), `${level}`).toThrow(RangeError);
  });

  it('says how many runs would decide, and more runs do', () => {
    const candidate = [96, 96.4];
    const baseline = [100, 100.5];
    const needed = runsNeeded(candidate, baseline, -0.05, 0.95)!;
    expect(needed).toBeGreaterThan(2);
    // Runs with the same mean and spread, `needed` of each: the interval now clears the margin.
    const spread = (values: number[], k: number) => Array.from({ length: k }, (_, i) => values[i % 2]!);
    const decided = logRatioEvidence(spread(candidate, needed + (needed % 2)), spread(baseline, needed + (needed % 2)));
    if (typeof decided === 'string') throw new Error(decided);
    expect(decided.interval(0.95).low).toBeGreaterThan(-0.05);
    // A change sitting on the margin: no number of runs decides it.
    expect(runsNeeded([95, 96], [100, 101], Math.sqrt((95 * 96) / (100 * 101)) - 1, 0.95)).toBeNull();
  });
});

describe('geometricMean', () => {
  it('matches scipy.stats.gmean', () => {
    for (const { values, gmean } of golden.geometric_means) close(geometricMean(values), gmean, 1e-14);
  });
});

describe('runsNeeded', () => {
  it('is the smallest k up to the limit that scipy finds by trying every k', () => {
    for (const { candidate, baseline, margin, level, limit, runs } of golden.runs_needed) {
      expect(runsNeeded(candidate, baseline, margin, level, limit), JSON.stringify({ candidate, baseline, margin, level, limit })).toBe(runs);
    }
  });

  it('is null without two runs of each model, a margin above -100%, or any variation', () => {
    expect(runsNeeded([96], [100, 100.5], -0.05, 0.95)).toBeNull();
    expect(runsNeeded([96, 96.4], [100], -0.05, 0.95)).toBeNull();
    expect(runsNeeded([96, 96.4], [100, 100.5], -1, 0.95)).toBeNull();
    expect(runsNeeded([96, 96], [100, 100], -0.05, 0.95)).toBeNull();
  });

  it('plans for 1000 runs at most unless told otherwise', () => {
    const beyond = golden.runs_needed.find(({ runs }) => runs !== null && runs > 1000)!;
    expect(runsNeeded(beyond.candidate, beyond.baseline, beyond.margin, beyond.level)).toBeNull();
    expect(runsNeeded(beyond.candidate, beyond.baseline, beyond.margin, beyond.level, 5000)).toBe(beyond.runs);
  });
});

describe('Student t', () => {
  it('quantile and CDF match scipy.stats.t', () => {
    for (const { p, df, ppf, cdf } of golden.student_t) {
      close(studentTQuantile(p, df), ppf, 1e-10);
      // The CDF only gives p-values: 1e-9 absolute is plenty, and the incomplete beta's limit at 10^6 df.
      close(studentTCdf(1.7, df), cdf, 1e-9);
    }
  });
});

describe('statsmodels proportion_confint', () => {
  it('Wilson and Clopper-Pearson (method "beta") agree with gatehouse', () => {
    for (const { k, n, level, wilson, exact } of golden.statsmodels_proportions) {
      const w = wilsonInterval(k, n, level);
      close(w.low, wilson[0]!, 1e-12);
      close(w.high, wilson[1]!, 1e-12);
      const e = clopperPearsonInterval(k, n, level);
      close(e.low, exact[0]!, 1e-9);
      close(e.high, exact[1]!, 1e-9);
    }
  });
});

describe('seededRandom', () => {
  describe('#fillIndices', () => {
    // Before: ranges above 2^21 threw a RangeError, so no bootstrap of more than 2,097,152 examples ran.
    it('draws uniformly from ranges above 2^21', () => {
      const random = seededRandom(3);
      const range = 10_000_000;
      const out = new Uint32Array(200_000);
      random.fillIndices(out, range);
      let max = 0;
      const deciles = new Array<number>(10).fill(0);
      for (const value of out) {
        max = Math.max(max, value);
        deciles[Math.floor(value / (range / 10))]!++;
      }
      expect(max).toBeLessThan(range);
      expect(max).toBeGreaterThan(range * 0.999);
      // Each decile holds 20,000 draws; 5 standard deviations is about 670.
      for (const count of deciles) expect(Math.abs(count - 20_000)).toBeLessThan(670);
      expect(random.int(2 ** 32)).toBeLessThan(2 ** 32);
      expect(() => random.int(2 ** 32 + 1)).toThrow(RangeError);
    });
  });
});

describe('bootstrapQuantileChange', () => {
  // Before: resample counts were a Uint16Array; a value tied in 85% of 100,000 examples overflowed it.
  it('stays finite and exact when one value fills most of a large sample', () => {
    const n = 100_000;
    const values = Float64Array.from({ length: n }, (_, i) => (i % 20 < 17 ? 120 : 121 + (i % 50)));
    const change = bootstrapQuantileChange(values, values, 0.5, { seed: 1, resamples: 50, paired: true });
    expect(change.baseline.ci).toEqual({ low: 120, high: 120, level: 0.95 });
    expect(change.relativeChange.ci.low).toBe(0);
    const p90 = bootstrapQuantileChange(values, values, 0.9, { seed: 1, resamples: 50, paired: true });
    expect(Number.isFinite(p90.baseline.ci.low) && p90.baseline.ci.high > p90.baseline.ci.low).toBe(true);
  });

  // Before: more than 2^21 pairs threw a RangeError from the random-number code (exit 3).
  it('bootstraps more than 2^21 pairs', () => {
    const n = 2 ** 21 + 1000;
    const baseline = Float64Array.from({ length: n }, (_, i) => 100 + (i % 1000));
    const candidate = baseline.map((value) => value * 1.05);
    const change = bootstrapQuantileChange(baseline, candidate, 0.5, { seed: 1, resamples: 4, paired: true });
    expect(change.relativeChange.estimate).toBeCloseTo(0.05, 12);
    expect(change.relativeChange.ci.low).toBeCloseTo(0.05, 12);
  });
});

describe('pairedBootstrapMeans', () => {
  describe('when a column has ties (-1/0/1 paired differences)', () => {
    // P(|mean* - estimate| >= |estimate|) of the exact bootstrap distribution, by enumerating the multinomial.
    function exactPValue(counts: [number, number, number]): number {
      const n = counts[0] + counts[1] + counts[2];
      const estimate = (counts[2] - counts[0]) / n;
      const p = counts.map((c) => c / n);
      const logFactorial = (k: number) => Array.from({ length: k }, (_, i) => Math.log(i + 1)).reduce((a, b) => a + b, 0);
      let total = 0;
      for (let minus = 0; minus <= n; minus++) {
        for (let plus = 0; plus + minus <= n; plus++) {
          const zero = n - minus - plus;
          const mean = (plus - minus) / n;
          if (Math.abs(mean - estimate) < Math.abs(estimate) - 1e-12) continue;
          total += Math.exp(logFactorial(n) - logFactorial(minus) - logFactorial(zero) - logFactorial(plus) + minus * Math.log(p[0]!) + zero * Math.log(p[1]!) + plus * Math.log(p[2]!));
        }
      }
      return total;
    }

    it.each([
      [[3, 10, 9]],
      [[6, 20, 4]],
      [[5, 5, 5]],
    ] as Array<[[number, number, number]]>)('gives the exact bootstrap p-value for counts %j within Monte Carlo error', (counts) => {
      const column = Float64Array.from([...Array(counts[0]).fill(-1), ...Array(counts[1]).fill(0), ...Array(counts[2]).fill(1)]);
      const [result] = pairedBootstrapMeans([column], { seed: 5, resamples: 20_000 });
      const exact = exactPValue(counts);
      // (c + 1)/(B + 1) against the exact probability: binomial error of 20,000 draws.
      expect(Math.abs(result!.pValue - exact)).toBeLessThan(4 * Math.sqrt(Math.max(0, exact * (1 - exact)) / 20_000) + 1e-4);
      if (counts[0] === counts[2]) expect(result!.pValue).toBe(1);
    });
  });
});

describe('cohensDz', () => {
  // Before: 0 whenever the differences had no spread, even when every one was 0.3.
  it('is unbounded when every difference is the same non-zero value, undefined when all are 0', () => {
    expect(cohensDz([0.3, 0.3, 0.3])).toBe(Infinity);
    expect(cohensDz([-2, -2])).toBe(-Infinity);
    expect(cohensDz([0, 0, 0])).toBeNaN();
    expect(cohensDz([1, 2, 3])).toBe(2);
  });
});

describe('hodgesLehmannShift', () => {
  // Coverage of [D(c+1), D(m-c)] is 1 - 2 P(U <= c) for any continuous distribution;
  // P(U <= c) counted here by enumerating every arrangement of the two samples.
  function enumeratedCdf(n1: number, n2: number): number[] {
    const counts = new Array<number>(n1 * n2 + 1).fill(0);
    const visit = (i: number, j: number, u: number) => {
      if (i === n1 && j === n2) {
        counts[u]!++;
        return;
      }
      // The next value in sorted order is an x (it exceeds the j values of y placed so far) or a y.
      if (i < n1) visit(i + 1, j, u + j);
      if (j < n2) visit(i, j + 1, u);
    };
    visit(0, 0, 0);
    const total = counts.reduce((a, b) => a + b, 0);
    let running = 0;
    return counts.map((count) => (running += count) / total);
  }

  it.each([
    [3, 4],
    [5, 5],
    [6, 8],
    [7, 12],
    [10, 10],
  ])('for n1 = %i, n2 = %i uses the tightest order statistics whose exact coverage is at least 95%', (n1, n2) => {
    const cdf = enumeratedCdf(n1, n2);
    const dp = mannWhitneyNullCdf(n1, n2);
    cdf.forEach((value, u) => close(dp[u]!, value, 1e-12));
    // Distinct, well-separated pairwise differences, so the chosen order statistic is readable.
    const x = Array.from({ length: n1 }, (_, i) => i * 1000);
    const y = Array.from({ length: n2 }, (_, j) => j);
    const sorted = x.flatMap((xi) => y.map((yj) => yj - xi)).sort((a, b) => a - b);
    const { ci } = hodgesLehmannShift(x, y, 0.95);
    if (!Number.isFinite(ci.low)) {
      // No order statistic reaches 95%: even the extremes cover less.
      expect(1 - 2 * cdf[0]!).toBeLessThan(0.95);
      return;
    }
    const c = sorted.indexOf(ci.low);
    expect(sorted[sorted.length - 1 - c]).toBe(ci.high);
    expect(1 - 2 * cdf[c]!).toBeGreaterThanOrEqual(0.95);
    expect(1 - 2 * cdf[c + 1]!).toBeLessThan(0.95);
  });

  it('covers a known shift at its exact rate in simulation (n1 = 6, n2 = 8, exponential data)', () => {
    const random = seededRandom(11);
    const exponential = () => -Math.log(1 - random.next());
    let covered = 0;
    const runs = 4000;
    for (let r = 0; r < runs; r++) {
      const x = Array.from({ length: 6 }, exponential);
      const y = Array.from({ length: 8 }, () => exponential() + 0.7);
      const { ci } = hodgesLehmannShift(x, y);
      if (ci.low <= 0.7 && 0.7 <= ci.high) covered++;
    }
    const cdf = enumeratedCdf(6, 8);
    const c = cdf.findLastIndex((value) => value <= 0.025);
    const exact = 1 - 2 * cdf[c]!;
    expect(Math.abs(covered / runs - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / runs));
  });
});
