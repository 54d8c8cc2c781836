import type { GateVerdict, MetricComparison, RegressionPredicate } from '../../attest/predicates.ts';
import { mean, summariseDistribution, type BootstrapResult, type QuantileChange } from '../../stats/bootstrap.ts';
import { runBootstraps, type BootstrapJob, type BootstrapJobResult } from '../../stats/parallel.ts';
import { benjaminiHochberg, cohensDz } from '../../stats/tests.ts';
import { figure, judgedBase } from '../gate.ts';
import type { ExampleResult, RunFigures } from './results.ts';

/** A metric tolerance from policy data: which way is better and how far the interval may reach. */
export interface MetricThreshold {
  direction: 'higher' | 'lower';
  tolerance: number;
}

/** What the policy's data.gatehouse.thresholds.regression holds. */
export interface RegressionThresholds {
  metrics: Record<string, MetricThreshold>;
  slices?: { min_size?: number; fdr?: number };
}

export interface RegressionInputs {
  candidate: ExampleResult[];
  baseline: ExampleResult[];
  candidateRun?: RunFigures;
  baselineRun?: RunFigures;
  /** The deployed model the candidate is compared with. */
  baselineDigest: string;
  evaluationSetDigest: string;
}

export interface RegressionConfig {
  thresholds: RegressionThresholds;
  policyDigest: string | null;
  evaluatedAt: string;
  seed: number;
  resamples: number;
  level: number;
}

/** Everything the gate found, beyond what the predicate carries. */
export interface RegressionReport {
  predicate: RegressionPredicate;
  unmatchedIds: { candidate: string[]; baseline: string[] };
  effectSizes: Record<string, number | null>;
  smallSlices: Array<{ name: string; n: number }>;
}

// Metric names with a meaning beyond "a per-example value": latency quantiles and run-level figures.
const LATENCY_QUANTILES: Record<string, number> = { latency_p50: 0.5, latency_p90: 0.9, latency_p95: 0.95, latency_p99: 0.99 };
const RUN_LEVEL: Record<string, keyof RunFigures> = { throughput: 'throughput', peak_memory: 'peakMemoryBytes' };
const DEFAULT_MIN_SLICE = 30;
const DEFAULT_FDR = 0.05;
// Keeps the second half's stream apart from the slices' (seed + 1 + i).
const HALF_SEED_OFFSET = 1_000_003;
const MIN_RUNS = 2;

/**
 * Compares a candidate with the deployed baseline on the same examples. Each
 * metric with a policy threshold is a non-inferiority test: pass when the
 * confidence interval of the change stays within the tolerance, fail when it
 * lies wholly beyond, insufficient evidence otherwise. Quality metrics are
 * paired per example (absolute change); latency quantiles, throughput and
 * memory are relative changes. Slices (capabilities and tags) are tested
 * separately with Benjamini-Hochberg control across all slice tests.
 */
export async function evaluateRegression(inputs: RegressionInputs, config: RegressionConfig): Promise<RegressionReport> {
  const reasons: string[] = [];
  const baselineById = new Map(inputs.baseline.map((result) => [result.id, result]));
  const candidateIds = new Set(inputs.candidate.map((result) => result.id));
  const pairs = inputs.candidate.flatMap((candidate) => {
    const baseline = baselineById.get(candidate.id);
    return baseline === undefined ? [] : [{ candidate, baseline }];
  });
  const unmatchedIds = {
    candidate: inputs.candidate.filter((result) => !baselineById.has(result.id)).map((result) => result.id),
    baseline: inputs.baseline.filter((result) => !candidateIds.has(result.id)).map((result) => result.id),
  };
  if (unmatchedIds.candidate.length + unmatchedIds.baseline.length > 0) {
    reasons.push(`${unmatchedIds.candidate.length} candidate and ${unmatchedIds.baseline.length} baseline examples have no partner and were not compared`);
  }
  const bootstrap = { seed: config.seed, resamples: config.resamples, level: config.level };
  const metrics: MetricComparison[] = [];
  const effectSizes: Record<string, number | null> = {};
  const thresholdNames = Object.keys(config.thresholds.metrics).sort();
  const qualityNames = thresholdNames.filter((name) => !(name in LATENCY_QUANTILES) && !(name in RUN_LEVEL));

  const present = qualityNames.filter((name) => pairs.length > 0 && pairs.every((p) => name in p.candidate.metrics && name in p.baseline.metrics));
  for (const name of qualityNames.filter((name) => !present.includes(name))) {
    reasons.push(`metric ${name}, which policy requires, is missing from some paired examples`);
  }
  // Independent bootstraps, each with its own seed, run in parallel when large:
  // the quality metrics, the latency quantiles, and every slice.
  const latencyNames = thresholdNames.filter((name) => name in LATENCY_QUANTILES);
  const timed = pairs.filter((p) => p.candidate.latencyMs !== undefined && p.baseline.latencyMs !== undefined);
  const differences = present.map((name) => Float64Array.from(pairs, (p) => p.candidate.metrics[name]! - p.baseline.metrics[name]!));
  const latency =
    latencyNames.length > 0 && timed.length >= 2
      ? {
          baseline: Float64Array.from(timed, (p) => p.baseline.latencyMs!),
          candidate: Float64Array.from(timed, (p) => p.candidate.latencyMs!),
          qs: latencyNames.map((name) => LATENCY_QUANTILES[name]!),
        }
      : undefined;
  const plan = planSlices(pairs, present, config);
  // The overall bootstrap (quality metrics and latency quantiles on the same
  // resampled examples) is the costliest: its resamples are split in two
  // halves with their own seeds and joined afterwards.
  const overall = differences.length > 0 || latency !== undefined;
  const jobs: BootstrapJob[] = [
    ...(overall
      ? [0, 1].map((half) => ({ columns: differences, ...(latency === undefined ? {} : { quantiles: latency }), options: { ...bootstrap, resamples: halfOf(config.resamples, half), seed: config.seed + half * HALF_SEED_OFFSET } }))
      : []),
    ...plan.tested.map((slice) => ({ columns: slice.columns, options: { ...bootstrap, seed: slice.seed } })),
  ];
  const results = await runBootstraps(jobs);
  const joint = overall ? joinHalves(results.shift()!, results.shift()!, config.level) : { means: [], quantiles: [] };
  const latencyChanges = joint.quantiles;

  present.forEach((name, i) => {
    const threshold = config.thresholds.metrics[name]!;
    const result = joint.means[i]!;
    const effectSize = pairs.length > 1 ? cohensDz(differences[i]!) : null;
    metrics.push({
      name,
      candidate: mean(Float64Array.from(pairs, (p) => p.candidate.metrics[name]!)),
      baseline: mean(Float64Array.from(pairs, (p) => p.baseline.metrics[name]!)),
      delta: result.estimate,
      scale: 'absolute',
      ci: result.ci,
      tolerance: threshold.tolerance,
      effectSize,
      verdict: nonInferiority(result.ci, threshold),
    });
    effectSizes[name] = effectSize;
  });

  if (latencyNames.length > 0 && latency === undefined) {
    reasons.push(`latency thresholds need per-example latency_ms on both models (${timed.length} timed pairs)`);
  }
  latencyNames.forEach((name, i) => {
    const change = latencyChanges[i];
    if (change === undefined) return;
    metrics.push({
      name,
      candidate: change.candidate.estimate,
      baseline: change.baseline.estimate,
      delta: change.relativeChange.estimate,
      scale: 'relative',
      ci: change.relativeChange.ci,
      tolerance: config.thresholds.metrics[name]!.tolerance,
      verdict: nonInferiority(change.relativeChange.ci, config.thresholds.metrics[name]!),
    });
  });

  for (const name of thresholdNames.filter((name) => name in RUN_LEVEL)) {
    const field = RUN_LEVEL[name]!;
    if (inputs.candidateRun === undefined || inputs.baselineRun === undefined) {
      reasons.push(`metric ${name} needs run figures for both models`);
      continue;
    }
    const candidateValue = mean(inputs.candidateRun[field]);
    const baselineValue = mean(inputs.baselineRun[field]);
    const interval = runInterval(inputs.baselineRun[field], inputs.candidateRun[field]);
    // One run is one measurement: its run-to-run noise is unknown, so it can neither pass nor fail.
    const repeated = inputs.candidateRun[field].length >= MIN_RUNS && inputs.baselineRun[field].length >= MIN_RUNS;
    if (!repeated) reasons.push(`metric ${name} needs at least ${MIN_RUNS} runs of each model`);
    metrics.push({
      name,
      candidate: candidateValue,
      baseline: baselineValue,
      delta: candidateValue / baselineValue - 1,
      scale: 'relative',
      ci: { ...interval, level: config.level },
      tolerance: config.thresholds.metrics[name]!.tolerance,
      verdict: repeated ? nonInferiority(interval, config.thresholds.metrics[name]!) : 'insufficient-evidence',
    });
  }

  const { slices, smallSlices } = judgeSlices(plan, results, present, config);
  for (const metric of metrics.filter((m) => m.verdict !== 'pass')) {
    reasons.push(`${metric.name}: change ${figure(metric.delta)} (CI ${figure(metric.ci.low)} to ${figure(metric.ci.high)}) against a tolerance of ${metric.tolerance}: ${metric.verdict}`);
  }
  for (const slice of slices.filter((s) => s.verdict === 'fail')) {
    reasons.push(`slice ${slice.name}: ${slice.metric} changed by ${figure(slice.delta)} (q = ${figure(slice.qValue ?? 1)}), beyond the tolerance`);
  }
  const unmeasured = thresholdNames.filter((name) => !metrics.some((m) => m.name === name));
  const verdict: GateVerdict =
    metrics.some((m) => m.verdict === 'fail') || slices.some((s) => s.verdict === 'fail')
      ? 'fail'
      : metrics.some((m) => m.verdict === 'insufficient-evidence') || unmeasured.length > 0
        ? 'insufficient-evidence'
        : 'pass';
  const predicate: RegressionPredicate = {
    ...judgedBase('regression', verdict, reasons, config),
    evidence: [
      { role: 'baseline-model', digest: inputs.baselineDigest },
      { role: 'evaluation-set', digest: inputs.evaluationSetDigest },
    ],
    baseline: { digest: inputs.baselineDigest },
    evaluationSet: { digest: inputs.evaluationSetDigest, examples: pairs.length },
    metrics,
    slices,
    unmatched: { candidate: unmatchedIds.candidate.length, baseline: unmatchedIds.baseline.length },
    seed: config.seed,
  };
  return { predicate, unmatchedIds, effectSizes, smallSlices };
}

function nonInferiority(ci: { low: number; high: number }, threshold: MetricThreshold): GateVerdict {
  if (threshold.direction === 'higher') {
    if (ci.low > -threshold.tolerance) return 'pass';
    if (ci.high < -threshold.tolerance) return 'fail';
  } else {
    if (ci.high < threshold.tolerance) return 'pass';
    if (ci.low > threshold.tolerance) return 'fail';
  }
  return 'insufficient-evidence';
}

// Relative change of run-level means, bounded by the range of per-run ratios
// (judged only with at least MIN_RUNS runs of each model).
function runInterval(baseline: number[], candidate: number[]): { low: number; high: number } {
  const ratios = candidate.flatMap((c) => baseline.map((b) => c / b - 1));
  return { low: Math.min(...ratios), high: Math.max(...ratios) };
}

function halfOf(resamples: number, half: number): number {
  return half === 0 ? Math.ceil(resamples / 2) : Math.floor(resamples / 2);
}

// Joins the two halves of the overall bootstrap into one distribution per statistic.
function joinHalves(first: BootstrapJobResult, second: BootstrapJobResult, level: number): { means: BootstrapResult[]; quantiles: QuantileChange[] } {
  const join = (a: BootstrapResult, b: BootstrapResult) => summariseDistribution(a.estimate, concat(a.distribution!, b.distribution!), level, a.seed);
  return {
    means: first.means.map((result, i) => join(result, second.means[i]!)),
    quantiles: first.quantiles.map((change, i) => {
      const other = second.quantiles[i]!;
      return { q: change.q, baseline: join(change.baseline, other.baseline), candidate: join(change.candidate, other.candidate), relativeChange: join(change.relativeChange, other.relativeChange) };
    }),
  };
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

interface SlicePlan {
  tested: Array<{ name: string; n: number; columns: Float64Array[]; seed: number }>;
  small: NonNullable<RegressionPredicate['slices']>;
  smallSlices: Array<{ name: string; n: number }>;
}

// Groups pairs by tag: slices large enough to test get a bootstrap job each;
// smaller ones are reported with their observed change, never judged.
function planSlices(pairs: Array<{ candidate: ExampleResult; baseline: ExampleResult }>, metricNames: string[], config: RegressionConfig): SlicePlan {
  const minSize = config.thresholds.slices?.min_size ?? DEFAULT_MIN_SLICE;
  const members = new Map<string, number[]>();
  pairs.forEach((pair, index) => {
    for (const tag of pair.candidate.tags) {
      const list = members.get(tag);
      if (list === undefined) members.set(tag, [index]);
      else list.push(index);
    }
  });
  const plan: SlicePlan = { tested: [], small: [], smallSlices: [] };
  [...members.keys()].sort().forEach((tag, sliceIndex) => {
    const indices = members.get(tag)!;
    const columns = metricNames.map((name) => Float64Array.from(indices, (i) => pairs[i]!.candidate.metrics[name]! - pairs[i]!.baseline.metrics[name]!));
    if (indices.length < minSize) {
      plan.smallSlices.push({ name: tag, n: indices.length });
      metricNames.forEach((metric, m) => {
        const delta = mean(columns[m]!);
        plan.small.push({ name: tag, metric, n: indices.length, delta, ci: { low: delta, high: delta }, verdict: 'insufficient-evidence' });
      });
    } else if (metricNames.length > 0) {
      plan.tested.push({ name: tag, n: indices.length, columns, seed: config.seed + 1 + sliceIndex });
    }
  });
  return plan;
}

// Benjamini-Hochberg across every slice test; a slice fails when it is beyond
// the tolerance and significant at the policy's false discovery rate.
function judgeSlices(plan: SlicePlan, results: BootstrapJobResult[], metricNames: string[], config: RegressionConfig): { slices: NonNullable<RegressionPredicate['slices']>; smallSlices: Array<{ name: string; n: number }> } {
  const fdr = config.thresholds.slices?.fdr ?? DEFAULT_FDR;
  const tests = plan.tested.flatMap((slice, s) => metricNames.map((metric, m) => ({ name: slice.name, metric, n: slice.n, result: results[s]!.means[m]! })));
  const qValues = benjaminiHochberg(tests.map((t) => t.result.pValue));
  const slices: NonNullable<RegressionPredicate['slices']> = [...plan.small];
  tests.forEach((test, i) => {
    const threshold = config.thresholds.metrics[test.metric]!;
    const delta = test.result.estimate;
    const beyond = threshold.direction === 'higher' ? delta < -threshold.tolerance : delta > threshold.tolerance;
    slices.push({ name: test.name, metric: test.metric, n: test.n, delta, ci: test.result.ci, pValue: test.result.pValue, qValue: qValues[i]!, verdict: beyond && qValues[i]! <= fdr ? 'fail' : 'pass' });
  });
  slices.sort((a, b) => (a.name === b.name ? (a.metric < b.metric ? -1 : 1) : a.name < b.name ? -1 : 1));
  return { slices, smallSlices: plan.smallSlices };
}
