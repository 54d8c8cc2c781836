import { incompleteBeta, normalCdf, normalQuantile } from './special.ts';
import { fromOrderedKey, orderedKey } from './doubles.ts';
import type { Interval } from './intervals.ts';

/** Mann-Whitney U test (two-sided, normal approximation with tie correction and continuity correction, as scipy's method='asymptotic'); `u` is x's statistic, the pairs with x above y plus half the ties. */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): { u: number; z: number; pValue: number } {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Mann-Whitney U needs two non-empty samples');
  const xs = sortedFinite(x, 'Mann-Whitney U');
  const ys = sortedFinite(y, 'Mann-Whitney U');
  const n = n1 + n2;
  let rankSumX = 0;
  let tieTerm = 0;
  // Walk the two sorted samples as one, a group of equal values at a time; every
  // member of a group takes its mid-rank. The sums are of half-integers, so exact.
  let placed = 0;
  for (let i = 0, j = 0; i < n1 || j < n2; ) {
    const value = j === n2 || (i < n1 && xs[i]! <= ys[j]!) ? xs[i]! : ys[j]!;
    const firstX = i;
    const firstY = j;
    while (i < n1 && xs[i] === value) i++;
    while (j < n2 && ys[j] === value) j++;
    const count = i - firstX + (j - firstY);
    rankSumX += (i - firstX) * (placed + (count + 1) / 2);
    tieTerm += count ** 3 - count;
    placed += count;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const meanU = (n1 * n2) / 2;
  const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  if (sd === 0) return { u, z: 0, pValue: 1 };
  // scipy: z = (|U - mu| - 0.5) / sd, p = 2 * sf(z).
  const z = (Math.abs(u - meanU) - 0.5) / sd;
  return { u, z, pValue: Math.min(1, 2 * normalCdf(-z)) };
}

/**
 * Hodges-Lehmann estimate of the shift y - x (median of all pairwise
 * differences) with its distribution-free confidence interval from the order
 * statistics of those differences: [D(c+1), D(m-c)] for the largest c with
 * P(U <= c) <= (1 - level)/2 under the null distribution of Mann-Whitney U,
 * exact for n1 + n2 <= 60 (coverage 1 - 2·P(U <= c), at least the level), by
 * the normal approximation with continuity correction above. When no c
 * reaches the level (tiny samples) the interval is unbounded. The order
 * statistics are selected without forming the n1·n2 differences (a 24-hour
 * canary has 33 million), and are the very doubles sorting them would give.
 */
export function hodgesLehmannShift(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.95): { shift: number; ci: Interval } {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('Hodges-Lehmann needs two non-empty samples');
  const differences = pairwiseDifferences(sortedFinite(x, 'Hodges-Lehmann'), sortedFinite(y, 'Hodges-Lehmann'));
  const m = n1 * n2;
  const shift = m % 2 === 1 ? differences.select((m - 1) / 2) : (differences.select(m / 2 - 1) + differences.select(m / 2)) / 2;
  const c = rankCutoff(n1, n2, level);
  if (c < 0) return { shift, ci: { low: -Infinity, high: Infinity, level } };
  return { shift, ci: { low: differences.select(c), high: differences.select(m - 1 - c), level } };
}

// A sorted copy; the rank statistics are undefined for NaN, and infinite values
// make differences NaN (Infinity - Infinity), so both are refused.
function sortedFinite(values: ArrayLike<number>, what: string): Float64Array {
  const sorted = Float64Array.from(values);
  for (const value of sorted) if (!Number.isFinite(value)) throw new RangeError(`${what} needs finite values, got ${value}`);
  return sorted.sort();
}

// Order statistics of the differences y[j] - x[i] of two sorted samples, chosen
// by bisection over the doubles in their order. Floating-point subtraction is
// monotone in each operand, so for a threshold t the differences <= t in row i
// are a prefix of y that only lengthens as x[i] grows: one pass of two
// pointers counts them, and notes the nearest differences on either side of t,
// to which the bracket snaps (so tied data take a few passes, not sixty).
function pairwiseDifferences(x: Float64Array, y: Float64Array): { select(k: number): number } {
  return { select: (k) => selectDifference(x, y, k) };
}

// The k-th smallest (from 0) difference, as sorting all of them would place it.
function selectDifference(x: Float64Array, y: Float64Array, k: number): number {
  const n1 = x.length;
  const n2 = y.length;
  // The answer's key lies in (low, high], and high is always a difference's key.
  let low = orderedKey(y[0]! - x[n1 - 1]!) - 1n;
  let high = orderedKey(y[n2 - 1]! - x[0]!);
  while (high - low > 1n) {
    if (countAtMost(x, y, fromOrderedKey((low + high) >> 1n)) > k) high = orderedKey(nearest[0]!);
    else low = orderedKey(nearest[1]!) - 1n;
  }
  const value = fromOrderedKey(high);
  if (value !== 0) return value;
  // Sorting puts -0 before +0; a difference is -0 only as (-0) - (+0).
  const negative = countAtMost(x, y, -Number.MIN_VALUE);
  let negativeZeros = 0;
  let positiveZeros = 0;
  for (const v of y) if (Object.is(v, -0)) negativeZeros++;
  for (const v of x) if (Object.is(v, 0)) positiveZeros++;
  return k < negative + negativeZeros * positiveZeros ? -0 : 0;
}

// The differences nearest the last threshold counted: the largest <= t, the smallest > t.
const nearest = new Float64Array(2);

// How many differences y[j] - x[i] are <= t, in one pass of two pointers.
function countAtMost(x: Float64Array, y: Float64Array, t: number): number {
  const n1 = x.length;
  const n2 = y.length;
  let count = 0;
  let below = -Infinity;
  let above = Infinity;
  for (let i = 0, j = 0; i < n1; i++) {
    const xi = x[i]!;
    while (j < n2 && y[j]! - xi <= t) j++;
    if (j > 0 && y[j - 1]! - xi > below) below = y[j - 1]! - xi;
    if (j === n2) {
      // Every later row is whole too, and its largest difference is smaller.
      count += n2 * (n1 - i);
      break;
    }
    count += j;
    if (y[j]! - xi < above) above = y[j]! - xi;
  }
  nearest[0] = below;
  nearest[1] = above;
  return count;
}

const EXACT_U_LIMIT = 60;

// The largest c with P(U <= c) <= (1 - level)/2 (exact, or normal with continuity correction); -1 when none.
function rankCutoff(n1: number, n2: number, level: number): number {
  const alpha = (1 - level) / 2;
  if (n1 + n2 <= EXACT_U_LIMIT) {
    const cdf = mannWhitneyNullCdf(n1, n2);
    let c = -1;
    while (c + 1 < cdf.length && cdf[c + 1]! <= alpha) c++;
    return c;
  }
  const z = normalQuantile(1 - alpha);
  return Math.floor((n1 * n2) / 2 - 0.5 - z * Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12));
}

/**
 * The exact null distribution of the Mann-Whitney U statistic for samples of
 * n1 and n2 without ties, as cumulative probabilities P(U <= u), u = 0..n1·n2:
 * the coefficients of the Gaussian binomial [n1 + n2 choose n1] in q.
 */
export function mannWhitneyNullCdf(n1: number, n2: number): Float64Array {
  const m = n1 * n2;
  // Coefficients of prod_{i=1..n1} (1 - q^{n2+i}) / (1 - q^i), built one factor at a time.
  const counts = new Float64Array(m + 1);
  counts[0] = 1;
  for (let i = 1; i <= n1; i++) {
    for (let u = m; u >= n2 + i; u--) counts[u]! -= counts[u - n2 - i]!;
    for (let u = i; u <= m; u++) counts[u]! += counts[u - i]!;
  }
  let total = 0;
  for (const count of counts) total += count;
  const cdf = new Float64Array(m + 1);
  let running = 0;
  counts.forEach((count, u) => {
    running += count;
    cdf[u] = running / total;
  });
  return cdf;
}

/**
 * Cohen's d with the pooled standard deviation: (mean(y) - mean(x)) /
 * s_pooled. Two constant samples that differ have an unbounded effect
 * (±Infinity, as numpy gives); two equal ones an undefined one (NaN).
 */
export function cohensD(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const [mx, vx] = meanVariance(x);
  const [my, vy] = meanVariance(y);
  const pooled = Math.sqrt(((x.length - 1) * vx + (y.length - 1) * vy) / (x.length + y.length - 2));
  return (my - mx) / pooled;
}

/**
 * Cohen's d_z for paired differences: mean(d) / sd(d). When every difference
 * is the same non-zero value the effect is unbounded (±Infinity, as numpy
 * gives); when every difference is 0 it is undefined (NaN).
 */
export function cohensDz(differences: ArrayLike<number>): number {
  const [m, v] = meanVariance(differences);
  if (v === 0) return m === 0 ? Number.NaN : m > 0 ? Infinity : -Infinity;
  return m / Math.sqrt(v);
}

// Mean and sample variance (n - 1), by Welford's method.
function meanVariance(values: ArrayLike<number>): [number, number] {
  if (values.length < 2) throw new RangeError('need at least two values');
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const delta = values[i]! - mean;
    mean += delta / (i + 1);
    m2 += delta * (values[i]! - mean);
  }
  return [mean, m2 / (values.length - 1)];
}

/** Benjamini-Hochberg adjusted p-values (q-values), in the input order (scipy's false_discovery_control). */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const [p, index] = order[rank - 1]!;
    running = Math.min(running, (p * m) / rank);
    adjusted[index] = Math.min(1, running);
  }
  return adjusted;
}

/**
 * The one-sided exact McNemar test on paired binary outcomes: given `more`
 * pairs where only the first member changed and `fewer` where only the second
 * did, P(X >= more) for X ~ Binomial(more + fewer, 1/2), the chance of at
 * least this many under the hypothesis that the first changes no more often
 * than the second (scipy.stats.binomtest(more, more + fewer, 0.5, 'greater')).
 * Exact at every n, so valid for the few discordant pairs a trigger gives.
 */
export function exactMcNemarGreater(more: number, fewer: number): number {
  if (!Number.isInteger(more) || !Number.isInteger(fewer) || more < 0 || fewer < 0) throw new RangeError(`need whole counts of discordant pairs, got ${more} and ${fewer}`);
  if (more === 0) return 1;
  return Math.min(1, incompleteBeta(0.5, more, fewer + 1));
}

/** Holm step-down adjusted p-values, in the input order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, index], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}
