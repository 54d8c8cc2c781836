// A seeded coverage harness for every interval the regression gate reports:
// data simulated with a known truth, run through evaluateRegression itself,
// counting how often the reported interval covers the truth and how often
// the metric's verdict is pass or fail. Used at CI size by
// test/coverage/regression.test.ts and at full size by
// bench/coverage-regression.ts (npm run bench:coverage-regression).
import { evaluateRegression, type RegressionThresholds } from '../../src/gates/regression/evaluate.ts';
import type { EvaluationExample, ExampleResult, RunFigures } from '../../src/gates/regression/results.ts';
import { seededRandom, type SeededRandom } from '../../src/stats/random.ts';
import { normalQuantile } from '../../src/stats/special.ts';

/** What a scenario's truth is: inside the tolerance (coverage and P(fail) matter), at its margin (P(pass) must be small). */
export type Truth = 'unchanged' | 'margin' | 'changed';

/** One row of the coverage table. */
export interface CoverageRow {
  interval: string;
  scenario: string;
  truth: Truth;
  n: number;
  /** The true change (candidate - baseline, relative for latency and runs). */
  change: number;
  replicates: number;
  /** Fraction of replicates whose interval contains the true change (all slices at once, for slices). */
  coverage: number;
  pass: number;
  fail: number;
}

/** How big a run: CI keeps `npm test` to seconds; full gives Monte-Carlo error under 1%. */
export interface HarnessSize {
  /** Only the scenarios marked for CI. */
  ciOnly: boolean;
  replicates: number;
  latencyReplicates: number;
  resamples: number;
}

export const CI_SIZE: HarnessSize = { ciOnly: true, replicates: 400, latencyReplicates: 100, resamples: 200 };
export const FULL_SIZE: HarnessSize = { ciOnly: false, replicates: 4000, latencyReplicates: 1000, resamples: 2000 };

const CONFIG = { policyDigest: null, evaluatedAt: '2026-11-22T10:00:00Z' };
const DIGEST = `sha256:${'0'.repeat(64)}` as const;

interface Simulated {
  candidate: ExampleResult[];
  baseline: ExampleResult[];
  tags?: (i: number) => string[];
  runs?: [RunFigures, RunFigures];
  n: number;
}

interface Scenario {
  interval: string;
  scenario: string;
  truth: Truth;
  n: number;
  change: number;
  metric: string;
  thresholds: RegressionThresholds;
  latency?: boolean;
  /** Part of the CI-sized run (every interval at its margin and unchanged; the full run adds more). */
  ci: boolean;
  /** For slice scenarios: the true change of every judged slice. */
  sliceChanges?: Record<string, number>;
  simulate(random: SeededRandom): Simulated;
}

const normal = (random: SeededRandom) => normalQuantile((Math.floor(random.next() * 2 ** 32) + 0.5) / 2 ** 32);

// Paired 0/1 results: P(candidate 1, baseline 0) = up, P(candidate 0, baseline 1) = down, baseline accuracy 0.8.
function pairedBinary(n: number, up: number, down: number, tags?: (i: number) => string[], upOf?: (i: number) => number, downOf?: (i: number) => number): Scenario['simulate'] {
  return (random) => {
    const candidate: ExampleResult[] = [];
    const baseline: ExampleResult[] = [];
    for (let i = 0; i < n; i++) {
      const u = random.next();
      const pUp = upOf?.(i) ?? up;
      const pDown = downOf?.(i) ?? down;
      // Cells: (1,0) with pUp, (0,1) with pDown, then (1,1) and (0,0) share the rest 0.8 : 0.2 on the baseline side.
      const [c, b] = u < pUp ? [1, 0] : u < pUp + pDown ? [0, 1] : random.next() < (0.8 - pDown) / (1 - pUp - pDown) ? [1, 1] : [0, 0];
      candidate.push({ id: `e${i}`, metrics: { accuracy: c }, tags: [] });
      baseline.push({ id: `e${i}`, metrics: { accuracy: b }, tags: [] });
    }
    return { candidate, baseline, n, ...(tags === undefined ? {} : { tags }) };
  };
}

// Bounded quality scores: baseline uniform on [0.2, 0.8], candidate = baseline + change + noise, all inside [0, 1].
function pairedQuality(n: number, change: number, noise: (random: SeededRandom) => number): Scenario['simulate'] {
  return (random) => {
    const candidate: ExampleResult[] = [];
    const baseline: ExampleResult[] = [];
    for (let i = 0; i < n; i++) {
      const b = 0.2 + 0.6 * random.next();
      candidate.push({ id: `e${i}`, metrics: { quality: b + change + noise(random) }, tags: [] });
      baseline.push({ id: `e${i}`, metrics: { quality: b }, tags: [] });
    }
    return { candidate, baseline, n };
  };
}

// Paired latencies: baseline lognormal(5, 0.5); candidate = baseline·factor·lognormal(0, 0.05) (per-example jitter).
// The candidate is lognormal(5 + ln factor, sqrt(0.25 + 0.0025)), so every quantile ratio is known.
const LATENCY_SIGMA = 0.5;
const JITTER = 0.05;
const CANDIDATE_SIGMA = Math.sqrt(LATENCY_SIGMA ** 2 + JITTER ** 2);
function trueQuantileRatio(q: number, factor: number): number {
  return factor * Math.exp((CANDIDATE_SIGMA - LATENCY_SIGMA) * normalQuantile(q)) - 1;
}
// With `independent`, the candidate's latency is a fresh lognormal(5 + ln factor, 0.5) draw, unrelated to the baseline's.
function pairedLatency(n: number, factor: number, independent = false): Scenario['simulate'] {
  return (random) => {
    const candidate: ExampleResult[] = [];
    const baseline: ExampleResult[] = [];
    for (let i = 0; i < n; i++) {
      const b = Math.exp(5 + LATENCY_SIGMA * normal(random));
      const c = independent ? Math.exp(5 + LATENCY_SIGMA * normal(random)) * factor : b * factor * Math.exp(JITTER * normal(random));
      baseline.push({ id: `e${i}`, metrics: {}, tags: [], latencyMs: b });
      candidate.push({ id: `e${i}`, metrics: {}, tags: [], latencyMs: c });
    }
    return { candidate, baseline, n };
  };
}

// Run figures: lognormal with the same spread for both models, so the ratio of means is the ratio of medians.
function runFigures(runs: number, ratio: number, cv: number): Scenario['simulate'] {
  const one: ExampleResult[] = [{ id: 'e0', metrics: {}, tags: [] }];
  return (random) => {
    const draw = (median: number) => Array.from({ length: runs }, () => median * Math.exp(cv * normal(random)));
    const candidate = draw(40 * ratio);
    const baseline = draw(40);
    return { candidate: one, baseline: one, n: 1, runs: [{ throughput: candidate, peakMemoryBytes: candidate }, { throughput: baseline, peakMemoryBytes: baseline }] };
  };
}

const ACCURACY = (tolerance = 0.01): RegressionThresholds => ({ metrics: { accuracy: { direction: 'higher', tolerance } } });
const QUALITY: RegressionThresholds = { metrics: { quality: { direction: 'higher', tolerance: 0.02 } } };
const THROUGHPUT: RegressionThresholds = { metrics: { throughput: { direction: 'higher', tolerance: 0.05 } }, min_runs: 2 };
const latencyThresholds = (name: string, resamples: number): RegressionThresholds => ({ metrics: { [name]: { direction: 'lower', tolerance: 0.1 } }, resamples });

/** Every scenario of the harness: each interval the gate reports, inside the tolerance and at its margin. */
function scenarios(size: HarnessSize): Scenario[] {
  const list: Scenario[] = [];
  const binary = (scenario: string, truth: Truth, n: number, up: number, down: number, ci = false) =>
    list.push({ interval: 'paired 0/1 (Tango)', scenario, truth, n, change: up - down, metric: 'accuracy', thresholds: ACCURACY(), ci, simulate: pairedBinary(n, up, down) });
  binary('identical models', 'unchanged', 20, 0, 0, true);
  binary('no change, 10% discordant', 'unchanged', 50, 0.05, 0.05);
  binary('no change, 10% discordant', 'unchanged', 400, 0.05, 0.05, true);
  binary('no change, 2% discordant', 'unchanged', 2000, 0.01, 0.01);
  binary('at the margin (-0.01)', 'margin', 400, 0.04, 0.05);
  binary('at the margin (-0.01)', 'margin', 2000, 0.04, 0.05);
  binary('at the margin (-0.01)', 'margin', 1000, 0.04, 0.05, true);
  binary('at the margin, rare discordance', 'margin', 2000, 0, 0.01);

  const uniformNoise = (width: number) => (random: SeededRandom) => width * (2 * random.next() - 1);
  // Mean 0, skewed: 0.3·(U² - 1/3) lies in [-0.1, 0.2].
  const skewedNoise = (random: SeededRandom) => 0.3 * (random.next() ** 2 - 1 / 3);
  const quality = (scenario: string, truth: Truth, n: number, change: number, noise: (random: SeededRandom) => number, ci = false) =>
    list.push({ interval: 'paired bounded mean (pseudo-pair t)', scenario, truth, n, change, metric: 'quality', thresholds: QUALITY, ci, simulate: pairedQuality(n, change, noise) });
  quality('no change, symmetric noise', 'unchanged', 30, 0, uniformNoise(0.15), true);
  quality('no change, symmetric noise', 'unchanged', 2000, 0, uniformNoise(0.15));
  quality('no change, skewed noise', 'unchanged', 200, 0, skewedNoise);
  quality('at the margin (-0.02), skewed noise', 'margin', 200, -0.02, skewedNoise, true);
  quality('at the margin (-0.02), symmetric noise', 'margin', 2000, -0.02, uniformNoise(0.15));
  quality('at the margin (-0.02), symmetric noise', 'margin', 1000, -0.02, uniformNoise(0.15), true);

  const latency = (name: string, q: number, scenario: string, truth: Truth, n: number, factor: number, ci = false) =>
    list.push({ interval: `${name} ratio (paired bootstrap)`, scenario, truth, n, change: trueQuantileRatio(q, factor), metric: name, latency: true, thresholds: latencyThresholds(name, size.resamples), ci, simulate: pairedLatency(n, factor) });
  latency('latency_p50', 0.5, 'no change', 'unchanged', 500, 1);
  latency('latency_p50', 0.5, 'at the margin (+10%)', 'margin', 500, 1.1, true);
  latency('latency_p99', 0.99, 'no change', 'unchanged', 2000, 1);
  latency('latency_p99', 0.99, 'no change, fewest pairs judged', 'unchanged', 400, 1);
  latency('latency_p99', 0.99, 'at the margin (+10%)', 'margin', 1000, 1.1 / (1 + trueQuantileRatio(0.99, 1)), true);
  const independent = (name: string, q: number, scenario: string, truth: Truth, n: number, factor: number, ci = false) =>
    list.push({ interval: `${name} ratio (paired bootstrap)`, scenario: `${scenario}, unpaired latencies`, truth, n, change: factor - 1, metric: name, latency: true, thresholds: latencyThresholds(name, size.resamples), ci, simulate: pairedLatency(n, factor, true) });
  independent('latency_p50', 0.5, 'no change', 'unchanged', 500, 1);
  independent('latency_p50', 0.5, 'at the margin (+10%)', 'margin', 2000, 1.1);
  independent('latency_p99', 0.99, 'no change', 'unchanged', 400, 1);
  independent('latency_p99', 0.99, 'no change', 'unchanged', 2000, 1, true);
  independent('latency_p99', 0.99, 'at the margin (+10%)', 'margin', 2000, 1.1);

  const runs = (scenario: string, truth: Truth, count: number, ratio: number, cv: number, ci = false) =>
    list.push({ interval: 'run-level ratio (Welch log t)', scenario, truth, n: count, change: ratio - 1, metric: 'throughput', thresholds: THROUGHPUT, ci, simulate: runFigures(count, ratio, cv) });
  runs('no change, 2 runs each, CV 2%', 'unchanged', 2, 1, 0.02, true);
  runs('no change, 3 runs each, CV 2%', 'unchanged', 3, 1, 0.02);
  runs('at the margin (-5%), 2 runs each, CV 1%', 'margin', 2, 0.95, 0.01, true);
  runs('at the margin (-5%), 5 runs each, CV 2%', 'margin', 5, 0.95, 0.02, true);

  // Four slices of 200; slice s3 at its margin (-0.05), the rest unchanged; simultaneous coverage over all four.
  const sliceOf = (i: number) => Math.floor(i / 200);
  const sliceThresholds: RegressionThresholds = { metrics: { accuracy: { direction: 'higher', tolerance: 0.01 } }, slices: { min_size: 30, tolerances: { accuracy: 0.05 } } };
  list.push({
    interval: 'slices (Bonferroni, simultaneous)',
    scenario: '4 slices of 200, one at its margin (-0.05)',
    truth: 'margin',
    n: 800,
    change: -0.05,
    metric: 'accuracy',
    thresholds: sliceThresholds,
    ci: true,
    sliceChanges: { 'slice:s0': 0, 'slice:s1': 0, 'slice:s2': 0, 'slice:s3': -0.05 },
    simulate: pairedBinary(800, 0, 0, (i) => [`slice:s${sliceOf(i)}`], (i) => (sliceOf(i) === 3 ? 0.05 : 0.05), (i) => (sliceOf(i) === 3 ? 0.1 : 0.05)),
  });
  return list;
}

/** Runs every scenario and returns the coverage table. */
export async function runRegressionCoverage(size: HarnessSize, seed = 20261130): Promise<CoverageRow[]> {
  const rows: CoverageRow[] = [];
  for (const [index, scenario] of scenarios(size).entries()) {
    if (size.ciOnly && !scenario.ci) continue;
    const random = seededRandom(seed + index);
    const replicates = scenario.latency ? size.latencyReplicates : size.replicates;
    let covered = 0;
    let pass = 0;
    let fail = 0;
    for (let r = 0; r < replicates; r++) {
      const data = scenario.simulate(random);
      const set: EvaluationExample[] = Array.from({ length: data.n }, (_, i) => ({ id: `e${i}`, tags: data.tags?.(i) ?? [] }));
      const file = <T>(content: T) => ({ source: 'simulated', digest: DIGEST, content });
      const report = await evaluateRegression(
        {
          evaluationSet: file(set),
          candidate: file(data.candidate),
          baseline: file(data.baseline),
          ...(data.runs === undefined ? {} : { candidateRun: file(data.runs[0]), baselineRun: file(data.runs[1]) }),
          baselineDigest: DIGEST,
        },
        { ...CONFIG, thresholds: scenario.thresholds, seed: seed * 7 + r },
      );
      if (scenario.sliceChanges !== undefined) {
        const slices = report.predicate.slices!.filter((s) => s.ci !== undefined);
        if (slices.every((s) => s.ci!.low <= scenario.sliceChanges![s.name]! && scenario.sliceChanges![s.name]! <= s.ci!.high)) covered++;
        const margin = slices.find((s) => scenario.sliceChanges![s.name] === scenario.change)!;
        if (margin.verdict === 'pass') pass++;
        if (slices.some((s) => s.verdict === 'fail')) fail++;
        continue;
      }
      const metric = report.predicate.metrics.find((m) => m.name === scenario.metric);
      if (metric === undefined) continue;
      if (metric.ci.low <= scenario.change && scenario.change <= metric.ci.high) covered++;
      if (metric.verdict === 'pass') pass++;
      if (metric.verdict === 'fail') fail++;
    }
    rows.push({ interval: scenario.interval, scenario: scenario.scenario, truth: scenario.truth, n: scenario.n, change: scenario.change, replicates, coverage: covered / replicates, pass: pass / replicates, fail: fail / replicates });
  }
  return rows;
}

/** The table as Markdown. */
export function formatCoverageTable(rows: CoverageRow[]): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  return [
    '| interval | scenario | n | true change | replicates | coverage (95%) | P(pass) | P(fail) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.interval} | ${r.scenario} | ${r.n} | ${Number(r.change.toPrecision(3))} | ${r.replicates} | ${percent(r.coverage)} | ${percent(r.pass)} | ${percent(r.fail)} |`),
  ].join('\n');
}
