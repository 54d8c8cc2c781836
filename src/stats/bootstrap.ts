import type { Interval } from './intervals.ts';
import { binomial, seededRandom, type SeededRandom } from './random.ts';

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
  /** The resampled statistics, kept so independent halves of one bootstrap can be joined (not serialised into predicates). */
  distribution?: Float64Array;
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
  return pairedBootstrap(columns, undefined, options).means;
}

/** Quantiles of a paired baseline and candidate sample to bootstrap together with means. */
export interface PairedQuantiles {
  baseline: Float64Array;
  candidate: Float64Array;
  qs: readonly number[];
}

/** A bootstrapped quantile of both samples and its relative change. */
export interface QuantileChange {
  q: number;
  baseline: BootstrapResult;
  candidate: BootstrapResult;
  relativeChange: BootstrapResult;
}

/**
 * One bootstrap for everything measured on the same examples: means of
 * per-example columns (paired differences) and quantiles of paired samples
 * (latency). Continuous columns and the quantiles read one resample of example
 * indices drawn once per resample; columns with few distinct values are drawn
 * exactly as multinomials. Each statistic's bootstrap distribution is exact;
 * statistics are reported separately, never combined.
 */
export function pairedBootstrap(
  columns: ReadonlyArray<Float64Array>,
  quantiles: PairedQuantiles | undefined,
  options: BootstrapOptions,
): { means: BootstrapResult[]; quantiles: QuantileChange[] } {
  const n = columns[0]?.length ?? quantiles?.baseline.length ?? 0;
  if (n === 0) throw new RangeError('bootstrap of no examples');
  if (columns.some((column) => column.length !== n)) throw new RangeError('paired columns must have the same length');
  if (quantiles !== undefined && (quantiles.baseline.length !== n || quantiles.candidate.length !== n)) {
    throw new RangeError('paired samples must have the same length');
  }
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  const random = seededRandom(options.seed);
  const indices = new Uint32Array(n);
  const meanDistributions = columns.map(() => new Float64Array(resamples));
  const base = quantiles === undefined ? undefined : new RankedSample(quantiles.baseline, quantiles.qs);
  const cand = quantiles === undefined ? undefined : new RankedSample(quantiles.candidate, quantiles.qs);
  const qs = quantiles?.qs ?? [];
  const baseDistributions = qs.map(() => new Float64Array(resamples));
  const candDistributions = qs.map(() => new Float64Array(resamples));
  // A column with few distinct values (0/1 accuracy, its paired differences)
  // has an exact bootstrap mean drawn as a multinomial over those values:
  // O(distinct values) per resample instead of O(n).
  const discrete = columns.map(distinctValues);
  const needIndices = base !== undefined || discrete.some((d) => d === undefined);
  for (let b = 0; b < resamples; b++) {
    if (needIndices) random.fillIndices(indices, n);
    for (let c = 0; c < columns.length; c++) {
      const values = discrete[c];
      if (values !== undefined) {
        meanDistributions[c]![b] = multinomialMean(values, n, random);
        continue;
      }
      const column = columns[c]!;
      let sum = 0;
      for (let j = 0; j < n; j++) sum += column[indices[j]!]!;
      meanDistributions[c]![b] = sum / n;
    }
    if (base !== undefined && cand !== undefined) {
      base.resample(indices);
      cand.resample(indices);
      for (let i = 0; i < qs.length; i++) {
        baseDistributions[i]![b] = base.quantile(qs[i]!);
        candDistributions[i]![b] = cand.quantile(qs[i]!);
      }
    }
  }
  return {
    means: columns.map((column, c) => ({ ...summarise(mean(column), meanDistributions[c]!, level, options.seed), distribution: meanDistributions[c]! })),
    quantiles: qs.map((q, i) => quantileChange(q, { baseline: base!.sorted, candidate: cand!.sorted }, baseDistributions[i]!, candDistributions[i]!, level, options.seed)),
  };
}

const MAX_DISCRETE = 32;

// The distinct values of a column with their counts, or undefined when there are too many.
function distinctValues(column: Float64Array): { values: number[]; counts: number[] } | undefined {
  const counts = new Map<number, number>();
  for (let i = 0; i < column.length; i++) {
    const value = column[i]!;
    counts.set(value, (counts.get(value) ?? 0) + 1);
    if (counts.size > MAX_DISCRETE) return undefined;
  }
  const values = [...counts.keys()].sort((a, b) => a - b);
  return { values, counts: values.map((v) => counts.get(v)!) };
}

// Mean of one bootstrap resample of a discrete column: the number of draws of
// each value is multinomial, drawn as a chain of conditional binomials.
function multinomialMean(column: { values: number[]; counts: number[] }, n: number, random: SeededRandom): number {
  let left = n;
  let share = n;
  let sum = 0;
  for (let v = 0; v < column.values.length; v++) {
    const draws = v === column.values.length - 1 ? left : binomial(left, column.counts[v]! / share, random);
    sum += draws * column.values[v]!;
    left -= draws;
    share -= column.counts[v]!;
    if (left === 0) break;
  }
  return sum / n;
}

function quantileChange(q: number, sorted: { baseline: Float64Array; candidate: Float64Array }, base: Float64Array, cand: Float64Array, level: number, seed: number): QuantileChange {
  const baseEstimate = quantileOfSorted(sorted.baseline, q);
  const candEstimate = quantileOfSorted(sorted.candidate, q);
  const change = new Float64Array(base.length);
  for (let b = 0; b < base.length; b++) change[b] = cand[b]! / base[b]! - 1;
  return {
    q,
    baseline: { ...summarise(baseEstimate, base, level, seed), distribution: base },
    candidate: { ...summarise(candEstimate, cand, level, seed), distribution: cand },
    relativeChange: { ...summarise(candEstimate / baseEstimate - 1, change, level, seed), distribution: change },
  };
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
): QuantileChange[] {
  if (baseline.length === 0 || candidate.length === 0) throw new RangeError('quantiles of no values');
  if (options.paired) return pairedBootstrap([], { baseline, candidate, qs }, options).quantiles;
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const level = options.level ?? 0.95;
  const random = seededRandom(options.seed);
  const base = new RankedSample(baseline, qs);
  const cand = new RankedSample(candidate, qs);
  const baseIndices = new Uint32Array(baseline.length);
  const candIndices = new Uint32Array(candidate.length);
  const baseDistributions = qs.map(() => new Float64Array(resamples));
  const candDistributions = qs.map(() => new Float64Array(resamples));
  for (let b = 0; b < resamples; b++) {
    random.fillIndices(baseIndices, baseline.length);
    random.fillIndices(candIndices, candidate.length);
    base.resample(baseIndices);
    cand.resample(candIndices);
    for (let i = 0; i < qs.length; i++) {
      baseDistributions[i]![b] = base.quantile(qs[i]!);
      candDistributions[i]![b] = cand.quantile(qs[i]!);
    }
  }
  return qs.map((q, i) => quantileChange(q, { baseline: base.sorted, candidate: cand.sorted }, baseDistributions[i]!, candDistributions[i]!, level, options.seed));
}

function lowerBound(sorted: Float64Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * A sample sorted once, with each value's rank, for reading quantiles of its
 * bootstrap resamples without sorting them.
 *
 * A resample's q-quantile lies, with overwhelming probability, among the
 * ranks near q's position in the sample: the number of draws below a rank is
 * binomial with a standard deviation of at most sqrt(n q (1 - q)). So each
 * rank within `spread` standard deviations of a quantile asked for keeps a
 * count of its own (a band), and each run of ranks between bands shares one
 * count. A resample is then counted into a few thousand slots instead of n,
 * and read by walking them. When a quantile falls outside its band (beyond
 * 8 standard deviations by default, about once in 10^15 resamples), the
 * resample is counted again in full; either way the result is the exact
 * quantile of the resample.
 */
export class RankedSample {
  readonly #sorted: Float64Array;
  readonly #rank: Uint32Array;
  // Every example has a rank of its own (tied values fill their block of
  // positions), so a full count is how often one example was drawn:
  // Poisson(1)-like, and 65,536 draws of one example is beyond any
  // probability worth a word. Allocated only when a quantile leaves its band.
  #counts: Uint16Array | undefined;
  // Each example's slot; per slot, its count in the current resample and the
  // rank it holds (-1 for a slot shared by a run of ranks between bands).
  readonly #slotOf: Uint16Array | Uint32Array;
  readonly #slotCounts: Uint32Array;
  readonly #slotRank: Int32Array;
  #indices: Uint32Array | undefined;
  #counted = false;

  /** qs: the quantiles that will be read; spread: each band's half-width in standard deviations. */
  constructor(values: Float64Array, qs: readonly number[], spread = 8) {
    // Sorting the values natively and finding each value's first position by
    // binary search is several times faster than an index sort with a
    // comparator; tied values then take the next free position of their block.
    const n = values.length;
    this.#sorted = Float64Array.from(values).sort();
    this.#rank = new Uint32Array(n);
    const taken = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const first = lowerBound(this.#sorted, values[i]!);
      this.#rank[i] = first + taken[first]!++;
    }
    const banded = new Uint8Array(n);
    for (const q of qs) {
      const position = q * (n - 1);
      const width = Math.ceil(spread * Math.sqrt(n * q * (1 - q))) + 2;
      banded.fill(1, Math.max(0, Math.floor(position) - width), Math.min(n, Math.ceil(position) + 2 + width));
    }
    const slotOfRank = new Uint32Array(n);
    const slotRank: number[] = [];
    for (let r = 0; r < n; r++) {
      if (banded[r] === 1) slotRank.push(r);
      else if (r === 0 || banded[r - 1] === 1) slotRank.push(-1);
      slotOfRank[r] = slotRank.length - 1;
    }
    this.#slotRank = Int32Array.from(slotRank);
    this.#slotCounts = new Uint32Array(slotRank.length);
    this.#slotOf = slotRank.length <= 0x10000 ? new Uint16Array(n) : new Uint32Array(n);
    for (let i = 0; i < n; i++) this.#slotOf[i] = slotOfRank[this.#rank[i]!]!;
  }

  /** The sample, sorted. */
  get sorted(): Float64Array {
    return this.#sorted;
  }

  /** Takes a resample: indices[j] is the example of draw j (read until the next resample). */
  resample(indices: Uint32Array): void {
    const counts = this.#slotCounts;
    const slotOf = this.#slotOf;
    counts.fill(0);
    for (let j = 0; j < indices.length; j++) counts[slotOf[indices[j]!]!]!++;
    this.#indices = indices;
    this.#counted = false;
  }

  /** Linear-interpolated q-quantile of the current resample (numpy's default). */
  quantile(q: number): number {
    const n = this.#rank.length;
    const position = q * (n - 1);
    const below = Math.floor(position);
    const fraction = below + 1 >= n || position === below ? 0 : position - below;
    return this.#banded(below, fraction) ?? this.#between(below, fraction);
  }

  // Interpolates between the values at positions `target` and `target + 1`
  // (0-based) of the resample in sorted order, read from the slots; undefined
  // when either lies in a shared slot.
  #banded(target: number, fraction: number): number | undefined {
    const counts = this.#slotCounts;
    const slotRank = this.#slotRank;
    const slots = counts.length;
    let seen = 0;
    let s = 0;
    for (; s < slots; s++) {
      seen += counts[s]!;
      if (seen > target) break;
    }
    const rank = slotRank[s]!;
    if (rank < 0) return undefined;
    const low = this.#sorted[rank]!;
    if (fraction === 0 || seen > target + 1) return low;
    for (s++; s < slots; s++) {
      if (counts[s]! === 0) continue;
      const next = slotRank[s]!;
      return next < 0 ? undefined : low + fraction * (this.#sorted[next]! - low);
    }
    return undefined;
  }

  // The same from a full count of the resample, walking from the nearer end. Empty ranks are skipped.
  #between(target: number, fraction: number): number {
    const counts = this.#fullCounts();
    const sorted = this.#sorted;
    const n = counts.length;
    let low = sorted[n - 1]!;
    let high = low;
    if (target < n / 2) {
      let seen = 0;
      let k = 0;
      for (; k < n; k++) {
        seen += counts[k]!;
        if (seen > target) break;
      }
      low = sorted[k]!;
      high = low;
      if (fraction !== 0 && seen <= target + 1) for (k++; k < n; k++) if (counts[k]! > 0) { high = sorted[k]!; break; }
    } else {
      // From the top: first the rank holding position target + 1, then the one holding target.
      const top = fraction === 0 ? target : target + 1;
      let seen = n;
      let k = n - 1;
      for (; k >= 0; k--) {
        seen -= counts[k]!;
        if (seen <= top) break;
      }
      high = sorted[k]!;
      low = high;
      if (top !== target && seen > target) for (k--; k >= 0; k--) if (counts[k]! > 0) { low = sorted[k]!; break; }
    }
    return fraction === 0 ? low : low + fraction * (high - low);
  }

  #fullCounts(): Uint16Array {
    const counts = (this.#counts ??= new Uint16Array(this.#rank.length));
    if (this.#counted) return counts;
    const rank = this.#rank;
    const indices = this.#indices!;
    counts.fill(0);
    for (let j = 0; j < indices.length; j++) counts[rank[indices[j]!]!]!++;
    this.#counted = true;
    return counts;
  }
}

/** The single-quantile form of bootstrapQuantileChanges. */
export function bootstrapQuantileChange(
  baseline: Float64Array,
  candidate: Float64Array,
  q: number,
  options: BootstrapOptions & { paired: boolean },
): QuantileChange {
  return bootstrapQuantileChanges(baseline, candidate, [q], options)[0]!;
}

/** One bootstrap resample as counts: counts[i] is how often value i was drawn (n draws with replacement). */
export function drawCounts(counts: Uint32Array, random: SeededRandom): void {
  random.drawCounts(counts);
}

/** Summarises a bootstrap distribution: percentile interval and (c + 1) / (B + 1) p-value. */
export function summariseDistribution(estimate: number, distribution: Float64Array, level: number, seed: number): BootstrapResult {
  return summarise(estimate, distribution, level, seed);
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
