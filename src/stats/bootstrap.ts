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
  const sums = new Float64Array(columns.length);
  for (let b = 0; b < resamples; b++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const pick = random.int(n);
      for (let c = 0; c < columns.length; c++) sums[c]! += columns[c]![pick]!;
    }
    for (let c = 0; c < columns.length; c++) distributions[c]![b] = sums[c]! / n;
  }
  return columns.map((_, c) => summarise(estimates[c]!, distributions[c]!, level, options.seed));
}

/**
 * Bootstrap of a quantile of each of two independent or paired samples and of
 * their relative change (candidate / baseline - 1), e.g. p99 latency. Paired
 * samples share resample indices.
 */
export function bootstrapQuantileChange(
  baseline: Float64Array,
  candidate: Float64Array,
  q: number,
  options: BootstrapOptions & { paired: boolean },
): { baseline: BootstrapResult; candidate: BootstrapResult; relativeChange: BootstrapResult } {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  if (options.paired && baseline.length !== candidate.length) throw new RangeError('paired samples must have the same length');
  const random = seededRandom(options.seed);
  const base = new Float64Array(resamples);
  const cand = new Float64Array(resamples);
  const scratchBase = new Float64Array(baseline.length);
  const scratchCand = new Float64Array(candidate.length);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < baseline.length; i++) {
      const pick = random.int(baseline.length);
      scratchBase[i] = baseline[pick]!;
      if (options.paired) scratchCand[i] = candidate[pick]!;
    }
    if (!options.paired) for (let i = 0; i < candidate.length; i++) scratchCand[i] = candidate[random.int(candidate.length)]!;
    base[b] = quantileOfSorted(scratchBase.sort(), q);
    cand[b] = quantileOfSorted(scratchCand.sort(), q);
  }
  const baseEstimate = quantile(baseline, q);
  const candEstimate = quantile(candidate, q);
  const change = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) change[b] = cand[b]! / base[b]! - 1;
  return {
    baseline: summarise(baseEstimate, base, level, options.seed),
    candidate: summarise(candEstimate, cand, level, options.seed),
    relativeChange: summarise(candEstimate / baseEstimate - 1, change, level, options.seed),
  };
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
