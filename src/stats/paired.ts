// Intervals for a paired difference (candidate - baseline on the same
// examples) that stay honest at small n: a score interval for 0/1 metrics and
// a t-interval that cannot collapse to a point for bounded ones.
import type { Interval } from './intervals.ts';
import { normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './special.ts';

/**
 * Evidence about a difference, as a test that can be inverted: its estimate,
 * its two-sided interval at any level, and one-sided p-values against a
 * margin. The interval and the p-values come from the same statistic, so
 * "the interval excludes the margin" and "the p-value is below (1 - level)/2"
 * always agree.
 */
export interface DifferenceEvidence {
  /** Which method produced it, recorded beside the interval. */
  readonly method: string;
  readonly estimate: number;
  interval(level: number): Interval;
  /** p-value of "the difference is at most `margin`": small when the evidence shows it is above. */
  pAbove(margin: number): number;
  /** p-value of "the difference is at least `margin`": small when the evidence shows it is below. */
  pBelow(margin: number): number;
}

/** A paired 2x2 table of a 0/1 metric: pairs where only the candidate scored 1, and where only the baseline did. */
export interface PairedCounts {
  n: number;
  /** Candidate 1, baseline 0. */
  improved: number;
  /** Candidate 0, baseline 1. */
  worsened: number;
}

/**
 * Tango's score statistic for H0: p(candidate) - p(baseline) = delta0 on
 * paired binary data (Tango 1998), with the constrained maximum-likelihood
 * estimate of the "worsened" cell probability. Decreasing in delta0; at 0 it
 * is McNemar's z.
 */
export function tangoStatistic(counts: PairedCounts, delta0: number): number {
  const { n, improved: b, worsened: c } = counts;
  const a = 2 * n;
  const bq = -b - c + (2 * n - b + c) * delta0;
  const cq = -c * delta0 * (1 - delta0);
  const root = Math.sqrt(Math.max(0, bq * bq - 4 * a * cq));
  // The two algebraically equal forms of the root; each is stable for one sign of bq.
  const p21 = bq <= 0 ? (root - bq) / (2 * a) : (-2 * cq) / (root + bq);
  const numerator = b - c - n * delta0;
  const variance = n * (2 * p21 + delta0 * (1 - delta0));
  if (!(variance > 0)) return numerator === 0 ? 0 : numerator > 0 ? Infinity : -Infinity;
  return numerator / Math.sqrt(variance);
}

function checkCounts(counts: PairedCounts): void {
  const { n, improved, worsened } = counts;
  if (!Number.isInteger(n) || !Number.isInteger(improved) || !Number.isInteger(worsened) || n < 1 || improved < 0 || worsened < 0 || improved + worsened > n) {
    throw new RangeError(`need whole counts with improved + worsened <= n and n >= 1, got ${improved} + ${worsened} of ${n}`);
  }
}

function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

// The delta0 in (-1, 1) where a decreasing statistic crosses `target`, by bisection.
function crossing(statistic: (delta0: number) => number, target: number): number {
  let low = -1;
  let high = 1;
  for (let i = 0; i < 200 && high - low > 1e-15; i++) {
    const mid = (low + high) / 2;
    if (statistic(mid) > target) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/**
 * Tango's asymptotic score interval and tests for the difference of paired
 * proportions. Unlike a bootstrap, it is honest at zero discordance: with no
 * discordant pair among n it still spans about ±z²/(n + z²), 0.16 for n = 20.
 * Golden values: scripts/golden/stats.py (and R contingencytables' example).
 */
export function pairedProportionEvidence(counts: PairedCounts): DifferenceEvidence {
  checkCounts(counts);
  const estimate = (counts.improved - counts.worsened) / counts.n;
  const statistic = (delta0: number) => tangoStatistic(counts, delta0);
  return {
    method: 'tango-score',
    estimate,
    interval(level: number): Interval {
      checkLevel(level);
      const z = normalQuantile(1 - (1 - level) / 2);
      const low = estimate === -1 ? -1 : crossing(statistic, z);
      const high = estimate === 1 ? 1 : crossing(statistic, -z);
      // Bisection ends within 1e-15 of the root; the estimate always lies inside.
      return { low: Math.min(low, estimate), high: Math.max(high, estimate), level };
    },
    pAbove: (margin: number) => (margin <= -1 ? 0 : margin >= 1 ? 1 : normalCdf(-statistic(margin))),
    pBelow: (margin: number) => (margin >= 1 ? 0 : margin <= -1 ? 1 : normalCdf(statistic(margin))),
  };
}

/** The paired 2x2 counts of two 0/1 columns over the same examples. */
export function pairedCounts(candidate: ArrayLike<number>, baseline: ArrayLike<number>): PairedCounts {
  if (candidate.length !== baseline.length) throw new RangeError('paired columns must have the same length');
  let improved = 0;
  let worsened = 0;
  for (let i = 0; i < candidate.length; i++) {
    const difference = candidate[i]! - baseline[i]!;
    if (difference > 0) improved++;
    else if (difference < 0) worsened++;
  }
  return { n: candidate.length, improved, worsened };
}

/**
 * A t-interval for the mean of paired differences of a metric bounded to a
 * range of width `range` (differences lie within ±range), whose variance
 * includes two pseudo-pairs at +range and -range, the way Agresti-Caffo adds
 * pseudo-observations to a proportion. The pseudo-pairs stand for what n
 * examples cannot rule out: at small n, or when every difference is equal,
 * the interval stays about as wide as "some unseen examples differ by the
 * whole range" allows (2.8·range/n when all n differences are equal) instead
 * of collapsing to a point; at large n they change the width by a factor
 * 1 + O(range²/(n·s²)). Centred on the observed mean; df = n + 1.
 */
export function pairedMeanEvidence(differences: ArrayLike<number>, range: number): DifferenceEvidence {
  const n = differences.length;
  if (n < 1) throw new RangeError('a mean of no differences');
  if (!(range > 0) || !Number.isFinite(range)) throw new RangeError(`range must be a positive number, got ${range}`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += differences[i]!;
  const estimate = sum / n;
  // Mean and sum of squares of the n + 2 values (the differences and ±range).
  const augmentedMean = sum / (n + 2);
  let squares = (range - augmentedMean) ** 2 + (range + augmentedMean) ** 2;
  for (let i = 0; i < n; i++) squares += (differences[i]! - augmentedMean) ** 2;
  const df = n + 1;
  const standardError = Math.sqrt(squares / (n + 1) / (n + 2));
  const t = (margin: number) => (estimate - margin) / standardError;
  return {
    method: 'pseudo-pair-t',
    estimate,
    interval(level: number): Interval {
      checkLevel(level);
      const half = studentTQuantile(1 - (1 - level) / 2, df) * standardError;
      return { low: estimate - half, high: estimate + half, level };
    },
    pAbove: (margin: number) => studentTCdf(-t(margin), df),
    pBelow: (margin: number) => studentTCdf(t(margin), df),
  };
}
