import type { EvidenceReference, GateVerdict, Interval, RegressionMetric, RegressionPredicate, RegressionSlice } from '../../attest/predicates.ts';
import { InputError } from '../../error.ts';
import { DEFAULT_RESAMPLES, mean, summariseDistribution, type BootstrapResult, type QuantileChange } from '../../stats/bootstrap.ts';
import { pairedCounts, pairedMeanEvidence, pairedProportionEvidence, type DifferenceEvidence } from '../../stats/paired.ts';
import { runBootstraps, type BootstrapJob, type BootstrapJobResult } from '../../stats/parallel.ts';
import { geometricMean, logRatioEvidence, runsNeeded } from '../../stats/ratio.ts';
import { bonferroniLevel } from '../../stats/simultaneous.ts';
import { cohensDz } from '../../stats/hypothesis-tests.ts';
import { figure, judgedBase } from '../gate.ts';
import { MAX_EXAMPLES, type EvaluationExample, type EvidenceFile, type ExampleResult, type RunFigures } from './results.ts';

/** A metric tolerance from policy data: which way is better, how far the interval may reach, and the values the metric can take. */
export interface MetricThreshold {
  direction: 'higher' | 'lower';
  tolerance: number;
  /** Per-example values lie in [min, max] (default [0, 1]); quality metrics only. */
  range?: [number, number];
}

/** What the policy's data.gatehouse.thresholds.regression holds. */
export interface RegressionThresholds {
  metrics: Record<string, MetricThreshold>;
  /** Confidence level of every interval the gate reports (default 0.95). */
  level?: number;
  /** Bootstrap resamples for latency quantiles (default 2000). */
  resamples?: number;
  /** Runs of each model below which throughput and memory are insufficient evidence (default 2, the fewest that show run-to-run variation). */
  min_runs?: number;
  slices?: { min_size?: number; tolerances?: Record<string, number> };
}

export interface RegressionInputs {
  /** The pinned evaluation set: every example must be answered by both models, or is scored against the candidate. */
  evaluationSet: EvidenceFile<EvaluationExample[]>;
  candidate: EvidenceFile<ExampleResult[]>;
  baseline: EvidenceFile<ExampleResult[]>;
  candidateRun?: EvidenceFile<RunFigures>;
  baselineRun?: EvidenceFile<RunFigures>;
  /** The deployed model the candidate is compared with. */
  baselineDigest: string;
}

export interface RegressionConfig {
  thresholds: RegressionThresholds;
  policyDigest: string | null;
  evaluatedAt: string;
  /** Derived from what is judged (deriveSeed), never chosen. */
  seed: number;
}

/** Everything the gate found, beyond what the predicate carries. */
export interface RegressionReport {
  predicate: RegressionPredicate;
  /** Ids of the evaluation set a model gave no result for. */
  missingIds: { candidate: string[]; baseline: string[] };
  /** Cohen's d_z of each quality metric's paired differences; "Infinity" when every difference is the same non-zero value. */
  effectSizes: Record<string, number | string | null>;
  smallSlices: Array<{ name: string; n: number }>;
  /** For run-level metrics that were not decisive: runs of each model that would decide at the observed variation. */
  runsNeeded: Record<string, number | null>;
}

/** Confidence level when policy data sets none. */
export const DEFAULT_LEVEL = 0.95;
const DEFAULT_MIN_SLICE = 30;
const DEFAULT_MIN_RUNS = 2;
const DEFAULT_RANGE: [number, number] = [0, 1];
// Metric names with a meaning beyond "a per-example value": latency quantiles and run-level figures.
const LATENCY_QUANTILES: Record<string, number> = { latency_p50: 0.5, latency_p90: 0.9, latency_p95: 0.95, latency_p99: 0.99 };
const RUN_LEVEL: Record<string, keyof RunFigures> = { throughput: 'throughput', peak_memory: 'peakMemoryBytes' };
// Keeps the second half's stream apart from the first's.
const HALF_SEED_OFFSET = 1_000_003;

/** The settings a regression judgement runs with, policy data's or their defaults. */
export function regressionSettings(thresholds: RegressionThresholds): { level: number; resamples: number; minRuns: number; minSliceSize: number } {
  return {
    level: thresholds.level ?? DEFAULT_LEVEL,
    resamples: thresholds.resamples ?? DEFAULT_RESAMPLES,
    minRuns: thresholds.min_runs ?? DEFAULT_MIN_RUNS,
    minSliceSize: thresholds.slices?.min_size ?? DEFAULT_MIN_SLICE,
  };
}

/**
 * Compares a candidate with the deployed baseline on every example of the
 * pinned evaluation set. Each metric with a policy threshold is a
 * non-inferiority test: pass when the confidence interval of the change lies
 * within the tolerance, fail when it lies wholly beyond, insufficient evidence
 * otherwise. 0/1 metrics use Tango's score interval for paired proportions,
 * other bounded metrics a t-interval that cannot collapse to a point; latency
 * quantiles a paired bootstrap on the timed pairs; throughput and memory
 * Welch's t on log run figures. Capabilities and slices of the set are judged
 * the same way on Bonferroni-adjusted simultaneous intervals.
 */
export async function evaluateRegression(inputs: RegressionInputs, config: RegressionConfig): Promise<RegressionReport> {
  const settings = regressionSettings(config.thresholds);
  const examples = inputs.evaluationSet.content;
  if (examples.length > MAX_EXAMPLES) {
    throw new InputError({ code: 'SCHEMA_INVALID', message: `${examples.length} examples; the regression gate judges at most ${MAX_EXAMPLES}`, path: inputs.evaluationSet.source });
  }
  // The id index is built only if results are not in the set's order.
  let index: Map<string, number> | undefined;
  const position = (id: string) => (index ??= new Map(examples.map((example, i) => [example.id, i]))).get(id);
  const candidate = indexResults(inputs.candidate, inputs.evaluationSet, position);
  const baseline = indexResults(inputs.baseline, inputs.evaluationSet, position);
  const reasons: string[] = [];
  const missingIds = {
    candidate: examples.filter((_, i) => candidate[i] === undefined).map((e) => e.id),
    baseline: examples.filter((_, i) => baseline[i] === undefined).map((e) => e.id),
  };
  if (missingIds.candidate.length + missingIds.baseline.length > 0) {
    reasons.push(`${missingIds.candidate.length} examples of the evaluation set have no candidate result and ${missingIds.baseline.length} no baseline result; each is scored against the candidate`);
  }
  const thresholdNames = Object.keys(config.thresholds.metrics).sort();
  const qualityNames = thresholdNames.filter((name) => !(name in LATENCY_QUANTILES) && !(name in RUN_LEVEL));
  const latencyNames = thresholdNames.filter((name) => name in LATENCY_QUANTILES);

  const quality = qualityNames.flatMap((name) => {
    const column = qualityColumn(name, config.thresholds.metrics[name]!, examples, candidate, baseline, inputs);
    if (column === undefined) reasons.push(`metric ${name}, which policy requires, is in no result of ${hasMetric(candidate, name) ? 'the baseline' : 'the candidate'}`);
    return column === undefined ? [] : [column];
  });

  // Latency is judged on the pairs timed for both models; the rest are counted.
  const timed: number[] = [];
  examples.forEach((_, i) => {
    if (candidate[i]?.latencyMs !== undefined && baseline[i]?.latencyMs !== undefined) timed.push(i);
  });
  const untimed = examples.length - timed.length;
  if (latencyNames.length > 0 && untimed > 0) reasons.push(`${untimed} of ${examples.length} examples lack a latency for one model or both; latency is judged on the ${timed.length} timed pairs`);
  const judgedQuantiles = latencyNames.filter((name) => quantileIdentified(timed.length, LATENCY_QUANTILES[name]!, settings.level));
  const latencyJob =
    judgedQuantiles.length > 0
      ? {
          baseline: Float64Array.from(timed, (i) => baseline[i]!.latencyMs!),
          candidate: Float64Array.from(timed, (i) => candidate[i]!.latencyMs!),
          qs: judgedQuantiles.map((name) => LATENCY_QUANTILES[name]!),
        }
      : undefined;
  // The latency bootstrap is split in two halves with their own seeds, run in
  // parallel when large; results depend on the seed only.
  const jobs: BootstrapJob[] = latencyJob === undefined ? [] : [0, 1].map((half) => ({ columns: [], quantiles: latencyJob, options: { seed: config.seed + half * HALF_SEED_OFFSET, resamples: halfOf(settings.resamples, half), level: settings.level } }));
  const results = await runBootstraps(jobs);
  const latencyChanges = results.length === 2 ? joinQuantiles(results[0]!, results[1]!, settings.level) : [];

  const metrics: RegressionMetric[] = [];
  const effectSizes: RegressionReport['effectSizes'] = {};
  for (const column of quality) {
    const threshold = config.thresholds.metrics[column.name]!;
    const evidence = evidenceOf(column);
    const ci = evidence.interval(settings.level);
    const effectSize = examples.length > 1 ? cohensDz(column.differences) : Number.NaN;
    effectSizes[column.name] = Number.isFinite(effectSize) ? effectSize : Number.isNaN(effectSize) ? null : String(effectSize);
    metrics.push({
      name: column.name,
      candidate: mean(column.candidate),
      baseline: mean(column.baseline),
      delta: evidence.estimate,
      scale: 'absolute',
      ci,
      tolerance: threshold.tolerance,
      effectSize: Number.isFinite(effectSize) ? effectSize : null,
      verdict: nonInferiority(ci, threshold.direction, threshold.tolerance),
      n: examples.length,
      method: evidence.method,
      missing: column.missing,
    });
  }

  for (const name of latencyNames) {
    const threshold = config.thresholds.metrics[name]!;
    const change = latencyChanges[judgedQuantiles.indexOf(name)];
    if (change === undefined) {
      reasons.push(`${name} needs a latency for both models on at least ${minimumForQuantile(LATENCY_QUANTILES[name]!, settings.level)} examples (${timed.length} timed pairs)`);
      continue;
    }
    metrics.push({
      name,
      candidate: change.candidate.estimate,
      baseline: change.baseline.estimate,
      delta: change.relativeChange.estimate,
      scale: 'relative',
      ci: change.relativeChange.ci,
      tolerance: threshold.tolerance,
      verdict: nonInferiority(change.relativeChange.ci, threshold.direction, threshold.tolerance),
      n: timed.length,
      method: 'paired-bootstrap-percentile',
    });
  }

  const runsAdvice: Record<string, number | null> = {};
  for (const name of thresholdNames.filter((name) => name in RUN_LEVEL)) {
    const threshold = config.thresholds.metrics[name]!;
    const field = RUN_LEVEL[name]!;
    if (inputs.candidateRun === undefined || inputs.baselineRun === undefined) {
      reasons.push(`metric ${name} needs run figures for both models`);
      continue;
    }
    const runs = { candidate: inputs.candidateRun.content[field], baseline: inputs.baselineRun.content[field] };
    const metric = runMetric(name, runs, threshold, settings, reasons);
    metrics.push(metric);
    if (metric.verdict === 'insufficient-evidence') {
      const margin = threshold.direction === 'higher' ? -threshold.tolerance : threshold.tolerance;
      const needed = runsNeeded(runs.candidate, runs.baseline, margin, settings.level);
      runsAdvice[name] = needed === null ? null : Math.max(needed, settings.minRuns);
      reasons.push(`${name}: ${needed === null ? 'no number of runs would decide at the observed change and run-to-run variation' : `about ${Math.max(needed, settings.minRuns)} runs of each model would decide at the observed run-to-run variation`}`);
    }
  }

  const { slices, smallSlices } = judgeSlices(examples, quality, config, settings);
  for (const metric of metrics.filter((m) => m.verdict !== 'pass')) {
    reasons.push(`${metric.name}: change ${figure(metric.delta)} (${settings.level * 100}% CI ${figure(metric.ci.low)} to ${figure(metric.ci.high)}) against a tolerance of ${metric.tolerance}: ${metric.verdict}`);
  }
  for (const slice of slices.filter((s) => s.verdict !== undefined && s.verdict !== 'pass')) {
    reasons.push(`slice ${slice.name}: ${slice.metric} changed by ${figure(slice.delta)} (simultaneous ${figure(slice.ci!.level! * 100)}% CI ${figure(slice.ci!.low)} to ${figure(slice.ci!.high)}, non-inferiority q = ${figure(slice.qValue)}) against a tolerance of ${slice.tolerance}: ${slice.verdict}`);
  }
  const unmeasured = thresholdNames.filter((name) => !metrics.some((m) => m.name === name));
  const judged = [...metrics.map((m) => m.verdict), ...slices.map((s) => s.verdict)];
  const verdict: GateVerdict = judged.includes('fail') ? 'fail' : judged.includes('insufficient-evidence') || unmeasured.length > 0 ? 'insufficient-evidence' : 'pass';
  const evidence: EvidenceReference[] = [
    { role: 'baseline-model', digest: inputs.baselineDigest },
    { role: 'evaluation-set', digest: inputs.evaluationSet.digest },
    { role: 'candidate-results', digest: inputs.candidate.digest },
    { role: 'baseline-results', digest: inputs.baseline.digest },
    ...(inputs.candidateRun === undefined ? [] : [{ role: 'candidate-run', digest: inputs.candidateRun.digest }]),
    ...(inputs.baselineRun === undefined ? [] : [{ role: 'baseline-run', digest: inputs.baselineRun.digest }]),
  ];
  const predicate: RegressionPredicate = {
    ...judgedBase('regression', verdict, reasons, config),
    evidence,
    baseline: { digest: inputs.baselineDigest },
    evaluationSet: { digest: inputs.evaluationSet.digest, examples: examples.length },
    metrics,
    slices,
    missing: { candidate: missingIds.candidate.length, baseline: missingIds.baseline.length },
    timing: { timed: timed.length, untimed },
    seed: config.seed,
    resamples: settings.resamples,
  };
  return { predicate, missingIds, effectSizes, smallSlices, runsNeeded: runsAdvice };
}

/**
 * Non-inferiority on an interval of (candidate - baseline): pass when it lies
 * wholly on the good side of the tolerance, fail when wholly beyond it,
 * insufficient evidence when it straddles it.
 */
export function nonInferiority(ci: { low: number; high: number }, direction: 'higher' | 'lower', tolerance: number): GateVerdict {
  if (direction === 'higher') {
    if (ci.low > -tolerance) return 'pass';
    if (ci.high < -tolerance) return 'fail';
  } else {
    if (ci.high < tolerance) return 'pass';
    if (ci.low > tolerance) return 'fail';
  }
  return 'insufficient-evidence';
}

// Each example of the set's result, in set order; ids not in the set are refused.
function indexResults(file: EvidenceFile<ExampleResult[]>, set: EvidenceFile<EvaluationExample[]>, position: (id: string) => number | undefined): Array<ExampleResult | undefined> {
  const examples = set.content;
  const out = new Array<ExampleResult | undefined>(examples.length);
  file.content.forEach((result, row) => {
    // Results usually come in the set's order: then no lookup is needed.
    const i = examples[row]?.id === result.id ? row : position(result.id);
    if (i === undefined) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `row ${row + 1}: id ${JSON.stringify(result.id)} is not in the evaluation set ${set.source}`, path: file.source });
    }
    out[i] = result;
  });
  return out;
}

interface QualityColumn {
  name: string;
  direction: 'higher' | 'lower';
  binary: boolean;
  range: number;
  candidate: Float64Array;
  baseline: Float64Array;
  differences: Float64Array;
  missing: { candidate: number; baseline: number };
}

function hasMetric(results: Array<ExampleResult | undefined>, name: string): boolean {
  return results.some((result) => result !== undefined && name in result.metrics);
}

// One quality metric over the whole set, in set order. An example a model did
// not answer is scored against the candidate: its worst value for the
// candidate, its best for the baseline. Undefined when a model never reports
// the metric at all (it was not measured, which is insufficient evidence).
function qualityColumn(
  name: string,
  threshold: MetricThreshold,
  examples: EvaluationExample[],
  candidate: Array<ExampleResult | undefined>,
  baseline: Array<ExampleResult | undefined>,
  inputs: RegressionInputs,
): QualityColumn | undefined {
  if (!hasMetric(candidate, name) || !hasMetric(baseline, name)) return undefined;
  const [min, max] = threshold.range ?? DEFAULT_RANGE;
  const [worst, best] = threshold.direction === 'higher' ? [min, max] : [max, min];
  const missing = { candidate: 0, baseline: 0 };
  const read = (results: Array<ExampleResult | undefined>, file: EvidenceFile<ExampleResult[]>, fallback: number, side: 'candidate' | 'baseline') =>
    Float64Array.from(examples, (example, i) => {
      const value = results[i]?.metrics[name];
      if (value === undefined) {
        missing[side]++;
        return fallback;
      }
      if (!(value >= min && value <= max)) {
        throw new InputError({ code: 'SCHEMA_INVALID', message: `example ${JSON.stringify(example.id)}: ${name} = ${value} is outside the range [${min}, ${max}] policy data gives it`, path: file.source });
      }
      return value;
    });
  const c = read(candidate, inputs.candidate, worst, 'candidate');
  const b = read(baseline, inputs.baseline, best, 'baseline');
  const differences = Float64Array.from(c, (value, i) => value - b[i]!);
  const isBinary = (values: Float64Array) => values.every((value) => value === 0 || value === 1);
  return { name, direction: threshold.direction, binary: isBinary(c) && isBinary(b), range: max - min, candidate: c, baseline: b, differences, missing };
}

// The evidence about a quality metric's change, on every example or on those at `indices`.
function evidenceOf(column: QualityColumn, indices?: readonly number[]): DifferenceEvidence {
  const pick = (values: Float64Array) => (indices === undefined ? values : Float64Array.from(indices, (i) => values[i]!));
  if (column.binary) return pairedProportionEvidence(pairedCounts(pick(column.candidate), pick(column.baseline)));
  return pairedMeanEvidence(pick(column.differences), column.range);
}

// The fewest pairs for which a distribution-free interval of the q-quantile
// exists inside the sample (q^n and (1 - q)^n both at most (1 - level)/2);
// below it the bootstrap cannot see past the sample's extremes.
function minimumForQuantile(q: number, level: number): number {
  return Math.ceil(Math.log((1 - level) / 2) / Math.log(Math.max(q, 1 - q)));
}

function quantileIdentified(n: number, q: number, level: number): boolean {
  return n >= minimumForQuantile(q, level);
}

function runMetric(
  name: string,
  runs: { candidate: number[]; baseline: number[] },
  threshold: MetricThreshold,
  settings: { level: number; minRuns: number },
  reasons: string[],
): RegressionMetric {
  const evidence = logRatioEvidence(runs.candidate, runs.baseline);
  const candidate = geometricMean(runs.candidate);
  const baseline = geometricMean(runs.baseline);
  const counts = { candidate: runs.candidate.length, baseline: runs.baseline.length };
  const common = { name, candidate, baseline, scale: 'relative' as const, tolerance: threshold.tolerance, n: counts.candidate + counts.baseline, method: 'welch-log-t', runs: counts };
  const enough = counts.candidate >= settings.minRuns && counts.baseline >= settings.minRuns;
  if (!enough) reasons.push(`${name}: ${counts.candidate} candidate and ${counts.baseline} baseline runs; policy needs at least ${settings.minRuns} of each`);
  if (typeof evidence === 'string') {
    if (evidence === 'no-variation') reasons.push(`${name}: the runs show no run-to-run variation, so its size cannot be estimated`);
    // No interval can be computed: the widest one the scale allows, never a point.
    const delta = candidate / baseline - 1;
    return { ...common, delta, ci: { low: -1, high: Number.MAX_VALUE, level: settings.level }, verdict: 'insufficient-evidence' };
  }
  const ci = evidence.interval(settings.level);
  return { ...common, delta: evidence.estimate, ci, verdict: enough ? nonInferiority(ci, threshold.direction, threshold.tolerance) : 'insufficient-evidence' };
}

function halfOf(resamples: number, half: number): number {
  return half === 0 ? Math.ceil(resamples / 2) : Math.floor(resamples / 2);
}

// Joins the two halves of the latency bootstrap into one distribution per quantile.
function joinQuantiles(first: BootstrapJobResult, second: BootstrapJobResult, level: number): QuantileChange[] {
  const join = (a: BootstrapResult, b: BootstrapResult) => summariseDistribution(a.estimate, concat(a.distribution!, b.distribution!), level, a.seed);
  return first.quantiles.map((change, i) => {
    const other = second.quantiles[i]!;
    return { q: change.q, baseline: join(change.baseline, other.baseline), candidate: join(change.candidate, other.candidate), relativeChange: join(change.relativeChange, other.relativeChange) };
  });
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Judges every capability and slice of the set at least min_size large, for
 * every quality metric, like the overall metrics but against the slice
 * tolerance and on simultaneous intervals: each at level 1 - (1 - level)/m
 * for m judged slice tests (Bonferroni), so all of them hold together at the
 * policy's level. q = min(1, m·p) is the adjusted one-sided p-value; a slice
 * passes exactly when q < (1 - level)/2. Smaller slices are listed with their
 * size and observed change only.
 */
function judgeSlices(
  examples: EvaluationExample[],
  quality: QualityColumn[],
  config: RegressionConfig,
  settings: { level: number; minSliceSize: number },
): { slices: RegressionSlice[]; smallSlices: Array<{ name: string; n: number }> } {
  const members = new Map<string, number[]>();
  examples.forEach((example, index) => {
    for (const tag of new Set(example.tags)) {
      const list = members.get(tag);
      if (list === undefined) members.set(tag, [index]);
      else list.push(index);
    }
  });
  const slices: RegressionSlice[] = [];
  const smallSlices: Array<{ name: string; n: number }> = [];
  const tests: Array<{ slice: RegressionSlice; evidence: DifferenceEvidence; column: QualityColumn }> = [];
  for (const tag of [...members.keys()].sort()) {
    const indices = members.get(tag)!;
    if (indices.length < settings.minSliceSize) smallSlices.push({ name: tag, n: indices.length });
    for (const column of quality) {
      const delta = mean(Float64Array.from(indices, (i) => column.differences[i]!));
      const slice: RegressionSlice = { name: tag, metric: column.name, n: indices.length, delta };
      slices.push(slice);
      if (indices.length >= settings.minSliceSize) tests.push({ slice, evidence: evidenceOf(column, indices), column });
    }
  }
  const m = tests.length;
  const adjustedLevel = bonferroniLevel(settings.level, m);
  for (const { slice, evidence, column } of tests) {
    const tolerance = config.thresholds.slices?.tolerances?.[column.name] ?? config.thresholds.metrics[column.name]!.tolerance;
    const ci: Interval = evidence.interval(adjustedLevel);
    const pValue = column.direction === 'higher' ? evidence.pAbove(-tolerance) : evidence.pBelow(tolerance);
    Object.assign(slice, { delta: evidence.estimate, ci, tolerance, pValue, qValue: Math.min(1, m * pValue), verdict: nonInferiority(ci, column.direction, tolerance) });
  }
  return { slices, smallSlices };
}
