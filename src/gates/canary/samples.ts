import { canonicalize } from '../../canonical/json.ts';
import { InputError } from '../../error.ts';
import { ARMS, expectedSteps, type Arm, type CanaryPlan, type QueryRole } from './plan.ts';
import { isPrometheusNumber } from './query-range.ts';
import type { RangeAnswer, RangeSeries } from './source.ts';
import type { CanaryMetricConfig } from './definition.ts';

/**
 * What one step of one arm held: a figure; no traffic (zero requests, so no
 * figure); not a number (Prometheus answered NaN); or nothing at all (no
 * sample at that time: a gap). Each is counted apart, and only figures are
 * ever judged, so missing data can never read as a pass.
 */
export type StepSample = { value: number; events: number | null } | 'no-traffic' | 'not-a-number';

/** One series of a metric, with each arm's steps keyed by time. */
export interface MetricSeries {
  metric: string;
  /** Labels identifying the series, without the arm label (and, for histograms, without le). */
  labels: Record<string, string>;
  /** Each arm's steps; an arm without the series at all has none. */
  steps: Record<Arm, Map<number, StepSample>>;
  /** Arms that answered no series with these labels. */
  missing: Arm[];
}

/** A metric's series, aligned on the timestamps both arms have. */
export interface AlignedSeries extends MetricSeries {
  /** Each arm's figures at the aligned steps, in time order. */
  values: Record<Arm, number[]>;
  /** Each arm's events (requests, histogram count) over the aligned steps; null for value metrics. */
  events: Record<Arm, number> | null;
  /** For ratio metrics, each arm's numerator summed over the aligned steps (errors, flags): with events, the pooled rate. */
  hits: Record<Arm, number> | null;
  unaligned: Record<Arm, number>;
  noTraffic: Record<Arm, number>;
  notANumber: Record<Arm, number>;
  /** Aligned steps over the steps the window holds. */
  coverage: number;
}

/** The answers of a plan's queries, in plan order, as the canary attestation's samples digest covers them. */
export function samplesDocument(plan: CanaryPlan, answers: readonly RangeAnswer[]): string {
  return canonicalize(plan.queries.map((planned, i) => ({ query: planned.range, series: answers[i]!.series })));
}

/**
 * Every series of one metric, both arms, with the per-step figure of each:
 * numerator / denominator for a ratio, the quantile from the step's bucket
 * counts for a histogram, the value itself otherwise. Series are matched
 * across arms by their labels and never merged.
 */
export function metricSeries(plan: CanaryPlan, answers: readonly RangeAnswer[], metric: string): MetricSeries[] {
  const config = plan.thresholds.metrics[metric]!;
  const answerOf = (role: QueryRole, arm: Arm): RangeAnswer => answers[plan.queries.findIndex((q) => q.metric === metric && q.role === role && q.arm === arm)]!;
  const armLabel = plan.thresholds.arms.label;
  const perArm = {} as Record<Arm, Map<string, { labels: Record<string, string>; steps: Map<number, StepSample> }>>;
  for (const arm of ARMS) {
    try {
      perArm[arm] =
        config.kind === 'ratio'
          ? ratioSteps(bySeries(answerOf('numerator', arm).series, [armLabel]), bySeries(answerOf('denominator', arm).series, [armLabel]))
          : config.kind === 'histogram_quantile'
            ? histogramSteps(answerOf('query', arm).series, armLabel, config.quantile)
            : valueSteps(bySeries(answerOf('query', arm).series, [armLabel]));
    } catch (error) {
      // Answers no judgement can be read from are the query's fault: policy data's to fix, not a bug.
      if (!(error instanceof RangeError)) throw error;
      throw new InputError({ code: 'SCHEMA_INVALID', message: `policy data thresholds.canary.metrics.${metric}, ${arm} arm: ${error.message}`, cause: error });
    }
  }
  const keys = [...new Set(ARMS.flatMap((arm) => [...perArm[arm].keys()]))].sort();
  if (keys.length === 0) keys.push(canonicalize({}));
  return keys.map((key) => {
    const labels = (perArm.canary.get(key) ?? perArm.baseline.get(key))?.labels ?? {};
    const steps = Object.fromEntries(ARMS.map((arm) => [arm, perArm[arm].get(key)?.steps ?? new Map<number, StepSample>()])) as Record<Arm, Map<number, StepSample>>;
    return { metric, labels, steps, missing: ARMS.filter((arm) => !perArm[arm].has(key)) };
  });
}

/** A metric series aligned on timestamps: only steps both arms sampled are judged; the rest are counted as unaligned. */
export function alignSeries(plan: CanaryPlan, series: MetricSeries, config: CanaryMetricConfig): AlignedSeries {
  const [canary, baseline] = [series.steps.canary, series.steps.baseline];
  const times = [...canary.keys()].filter((t) => baseline.has(t)).sort((a, b) => a - b);
  const zero = (): Record<Arm, number> => ({ canary: 0, baseline: 0 });
  const values: Record<Arm, number[]> = { canary: [], baseline: [] };
  const noTraffic = zero();
  const notANumber = zero();
  const events = config.kind === 'value' ? null : zero();
  const hits = config.kind === 'ratio' ? zero() : null;
  for (const arm of ARMS) {
    for (const t of times) {
      const sample = series.steps[arm].get(t)!;
      if (sample === 'no-traffic') noTraffic[arm]++;
      else if (sample === 'not-a-number') notANumber[arm]++;
      else {
        values[arm].push(sample.value);
        if (events !== null) events[arm] += sample.events ?? 0;
        if (hits !== null) hits[arm] += sample.value * (sample.events ?? 0);
      }
    }
  }
  const aligned = new Set(times);
  const unaligned = { canary: [...canary.keys()].filter((t) => !aligned.has(t)).length, baseline: [...baseline.keys()].filter((t) => !aligned.has(t)).length };
  return { ...series, values, events, hits, unaligned, noTraffic, notANumber, coverage: Math.min(1, times.length / expectedSteps(plan)) };
}

/** The requests each arm served over the window, summed over every series and step of the traffic query. */
export function trafficRequests(plan: CanaryPlan, answers: readonly RangeAnswer[]): Record<Arm, number> {
  const total = (arm: Arm): number => {
    const answer = answers[plan.queries.findIndex((q) => q.role === 'traffic' && q.arm === arm)]!;
    let sum = 0;
    for (const series of answer.series) {
      for (const [, text] of series.points) {
        const value = Number(text);
        if (Number.isFinite(value) && value > 0) sum += value;
      }
    }
    return sum;
  };
  return { canary: total('canary'), baseline: total('baseline') };
}

type Keyed = Map<string, { labels: Record<string, string>; series: RangeSeries }>;

// Series keyed by their labels without the ones named (the arm label, le); two
// series that differ only in those would be merged, which a query must not ask.
function bySeries(series: readonly RangeSeries[], without: readonly string[]): Keyed {
  const keyed: Keyed = new Map();
  for (const one of series) {
    const labels = Object.fromEntries(Object.entries(one.labels).filter(([name]) => !without.includes(name)));
    const key = canonicalize(labels);
    if (keyed.has(key)) throw new RangeError(`two series answer with the labels ${key}: the query must aggregate over the arm label (e.g. sum by (…))`);
    keyed.set(key, { labels, series: one });
  }
  return keyed;
}

function parsed(text: string): number {
  // Prometheus sends numbers as text: NaN, +Inf and -Inf spelled out.
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

function ratioSteps(numerators: Keyed, denominators: Keyed): Map<string, { labels: Record<string, string>; steps: Map<number, StepSample> }> {
  const result = new Map<string, { labels: Record<string, string>; steps: Map<number, StepSample> }>();
  for (const [key, { labels, series }] of denominators) {
    const numerator = new Map(numerators.get(key)?.series.points.map(([t, v]) => [t, parsed(v)]) ?? []);
    const steps = new Map<number, StepSample>();
    for (const [t, text] of series.points) {
      const events = parsed(text);
      const count = numerator.get(t);
      // A step without its numerator is a gap, never zero: counting it as zero
      // would read a misspelt error series as a perfect canary.
      if (count === undefined) continue;
      if (Number.isNaN(events) || Number.isNaN(count) || !Number.isFinite(events) || !Number.isFinite(count)) steps.set(t, 'not-a-number');
      else if (events <= 0) steps.set(t, 'no-traffic');
      else steps.set(t, { value: count / events, events });
    }
    result.set(key, { labels, steps });
  }
  // Numerator series without a denominator are kept apart, with nothing to judge.
  for (const [key, { labels }] of numerators) if (!result.has(key)) result.set(key, { labels, steps: new Map() });
  return result;
}

function valueSteps(series: Keyed): Map<string, { labels: Record<string, string>; steps: Map<number, StepSample> }> {
  const result = new Map<string, { labels: Record<string, string>; steps: Map<number, StepSample> }>();
  for (const [key, { labels, series: one }] of series) {
    const steps = new Map<number, StepSample>();
    for (const [t, text] of one.points) {
      const value = parsed(text);
      steps.set(t, Number.isFinite(value) ? { value, events: null } : 'not-a-number');
    }
    result.set(key, { labels, steps });
  }
  return result;
}

function histogramSteps(series: readonly RangeSeries[], armLabel: string, quantile: number): Map<string, { labels: Record<string, string>; steps: Map<number, StepSample> }> {
  // Group bucket series by their labels without the arm and le.
  const groups = new Map<string, { labels: Record<string, string>; buckets: Array<{ le: number; points: Map<number, number> }> }>();
  for (const one of series) {
    const leText = one.labels['le'];
    if (leText === undefined) throw new RangeError('a histogram_quantile query must answer bucket series with an le label (e.g. sum by (le) (increase(x_bucket{…}[…])))');
    // A bound is a number or +Inf: "", NaN or -Inf bounds no bucket.
    if (!isPrometheusNumber(leText) || leText === 'NaN' || leText === '-Inf') throw new RangeError(`a bucket series has le=${JSON.stringify(leText)}, which is no bucket bound`);
    const labels = Object.fromEntries(Object.entries(one.labels).filter(([name]) => name !== armLabel && name !== 'le'));
    const key = canonicalize(labels);
    const group = groups.get(key) ?? { labels, buckets: [] };
    group.buckets.push({ le: parsed(leText), points: new Map(one.points.map(([t, v]) => [t, parsed(v)])) });
    groups.set(key, group);
  }
  const result = new Map<string, { labels: Record<string, string>; steps: Map<number, StepSample> }>();
  for (const [key, { labels, buckets }] of groups) {
    buckets.sort((a, b) => a.le - b.le);
    if (new Set(buckets.map((b) => b.le)).size !== buckets.length) throw new RangeError(`two bucket series with the same le answer for ${key}: aggregate by (le)`);
    const steps = new Map<number, StepSample>();
    const times = new Set(buckets.flatMap((b) => [...b.points.keys()]));
    for (const t of times) {
      const counts = buckets.map((b) => ({ le: b.le, count: b.points.get(t) }));
      // A step missing its +Inf bucket (or any bucket) has no distribution to read: a gap.
      if (counts.at(-1)!.le !== Infinity || counts.some((c) => c.count === undefined)) continue;
      const sample = histogramQuantile(quantile, counts as Array<{ le: number; count: number }>);
      steps.set(t, sample);
    }
    result.set(key, { labels, steps });
  }
  return result;
}

/**
 * The q-quantile of one step's cumulative bucket counts, by linear
 * interpolation within the bucket the rank falls in, as Prometheus's
 * histogram_quantile does: the first bucket's lower bound is 0 (when its
 * upper bound is positive), a rank in the +Inf bucket gives the highest
 * finite bound, and counts are made monotonic first (per-step increases of
 * separate bucket series can disagree slightly).
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<{ le: number; count: number }>): StepSample {
  if (buckets.some((b) => Number.isNaN(b.count))) return 'not-a-number';
  const counts: number[] = [];
  let running = 0;
  for (const bucket of buckets) counts.push((running = Math.max(running, bucket.count)));
  const total = counts.at(-1)!;
  if (!(total > 0)) return 'no-traffic';
  if (buckets.length < 2) return 'not-a-number';
  const rank = q * total;
  // The first bucket whose count reaches the rank; its predecessor's count is below the rank, so the bucket is not empty.
  const i = counts.findIndex((count) => count >= rank);
  if (buckets[i]!.le === Infinity) return { value: buckets[buckets.length - 2]!.le, events: total };
  if (i === 0 && buckets[0]!.le <= 0) return { value: buckets[0]!.le, events: total };
  const lower = i === 0 ? 0 : buckets[i - 1]!.le;
  const below = i === 0 ? 0 : counts[i - 1]!;
  const inBucket = counts[i]! - below;
  return { value: lower + (buckets[i]!.le - lower) * ((rank - below) / inBucket), events: total };
}
