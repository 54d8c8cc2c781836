import type { Interval } from './intervals.ts';
import { seededRandom } from './random.ts';

/** Default number of bootstrap resamples. */
export const DEFAULT_RESAMPLES = 2000;

/** The q-quantile (0..1) of sorted values, interpolated linearly (numpy's default). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!);
}

/** The q-quantile of unsorted values. */
export function quantile(values: ArrayLike<number>, q: number): number {
  return quantileOfSorted(Float64Array.from(values).sort(), q);
}

/** A bootstrap estimate: the statistic, its percentile interval and a two-sided p-value for "the statistic is 0". */
export interface BootstrapResult {
  estimate: number;
  ci: Interval;
  /** (c + 1) / (B + 1), c counting resampled statistics at least as far from the estimate as the estimate is from 0. */
  pValue: number;
  resamples: number;
  seed: number;
}

export interface BootstrapOptions {
  resamples?: number;
  seed: number;
  level?: number;
}

/**
 * Paired bootstrap of means over the same examples: every resample draws one
 * set of example indices and applies it to every column, so metrics measured
 * on the same examples keep their correlation. Returns one result per column.
 */
export function pairedBootstrapMeans(columns: ReadonlyArray<Float64Array>, options: BootstrapOptions): BootstrapResult[] {
  const n = columns[0]?.length ?? 0;
  if (n === 0) throw new RangeError('bootstrap of no examples');
  if (columns.some((column) => column.length !== n)) throw new RangeError('paired columns must have the same length');
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  const random = seededRandom(options.seed);
  const estimates = columns.map((column) => mean(column));
  const distributions = columns.map(() => new Float64Array(resamples));
  const counts = new Uint32Array(n);
  for (let b = 0; b < resamples; b++) {
    drawCounts(counts, random);
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += counts[i]! * column[i]!;
      distributions[c]![b] = sum / n;
    }
  }
  return columns.map((_, c) => summarise(estimates[c]!, distributions[c]!, level, options.seed));
}

/**
 * Bootstrap of quantiles of a baseline and a candidate sample and of their
 * relative change (candidate / baseline - 1), e.g. p50 and p99 latency. Paired
 * samples share resample draws. Each resample is a vector of counts over the
 * original values and quantiles are read by walking the values in sorted
 * order, so no resample is ever sorted: O(n) per resample.
 */
export function bootstrapQuantileChanges(
  baseline: Float64Array,
  candidate: Float64Array,
  qs: readonly number[],
  options: BootstrapOptions & { paired: boolean },
): Array<{ q: number; baseline: BootstrapResult; candidate: BootstrapResult; relativeChange: BootstrapResult }> {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  if (baseline.length === 0 || candidate.length === 0) throw new RangeError('quantiles of no values');
  if (options.paired && baseline.length !== candidate.length) throw new RangeError('paired samples must have the same length');
  const random = seededRandom(options.seed);
  const baseOrder = sortedOrder(baseline);
  const candOrder = sortedOrder(candidate);
  const baseCounts = new Uint32Array(baseline.length);
  const candCounts = options.paired ? baseCounts : new Uint32Array(candidate.length);
  const base = qs.map(() => new Float64Array(resamples));
  const cand = qs.map(() => new Float64Array(resamples));
  const scratch = new Float64Array(qs.length);
  for (let b = 0; b < resamples; b++) {
    drawCounts(baseCounts, random);
    if (!options.paired) drawCounts(candCounts, random);
    quantilesFromCounts(baseline, baseOrder, baseCounts, qs, scratch);
    scratch.forEach((value, i) => (base[i]![b] = value));
    quantilesFromCounts(candidate, candOrder, candCounts, qs, scratch);
    scratch.forEach((value, i) => (cand[i]![b] = value));
  }
  return qs.map((q, i) => {
    const baseEstimate = quantile(baseline, q);
    const candEstimate = quantile(candidate, q);
    const change = new Float64Array(resamples);
    for (let b = 0; b < resamples; b++) change[b] = cand[i]![b]! / base[i]![b]! - 1;
    return {
      q,
      baseline: summarise(baseEstimate, base[i]!, level, options.seed),
      candidate: summarise(candEstimate, cand[i]!, level, options.seed),
      relativeChange: summarise(candEstimate / baseEstimate - 1, change, level, options.seed),
    };
  });
}

/** The single-quantile form of bootstrapQuantileChanges. */
export function bootstrapQuantileChange(
  baseline: Float64Array,
  candidate: Float64Array,
  q: number,
  options: BootstrapOptions & { paired: boolean },
): { baseline: BootstrapResult; candidate: BootstrapResult; relativeChange: BootstrapResult } {
  return bootstrapQuantileChanges(baseline, candidate, [q], options)[0]!;
}

/** One bootstrap resample as counts: counts[i] is how often value i was drawn (n draws with replacement). */
export function drawCounts(counts: Uint32Array, random: { int(n: number): number }): void {
  counts.fill(0);
  for (let i = 0; i < counts.length; i++) counts[random.int(counts.length)]!++;
}

function sortedOrder(values: Float64Array): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => values[a]! - values[b]!);
}

// Linear-interpolated quantiles of the multiset given by counts, read off the sorted order.
function quantilesFromCounts(values: Float64Array, order: Uint32Array, counts: Uint32Array, qs: readonly number[], out: Float64Array): void {
  const n = counts.length;
  const targets = qs.map((q) => q * (n - 1));
  const needed = qs.map((_, i) => i).sort((a, b) => targets[a]! - targets[b]!);
  let seen = 0;
  let next = 0;
  for (let k = 0; k < order.length && next < needed.length; k++) {
    const value = values[order[k]!]!;
    const count = counts[order[k]!]!;
    if (count === 0) continue;
    // Ranks [seen, seen + count) hold this value.
    while (next < needed.length) {
      const index = needed[next]!;
      const below = Math.floor(targets[index]!);
      if (below >= seen + count) break;
      if (below + 1 < seen + count || below + 1 >= n) {
        out[index] = value;
      } else {
        // The rank above lies in the next drawn value.
        let m = k + 1;
        while (counts[order[m]!] === 0) m++;
        out[index] = value + (targets[index]! - below) * (values[order[m]!]! - value);
      }
      next++;
    }
    seen += count;
  }
}

function summarise(estimate: number, distribution: Float64Array, level: number, seed: number): BootstrapResult {
  const sorted = Float64Array.from(distribution).sort();
  const alpha = 1 - level;
  let extreme = 0;
  for (const value of distribution) if (Math.abs(value - estimate) >= Math.abs(estimate)) extreme++;
  return {
    estimate,
    ci: { low: quantileOfSorted(sorted, alpha / 2), high: quantileOfSorted(sorted, 1 - alpha / 2), level },
    pValue: (extreme + 1) / (distribution.length + 1),
    resamples: distribution.length,
    seed,
  };
}

/** Arithmetic mean. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}
