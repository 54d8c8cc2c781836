// Intervals for statistics that are extremes over groups (the largest gap
// between any two groups' rates, the smallest ratio), valid because they are
// built from intervals that hold for every pair or every group at once. A
// percentile bootstrap of a maximum is biased upward and cannot cover a gap of
// zero; these bounds cover it, and always contain their own estimate.
import { koopmanRatioInterval, newcombeInterval } from './intervals.ts';
import { normalCdf, normalQuantile } from './special.ts';

/** One group's count for a rate: `successes` of `n`; `n` is 0 when the rate is undefined for the group (no positives for a TPR). */
export interface RateCounts {
  successes: number;
  n: number;
}

/** An estimate over groups with simultaneous bounds; `undefinedGroups` counts groups whose rate could not be computed. */
export interface ExtremeBounds {
  /** The statistic over the groups where it is defined; null when fewer than two are. */
  estimate: number | null;
  low: number;
  high: number;
  undefinedGroups: number;
}

/** The level each of `comparisons` intervals needs so that all hold together at `level` (Bonferroni). */
export function bonferroniLevel(level: number, comparisons: number): number {
  return 1 - (1 - level) / Math.max(1, comparisons);
}

/** The level each of `groups` independent intervals needs so that all hold together at `level` (Šidák). */
export function sidakLevel(level: number, groups: number): number {
  return level ** (1 / Math.max(1, groups));
}

/** How many unordered pairs `groups` groups make. */
export function pairsOf(groups: number): number {
  return (groups * (groups - 1)) / 2;
}

/**
 * Bounds on the largest gap between two groups' rates, max - min, from
 * Newcombe intervals on every pairwise difference at `pairLevel` (the caller
 * chooses it so that all pairs hold together). The gap is at least the largest
 * distance any pair's interval keeps from zero, and at most the largest
 * absolute value any pair's interval reaches. A group whose rate is undefined
 * may lie anywhere in [0, 1]: its pairs give 0 to 1, so the metric cannot pass,
 * while the defined groups can still show a gap that fails.
 */
export function spreadBounds(groups: readonly RateCounts[], pairLevel: number): ExtremeBounds {
  const rates = groups.filter((g) => g.n > 0).map((g) => g.successes / g.n);
  const estimate = rates.length < 2 ? null : Math.max(...rates) - Math.min(...rates);
  let low = 0;
  let high = 0;
  forEachPair(groups, (a, b) => {
    if (a === undefined || b === undefined) {
      high = 1;
      return;
    }
    const ci = newcombeInterval(a.successes, a.n, b.successes, b.n, pairLevel);
    low = Math.max(low, ci.low, -ci.high);
    high = Math.max(high, Math.abs(ci.low), Math.abs(ci.high));
  });
  return { estimate, low, high: Math.min(1, high), undefinedGroups: groups.length - rates.length };
}

/**
 * Bounds on the smallest ratio of two groups' rates, min / max (fairlearn's
 * demographic parity ratio), from Koopman score intervals on every pairwise
 * ratio at `pairLevel`. For a pair with ratio interval [a, b] the pair's
 * min(r, 1/r) lies between min(f(a), f(b)) and 1 when [a, b] holds 1 (else
 * max(f(a), f(b))); the smallest ratio lies between the smallest of those
 * lower ends and the smallest of the upper ends.
 */
export function ratioBounds(groups: readonly RateCounts[], pairLevel: number): ExtremeBounds {
  const rates = groups.filter((g) => g.n > 0).map((g) => g.successes / g.n);
  const largest = Math.max(...rates);
  const estimate = rates.length < 2 || largest === 0 ? null : Math.min(...rates) / largest;
  const folded = (r: number) => (r === 0 || r === Infinity ? 0 : Math.min(r, 1 / r));
  let low = 1;
  let high = 1;
  forEachPair(groups, (a, b) => {
    if (a === undefined || b === undefined) {
      low = 0;
      return;
    }
    const ci = koopmanRatioInterval(a.successes, a.n, b.successes, b.n, pairLevel);
    low = Math.min(low, folded(ci.low), folded(ci.high));
    high = Math.min(high, ci.low <= 1 && ci.high >= 1 ? 1 : Math.max(folded(ci.low), folded(ci.high)));
  });
  return { estimate, low, high, undefinedGroups: groups.length - rates.length };
}

// Visits every unordered pair of groups; a group whose rate is undefined (n = 0) is passed as undefined.
function forEachPair(groups: readonly RateCounts[], visit: (a: RateCounts | undefined, b: RateCounts | undefined) => void): void {
  const defined = (g: RateCounts) => (g.n === 0 ? undefined : g);
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) visit(defined(groups[i]!), defined(groups[j]!));
  }
}

/**
 * A bound c with P(sum_b scales[b] |Z_b| > c) <= alpha for independent
 * standard normals Z_b: the smaller of the Chernoff bound (minimised over its
 * parameter, with the half-normal's moment generating function
 * 2 exp(t^2/2) Phi(t)) and the Bonferroni bound sum_b scales[b] z_{1-alpha/2B}
 * (tight when one term dominates). Either holds alone, so the smaller does.
 * It is the sampling error an L1 sum of estimated means can carry (the binned
 * calibration error is one), a little above the exact quantile, never below.
 */
export function halfNormalSumBound(scales: readonly number[], alpha: number): number {
  const positive = scales.filter((s) => s > 0);
  if (positive.length === 0) return 0;
  const norm = Math.hypot(...positive);
  const logAlpha = Math.log(alpha);
  // The bound for parameter t / norm; unimodal in log t.
  const bound = (logT: number): number => {
    const t = Math.exp(logT) / norm;
    let cumulant = 0;
    for (const s of positive) cumulant += Math.log(2 * normalCdf(t * s)) + (t * s) ** 2 / 2;
    return (cumulant - logAlpha) / t;
  };
  let lowT = Math.log(1e-3);
  let highT = Math.log(1e3);
  const golden = (Math.sqrt(5) - 1) / 2;
  let a = highT - golden * (highT - lowT);
  let b = lowT + golden * (highT - lowT);
  let fa = bound(a);
  let fb = bound(b);
  for (let i = 0; i < 100; i++) {
    if (fa <= fb) {
      highT = b;
      b = a;
      fb = fa;
      a = highT - golden * (highT - lowT);
      fa = bound(a);
    } else {
      lowT = a;
      a = b;
      fa = fb;
      b = lowT + golden * (highT - lowT);
      fb = bound(b);
    }
  }
  // Any parameter gives a valid bound; the smallest one found is kept.
  const chernoff = Math.min(fa, fb);
  const bonferroni = normalQuantile(1 - alpha / (2 * positive.length)) * positive.reduce((sum, s) => sum + s, 0);
  return Math.min(chernoff, bonferroni);
}
