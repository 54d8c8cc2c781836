import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attestGate, figure } from '../../src/gates/gate.ts';
import { evaluateRegression, nonInferiority, regressionSettings, type RegressionInputs, type RegressionThresholds } from '../../src/gates/regression/evaluate.ts';
import { MAX_EXAMPLES, readEvaluationSet, readExampleResults, readResultsEvidence, readRunEvidence, type EvaluationExample, type EvidenceFile, type ExampleResult, type RunFigures } from '../../src/gates/regression/results.ts';
import { deriveSeed } from '../../src/gates/seed.ts';
import { InputError } from '../../src/error.ts';
import { cohensDz } from '../../src/stats/hypothesis-tests.ts';
import { pairedCounts, pairedMeanEvidence, pairedProportionEvidence } from '../../src/stats/paired.ts';
import { geometricMean, logRatioEvidence, runsNeeded } from '../../src/stats/ratio.ts';
import { bonferroniLevel } from '../../src/stats/simultaneous.ts';
import { mean } from '../../src/stats/bootstrap.ts';
import { ROOT, gatehouse, temporaryDirectory } from '../helpers.ts';
import { exampleRegressionThresholds } from '../support/policy.ts';

const EXAMPLES = join(ROOT, 'examples', 'regression');
const THRESHOLDS: RegressionThresholds = await exampleRegressionThresholds();
const CONFIG = { thresholds: THRESHOLDS, policyDigest: null, evaluatedAt: '2026-11-22T10:00:00Z', seed: 1 };
const BASELINE_DIGEST = `sha256:${'d'.repeat(64)}`;
const ACCURACY: RegressionThresholds = { metrics: { accuracy: { direction: 'higher', tolerance: 0.01 } } };

const inMemory = <T>(content: T, source: string): EvidenceFile<T> => ({ source, digest: `sha256:${'0'.repeat(64)}`, content });

/** Inputs over an evaluation set of `n` examples; `tags(i)` gives example i's tags. */
function inputs(candidate: ExampleResult[], baseline: ExampleResult[], options: { n?: number; tags?: (i: number) => string[]; runs?: [RunFigures, RunFigures] } = {}): RegressionInputs {
  const n = options.n ?? Math.max(candidate.length, baseline.length);
  const set: EvaluationExample[] = Array.from({ length: n }, (_, i) => ({ id: `e${i}`, tags: options.tags?.(i) ?? [] }));
  return {
    evaluationSet: inMemory(set, 'set.jsonl'),
    candidate: inMemory(candidate, 'candidate.jsonl'),
    baseline: inMemory(baseline, 'baseline.jsonl'),
    ...(options.runs === undefined ? {} : { candidateRun: inMemory(options.runs[0], 'candidate-run.json'), baselineRun: inMemory(options.runs[1], 'baseline-run.json') }),
    baselineDigest: BASELINE_DIGEST,
  };
}

const results = (n: number, metrics: (i: number) => Record<string, number>, latency?: (i: number) => number | undefined): ExampleResult[] =>
  Array.from({ length: n }, (_, i) => {
    const latencyMs = latency?.(i);
    return { id: `e${i}`, metrics: metrics(i), tags: [], ...(latencyMs === undefined ? {} : { latencyMs }) };
  });

async function example(name: string): Promise<RegressionInputs> {
  return {
    evaluationSet: await readEvaluationSet(join(EXAMPLES, 'evaluation-set.jsonl')),
    candidate: await readResultsEvidence(join(EXAMPLES, `${name}.jsonl`)),
    baseline: await readResultsEvidence(join(EXAMPLES, 'baseline.jsonl')),
    candidateRun: await readRunEvidence(join(EXAMPLES, `${name}-run.json`)),
    baselineRun: await readRunEvidence(join(EXAMPLES, 'baseline-run.json')),
    baselineDigest: BASELINE_DIGEST,
  };
}

describe('evaluateRegression', () => {
  describe('when the candidate is no worse anywhere', () => {
    it('passes with every metric inside its tolerance, each by its method', async () => {
      const report = await evaluateRegression(await example('candidate-good'), CONFIG);
      expect(report.predicate.reasons).toEqual([]);
      expect(report.predicate.verdict).toBe('pass');
      const methods = Object.fromEntries(report.predicate.metrics.map((m) => [m.name, m.method]));
      expect(methods).toEqual({
        accuracy: 'tango-score',
        quality: 'pseudo-pair-t',
        latency_p50: 'paired-bootstrap-percentile',
        latency_p99: 'paired-bootstrap-percentile',
        throughput: 'welch-log-t',
        peak_memory: 'welch-log-t',
      });
      expect(report.predicate.metrics.every((m) => m.verdict === 'pass' && m.ci.level === 0.95 && m.ci.low <= m.delta && m.delta <= m.ci.high)).toBe(true);
      expect(report.predicate.evaluationSet.examples).toBe(2000);
      expect(report.predicate.resamples).toBe(2000);
      expect(report.predicate.metrics.find((m) => m.name === 'throughput')!.runs).toEqual({ candidate: 3, baseline: 3 });
    });
  });

  describe('when a capability regressed', () => {
    it('fails the candidate that is better on average but worse at math, naming the slice', async () => {
      const report = await evaluateRegression(await example('candidate-math-regression'), CONFIG);
      const accuracy = report.predicate.metrics.find((m) => m.name === 'accuracy')!;
      expect(accuracy.delta).toBeGreaterThan(0);
      expect(report.predicate.verdict).toBe('fail');
      const math = report.predicate.slices!.find((s) => s.name === 'capability:math' && s.metric === 'accuracy')!;
      expect(math.verdict).toBe('fail');
      // Ten slice tests (five capabilities, two metrics): each interval at 1 - 0.05/10.
      expect(math.ci!.level).toBeCloseTo(0.995, 12);
      expect(report.predicate.reasons.join('\n')).toMatch(/slice capability:math: accuracy changed by -0\.13 \(simultaneous 99\.5% CI/);
    });
  });

  it('is reproducible from its seed, which moves only the bootstrapped latency intervals', async () => {
    const data = await example('candidate-good');
    expect((await evaluateRegression(data, CONFIG)).predicate).toEqual((await evaluateRegression(data, CONFIG)).predicate);
    const other = (await evaluateRegression(data, { ...CONFIG, seed: 2 })).predicate.metrics;
    const first = (await evaluateRegression(data, CONFIG)).predicate.metrics;
    expect(other.find((m) => m.name === 'latency_p99')!.ci).not.toEqual(first.find((m) => m.name === 'latency_p99')!.ci);
    expect(other.find((m) => m.name === 'quality')!.ci).toEqual(first.find((m) => m.name === 'quality')!.ci);
  });

  describe('when there is too little evidence', () => {
    // Before: every percentile bootstrap interval of identical results was "0 to 0", and these passed.
    it.each([5, 20, 200])('equal 0/1 results on %i examples are insufficient evidence, never a pass', async (n) => {
      const same = results(n, (i) => ({ accuracy: i % 3 === 0 ? 0 : 1 }));
      const report = await evaluateRegression(inputs(same, same), { ...CONFIG, thresholds: ACCURACY });
      expect(report.predicate.verdict).toBe('insufficient-evidence');
      const { ci } = report.predicate.metrics[0]!;
      expect(ci.low).toBeLessThan(-0.01);
      expect(ci.high).toBeGreaterThan(0.01);
    });

    it.each([5, 20])('equal continuous results on %i examples are insufficient evidence, the interval never a point', async (n) => {
      const same = results(n, (i) => ({ quality: 0.3 + 0.05 * (i % 7) }));
      const thresholds: RegressionThresholds = { metrics: { quality: { direction: 'higher', tolerance: 0.02 } } };
      const report = await evaluateRegression(inputs(same, same), { ...CONFIG, thresholds });
      expect(report.predicate.verdict).toBe('insufficient-evidence');
      expect(report.predicate.metrics[0]!.ci.high - report.predicate.metrics[0]!.ci.low).toBeGreaterThan(0.1);
    });

    it('equal 0/1 results on 2,000 examples are enough to exclude a 1% drop', async () => {
      const same = results(2000, (i) => ({ accuracy: i % 3 === 0 ? 0 : 1 }));
      const report = await evaluateRegression(inputs(same, same), { ...CONFIG, thresholds: ACCURACY });
      expect(report.predicate.verdict).toBe('pass');
    });
  });

  it('fails a clear accuracy drop', async () => {
    const dropped = await evaluateRegression(inputs(results(1000, (i) => ({ accuracy: i % 10 < 7 ? 1 : 0 })), results(1000, (i) => ({ accuracy: i % 10 < 8 ? 1 : 0 }))), { ...CONFIG, thresholds: ACCURACY });
    expect(dropped.predicate.verdict).toBe('fail');
  });

  describe('Cohen d_z', () => {
    // Before: d_z was 0 when every difference was the same non-zero value.
    it('is unbounded, not 0, when every difference is equal and non-zero', async () => {
      const thresholds: RegressionThresholds = { metrics: { quality: { direction: 'higher', tolerance: 0.02 } } };
      const report = await evaluateRegression(inputs(results(50, () => ({ quality: 0.8 })), results(50, () => ({ quality: 0.5 }))), { ...CONFIG, thresholds });
      expect(report.effectSizes['quality']).toBe('Infinity');
      expect(report.predicate.metrics[0]!.effectSize).toBeNull();
    });
  });

  describe('latency', () => {
    const LATENCY: RegressionThresholds = { metrics: { latency_p50: { direction: 'lower', tolerance: 0.1 }, latency_p99: { direction: 'lower', tolerance: 0.1 } }, resamples: 400 };

    it('shows a tail regression the median does not', async () => {
      const baseline = results(2000, () => ({ accuracy: 1 }), (i) => 100 + (i % 100));
      const candidate = baseline.map((r, i) => ({ ...r, latencyMs: i % 40 === 0 ? r.latencyMs! * 4 : r.latencyMs! }));
      const report = await evaluateRegression(inputs(candidate, baseline), { ...CONFIG, thresholds: LATENCY });
      expect(report.predicate.metrics.find((m) => m.name === 'latency_p50')!.verdict).toBe('pass');
      expect(report.predicate.metrics.find((m) => m.name === 'latency_p99')!.verdict).toBe('fail');
    });

    // Before: missing latency_ms on some examples crashed the gate ("paired samples must have the same length", exit 3).
    it('is judged on the timed pairs when some examples have no latency, and says how many', async () => {
      const baseline = results(2000, () => ({ accuracy: 1 }), (i) => 100 + (i % 100));
      const candidate = results(2000, () => ({ accuracy: 1 }), (i) => (i % 10 === 0 ? undefined : 100 + (i % 100)));
      const report = await evaluateRegression(inputs(candidate, baseline), { ...CONFIG, thresholds: LATENCY });
      expect(report.predicate.timing).toEqual({ timed: 1800, untimed: 200 });
      expect(report.predicate.metrics.map((m) => [m.name, m.n, m.verdict])).toEqual([
        ['latency_p50', 1800, 'pass'],
        ['latency_p99', 1800, 'pass'],
      ]);
      expect(report.predicate.reasons).toEqual([]);
    });

    it('is insufficient evidence for p99 on fewer pairs than a distribution-free interval needs', async () => {
      const few = results(300, () => ({ accuracy: 1 }), (i) => 100 + (i % 100));
      const report = await evaluateRegression(inputs(few, few), { ...CONFIG, thresholds: LATENCY });
      expect(report.predicate.verdict).toBe('insufficient-evidence');
      expect(report.predicate.metrics.map((m) => m.name)).toEqual(['latency_p50']);
      expect(report.predicate.reasons.join('\n')).toMatch(/latency_p99 needs a latency for both models on at least 368 examples \(300 timed pairs\)/);
    });

    // Before: a value repeated in ~85% of 100,000 examples overflowed the Uint16 resample counts; the interval was NaN (exit 2).
    it('keeps finite intervals when one latency value repeats in most of 100,000 examples', async () => {
      const n = 100_000;
      const baseline = results(n, () => ({ accuracy: 1 }), (i) => (i % 20 < 17 ? 120 : 120 + (i % 97)));
      const report = await evaluateRegression(inputs(baseline, baseline), { ...CONFIG, thresholds: { ...LATENCY, resamples: 100 } });
      for (const metric of report.predicate.metrics) {
        expect(Number.isFinite(metric.ci.low) && Number.isFinite(metric.ci.high)).toBe(true);
        expect(metric.verdict).toBe('pass');
      }
    });
  });

  describe('throughput and peak memory', () => {
    const RUNS: RegressionThresholds = { metrics: { throughput: { direction: 'higher', tolerance: 0.05 } }, min_runs: 2 };
    const one = results(10, () => ({ accuracy: 1 }));
    const figures = (throughput: number[]): RunFigures => ({ throughput, peakMemoryBytes: throughput.map(() => 1e9) });

    // Before: the "95% interval" was the min-max of per-run ratios, so two close runs 4% down passed.
    it('does not pass two runs per model 4% down against a 5% tolerance', async () => {
      const report = await evaluateRegression(inputs(one, one, { runs: [figures([96, 96.4]), figures([100, 100.5])] }), { ...CONFIG, thresholds: RUNS });
      const throughput = report.predicate.metrics[0]!;
      expect(throughput.verdict).toBe('insufficient-evidence');
      expect(throughput.ci.low).toBeLessThan(-0.05);
      expect(throughput.runs).toEqual({ candidate: 2, baseline: 2 });
      expect(report.runsNeeded['throughput']).toBeGreaterThan(2);
      expect(report.predicate.reasons.join('\n')).toMatch(/throughput: about \d+ runs of each model would decide/);
    });

    it('passes repeatable runs, and is insufficient below the runs policy requires', async () => {
      const runs: [RunFigures, RunFigures] = [figures([100.1, 99.9, 100.2, 99.8, 100]), figures([100, 100.3, 99.7, 100.1, 99.9])];
      expect((await evaluateRegression(inputs(one, one, { runs }), { ...CONFIG, thresholds: RUNS })).predicate.verdict).toBe('pass');
      const strict = await evaluateRegression(inputs(one, one, { runs }), { ...CONFIG, thresholds: { ...RUNS, min_runs: 6 } });
      expect(strict.predicate.verdict).toBe('insufficient-evidence');
      expect(strict.predicate.reasons.join('\n')).toMatch(/throughput: 5 candidate and 5 baseline runs; policy needs at least 6 of each/);
      // Enough runs of one model do not stand in for the other's.
      for (const [candidate, baseline] of [[runs[0], figures([100, 100.3, 99.7, 100.1, 99.9, 100.2])], [figures([100.1, 99.9, 100.2, 99.8, 100, 100.1]), runs[1]]]) {
        const uneven = await evaluateRegression(inputs(one, one, { runs: [candidate!, baseline!] }), { ...CONFIG, thresholds: { ...RUNS, min_runs: 6 } });
        expect(uneven.predicate.verdict).toBe('insufficient-evidence');
        expect(uneven.predicate.reasons.join('\n')).toMatch(/throughput: [56] candidate and [56] baseline runs; policy needs at least 6 of each/);
      }
    });

    it('cannot judge one run, or runs without variation, and reports no point interval', async () => {
      for (const runs of [[figures([100]), figures([100, 101])], [figures([100, 100]), figures([100, 100])]] as Array<[RunFigures, RunFigures]>) {
        const metric = (await evaluateRegression(inputs(one, one, { runs }), { ...CONFIG, thresholds: RUNS })).predicate.metrics[0]!;
        expect(metric.verdict).toBe('insufficient-evidence');
        expect(metric.ci.high).toBeGreaterThan(metric.ci.low);
      }
    });
  });

  describe('slices', () => {
    const hard = (i: number) => (i < 40 ? ['slice:hard'] : []);
    const SLICED: RegressionThresholds = { metrics: { accuracy: { direction: 'higher', tolerance: 0.01 } }, slices: { min_size: 30, tolerances: { accuracy: 0.01 } } };

    // Before: slices were tested against a change of 0 and an inconclusive one was "pass":
    // n = 40, change -0.10, CI entirely beyond a 0.01 tolerance, q = 0.236: passed. (With an
    // honest interval, 4 worse examples of 40 no longer exclude the tolerance; 8 do.)
    it('fails a slice whose interval lies beyond its tolerance', async () => {
      const baseline = results(2000, () => ({ accuracy: 1 }));
      const candidate = results(2000, (i) => ({ accuracy: i < 8 ? 0 : 1 }));
      const report = await evaluateRegression(inputs(candidate, baseline, { tags: hard }), { ...CONFIG, thresholds: SLICED });
      const slice = report.predicate.slices!.find((s) => s.name === 'slice:hard')!;
      expect(slice.delta).toBeCloseTo(-0.2, 12);
      expect(slice.ci!.high).toBeLessThan(-0.01);
      expect(slice.verdict).toBe('fail');
      expect(report.predicate.verdict).toBe('fail');
    });

    it('makes the gate insufficient evidence when a judged slice is inconclusive', async () => {
      const baseline = results(2000, () => ({ accuracy: 1 }));
      const candidate = results(2000, (i) => ({ accuracy: i < 1 ? 0 : 1 }));
      const report = await evaluateRegression(inputs(candidate, baseline, { tags: hard }), { ...CONFIG, thresholds: SLICED });
      expect(report.predicate.metrics[0]!.verdict).toBe('pass');
      expect(report.predicate.slices![0]!.verdict).toBe('insufficient-evidence');
      expect(report.predicate.verdict).toBe('insufficient-evidence');
    });

    it('decides on the adjusted q, not the raw p, where they disagree', async () => {
      // Four slices of 200; one has 3 worse examples: p = 0.0116 would pass alone, q = 4p = 0.046 does not.
      const tags = (i: number) => [`slice:s${Math.floor(i / 200)}`];
      const baseline = results(800, () => ({ accuracy: 1 }));
      const candidate = results(800, (i) => ({ accuracy: i < 3 ? 0 : 1 }));
      const thresholds: RegressionThresholds = { metrics: { accuracy: { direction: 'higher', tolerance: 0.05 } } };
      const report = await evaluateRegression(inputs(candidate, baseline, { tags }), { ...CONFIG, thresholds });
      const s0 = report.predicate.slices!.find((s) => s.name === 'slice:s0')!;
      expect(s0.pValue).toBeLessThan(0.025);
      expect(s0.qValue).toBeGreaterThan(0.025);
      expect(s0.qValue).toBeCloseTo(4 * s0.pValue!, 12);
      expect(s0.verdict).toBe('insufficient-evidence');
      expect(report.predicate.reasons).toContain(`slice slice:s0: accuracy changed by -0.015 (simultaneous 98.75% CI ${figure(s0.ci!.low)} to ${figure(s0.ci!.high)}, non-inferiority q = ${figure(s0.qValue)}) against a tolerance of 0.05: insufficient-evidence`);
      expect(report.predicate.slices!.filter((s) => s.name !== 'slice:s0').every((s) => s.verdict === 'pass')).toBe(true);
    });

    it('lists slices below min_size with no interval and does not judge them', async () => {
      const baseline = results(2000, () => ({ accuracy: 1 }));
      const candidate = results(2000, (i) => ({ accuracy: i < 10 ? 0 : 1 }));
      const report = await evaluateRegression(inputs(candidate, baseline, { tags: (i) => (i < 12 ? ['slice:rare'] : []) }), { ...CONFIG, thresholds: SLICED });
      expect(report.predicate.slices).toEqual([{ name: 'slice:rare', metric: 'accuracy', n: 12, delta: -10 / 12 }]);
      expect(report.smallSlices).toEqual([{ name: 'slice:rare', n: 12 }]);
    });

    it('takes tags from the pinned evaluation set, not from the results', async () => {
      const baseline = results(2000, () => ({ accuracy: 1 }));
      const candidate = results(2000, (i) => ({ accuracy: i < 4 ? 0 : 1 })).map((r) => ({ ...r, tags: ['slice:claimed'] }));
      const report = await evaluateRegression(inputs(candidate, baseline, { tags: hard }), { ...CONFIG, thresholds: SLICED });
      expect(report.predicate.slices!.map((s) => s.name)).toEqual(['slice:hard']);
    });
  });

  describe('evidence coverage', () => {
    const set = 500;
    const all = results(set, (i) => ({ accuracy: i % 5 === 0 ? 0 : 1 }));

    it('counts examples a model did not answer against the candidate, and reports them', async () => {
      const easy = all.filter((r) => r.metrics['accuracy'] === 1);
      // The unmodified input passes.
      expect((await evaluateRegression(inputs(all, all), { ...CONFIG, thresholds: { metrics: { accuracy: { direction: 'higher', tolerance: 0.05 } } } })).predicate.verdict).toBe('pass');
      // A cherry-picked subset, both models answering only the easy examples, does not pass.
      const report = await evaluateRegression(inputs(easy, easy, { n: set }), { ...CONFIG, thresholds: { metrics: { accuracy: { direction: 'higher', tolerance: 0.05 } } } });
      expect(report.predicate.missing).toEqual({ candidate: 100, baseline: 100 });
      expect(report.missingIds.candidate).toHaveLength(100);
      expect(report.predicate.metrics[0]!.missing).toEqual({ candidate: 100, baseline: 100 });
      expect(report.predicate.verdict).toBe('fail');
      expect(report.predicate.reasons[0]).toBe('100 examples of the evaluation set have no candidate result and 100 no baseline result; each is scored against the candidate');
    });

    it('refuses a result for an id that is not in the evaluation set, naming the file and row', async () => {
      const extra = [...all, { id: 'not-pinned', metrics: { accuracy: 1 }, tags: [] }];
      const attempt = evaluateRegression(inputs(extra, all, { n: set }), { ...CONFIG, thresholds: ACCURACY });
      await expect(attempt).rejects.toThrow(InputError);
      await expect(attempt).rejects.toMatchObject({ path: 'candidate.jsonl', message: 'row 501: id "not-pinned" is not in the evaluation set set.jsonl' });
    });

    it('refuses a value outside the range policy data gives the metric', async () => {
      const thresholds: RegressionThresholds = { metrics: { bleu: { direction: 'higher', tolerance: 1 } } };
      const scored = results(10, () => ({ bleu: 35 }));
      await expect(evaluateRegression(inputs(scored, scored), { ...CONFIG, thresholds })).rejects.toMatchObject({ path: 'candidate.jsonl', message: 'example "e0": bleu = 35 is outside the range [0, 1] policy data gives it' });
      const ranged = await evaluateRegression(inputs(scored, scored), { ...CONFIG, thresholds: { metrics: { bleu: { direction: 'higher', tolerance: 1, range: [0, 100] } } } });
      expect(ranged.predicate.metrics[0]!.method).toBe('pseudo-pair-t');
    });

    it('records the digests of the results and run files it judged', async () => {
      const report = await evaluateRegression(await example('candidate-good'), CONFIG);
      expect(report.predicate.evidence.map((e) => e.role)).toEqual(['baseline-model', 'evaluation-set', 'candidate-results', 'baseline-results', 'candidate-run', 'baseline-run']);
      const { createHash } = await import('node:crypto');
      const digest = (name: string) => `sha256:${createHash('sha256').update(readFileSync(join(EXAMPLES, name))).digest('hex')}`;
      expect(report.predicate.evidence.find((e) => e.role === 'candidate-results')!.digest).toBe(digest('candidate-good.jsonl'));
      expect(report.predicate.evidence.find((e) => e.role === 'baseline-run')!.digest).toBe(digest('baseline-run.json'));
      expect(report.predicate.evaluationSet.digest).toBe(digest('evaluation-set.jsonl'));
    });
  });
});

describe('evaluateRegression, figure by figure', () => {
  const N = 60;
  // Each model's column as the gate should read it: a missing answer is the candidate's worst value and the baseline's best.
  const column = (rows: ExampleResult[], name: string, fallback: number) => {
    const byId = new Map(rows.map((r) => [r.id, r.metrics[name]!]));
    return Float64Array.from({ length: N }, (_, i) => byId.get(`e${i}`) ?? fallback);
  };
  const differences = (c: Float64Array, b: Float64Array) => Float64Array.from(c, (value, i) => value - b[i]!);
  // The candidate answers all but e0 to e2, in reverse order; the baseline all but e3.
  const candidate = results(N, (i) => ({ accuracy: i % 4 === 0 ? 0 : 1, score: (i % 7) + 4 })).filter((_, i) => i > 2).reverse();
  const baseline = results(N, (i) => ({ accuracy: i % 5 === 0 ? 0 : 1, score: (i % 6) + 2 })).filter((_, i) => i !== 3);
  const FIGURES: RegressionThresholds = { metrics: { accuracy: { direction: 'higher', tolerance: 0.01 }, score: { direction: 'lower', tolerance: 0.5, range: [0, 10] } }, level: 0.9 };

  it('reports each quality metric as its paired evidence gives it, a missing answer scored against the candidate', async () => {
    const report = await evaluateRegression(inputs(candidate, baseline, { n: N }), { ...CONFIG, thresholds: FIGURES });
    const c = { accuracy: column(candidate, 'accuracy', 0), score: column(candidate, 'score', 10) };
    const b = { accuracy: column(baseline, 'accuracy', 1), score: column(baseline, 'score', 0) };
    const tango = pairedProportionEvidence(pairedCounts(c.accuracy, b.accuracy));
    const t = pairedMeanEvidence(differences(c.score, b.score), 10);
    const missing = { candidate: 3, baseline: 1 };
    expect(report.predicate.metrics).toEqual([
      { name: 'accuracy', candidate: mean(c.accuracy), baseline: mean(b.accuracy), delta: tango.estimate, scale: 'absolute', ci: tango.interval(0.9), tolerance: 0.01, effectSize: cohensDz(differences(c.accuracy, b.accuracy)), verdict: 'insufficient-evidence', n: N, method: 'tango-score', missing },
      { name: 'score', candidate: mean(c.score), baseline: mean(b.score), delta: t.estimate, scale: 'absolute', ci: t.interval(0.9), tolerance: 0.5, effectSize: cohensDz(differences(c.score, b.score)), verdict: 'fail', n: N, method: 'pseudo-pair-t', missing },
    ]);
    expect(report.effectSizes).toEqual({ accuracy: cohensDz(differences(c.accuracy, b.accuracy)), score: cohensDz(differences(c.score, b.score)) });
    expect(report.missingIds).toEqual({ candidate: ['e0', 'e1', 'e2'], baseline: ['e3'] });
    expect(report.predicate.missing).toEqual(missing);
    expect(report.predicate.verdict).toBe('fail');
    expect(report.predicate.reasons).toEqual([
      '3 examples of the evaluation set have no candidate result and 1 no baseline result; each is scored against the candidate',
      ...report.predicate.metrics.map((m) => `${m.name}: change ${figure(m.delta)} (90% CI ${figure(m.ci.low)} to ${figure(m.ci.high)}) against a tolerance of ${m.tolerance}: ${m.verdict}`),
    ]);
  });

  it('judges a metric as 0/1 only when both models\' values are 0 or 1', async () => {
    const binary = results(N, (i) => ({ score: i % 2 }));
    const graded = results(N, (i) => ({ score: i % 2 === 0 ? 0.5 : 1 }));
    const thresholds: RegressionThresholds = { metrics: { score: { direction: 'higher', tolerance: 0.05 } } };
    for (const [c, b, method] of [[binary, binary, 'tango-score'], [binary, graded, 'pseudo-pair-t'], [graded, binary, 'pseudo-pair-t']] as const) {
      expect((await evaluateRegression(inputs(c, b), { ...CONFIG, thresholds })).predicate.metrics[0]!.method).toBe(method);
    }
  });

  it('judges a one-example set without an effect size (d_z needs two differences)', async () => {
    const report = await evaluateRegression(inputs(results(1, () => ({ accuracy: 1 })), results(1, () => ({ accuracy: 0 }))), { ...CONFIG, thresholds: ACCURACY });
    expect(report.effectSizes).toEqual({ accuracy: null });
    expect(report.predicate.metrics[0]).toMatchObject({ delta: 1, effectSize: null, verdict: 'insufficient-evidence' });
  });

  it('refuses a value below the range policy data gives the metric, naming the file and example', async () => {
    const thresholds: RegressionThresholds = { metrics: { bleu: { direction: 'higher', tolerance: 1, range: [0, 100] } } };
    const scored = results(10, () => ({ bleu: 35 }));
    // The unmodified input is judged; one value below 0 is refused.
    expect((await evaluateRegression(inputs(scored, scored), { ...CONFIG, thresholds })).predicate.metrics).toHaveLength(1);
    const below = scored.map((r, i) => (i === 4 ? { ...r, metrics: { bleu: -1 } } : r));
    await expect(evaluateRegression(inputs(scored, below), { ...CONFIG, thresholds })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path: 'baseline.jsonl', message: 'example "e4": bleu = -1 is outside the range [0, 100] policy data gives it' });
  });

  it('takes the width of a range that does not start at 0 as max - min', async () => {
    const thresholds: RegressionThresholds = { metrics: { likert: { direction: 'higher', tolerance: 0.2, range: [1, 5] } } };
    const c = results(40, (i) => ({ likert: 1 + (i % 5) }));
    const b = results(40, (i) => ({ likert: 1 + ((i + 1) % 5) }));
    const differences = Float64Array.from(c, (r, i) => r.metrics['likert']! - b[i]!.metrics['likert']!);
    const report = await evaluateRegression(inputs(c, b), { ...CONFIG, thresholds });
    expect(report.predicate.metrics[0]!.ci).toEqual(pairedMeanEvidence(differences, 4).interval(0.95));
  });

  it('judges p99 on exactly the fewest timed pairs a distribution-free interval needs', async () => {
    const few = results(368, () => ({ accuracy: 1 }), (i) => 100 + (i % 100));
    const report = await evaluateRegression(inputs(few, few), { ...CONFIG, thresholds: { metrics: { latency_p99: { direction: 'lower', tolerance: 0.1 } }, resamples: 100 } });
    expect(report.predicate.metrics.map((m) => [m.name, m.n])).toEqual([['latency_p99', 368]]);
  });

  it('reports the metrics in name order, whatever order policy data gives them in', async () => {
    const reversed: RegressionThresholds = { ...FIGURES, metrics: { score: FIGURES.metrics['score']!, accuracy: FIGURES.metrics['accuracy']! } };
    const report = await evaluateRegression(inputs(candidate, baseline, { n: N }), { ...CONFIG, thresholds: reversed });
    expect(report.predicate.metrics.map((m) => m.name)).toEqual(['accuracy', 'score']);
  });

  it('joins results given in another order as in set order', async () => {
    const inOrder = await evaluateRegression(inputs([...candidate].reverse(), baseline, { n: N }), { ...CONFIG, thresholds: FIGURES });
    const reversed = await evaluateRegression(inputs(candidate, [...baseline].reverse(), { n: N }), { ...CONFIG, thresholds: FIGURES });
    expect(reversed.predicate.metrics).toEqual(inOrder.predicate.metrics);
  });

  it('says which model never reports a metric policy requires, and is insufficient evidence without it', async () => {
    const same = results(2000, (i) => ({ accuracy: i % 3 === 0 ? 0 : 1 }));
    const scored = results(2000, (i) => ({ accuracy: i % 3 === 0 ? 0 : 1, quality: 0.5 }));
    const thresholds: RegressionThresholds = { metrics: { ...ACCURACY.metrics, quality: { direction: 'higher', tolerance: 0.01 } } };
    // The unmodified input passes: both models report both metrics.
    expect((await evaluateRegression(inputs(scored, scored), { ...CONFIG, thresholds })).predicate.verdict).toBe('pass');
    for (const [c, b, side] of [[scored, same, 'the baseline'], [same, scored, 'the candidate']] as const) {
      const report = await evaluateRegression(inputs(c, b), { ...CONFIG, thresholds });
      expect(report.predicate.metrics.map((m) => [m.name, m.verdict])).toEqual([['accuracy', 'pass']]);
      expect(report.predicate.verdict).toBe('insufficient-evidence');
      expect(report.predicate.reasons).toEqual([`metric quality, which policy requires, is in no result of ${side}`]);
    }
  });

  it('refuses more examples than it judges before reading any result', async () => {
    const huge = (length: number): RegressionInputs => ({ ...inputs([], []), evaluationSet: inMemory(new Array<EvaluationExample>(length), 'set.jsonl') });
    await expect(evaluateRegression(huge(MAX_EXAMPLES + 1), { ...CONFIG, thresholds: ACCURACY })).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path: 'set.jsonl', message: '2500001 examples; the regression gate judges at most 2500000' });
    // The largest set is judged (here it holds no example a model answered).
    const largest = await evaluateRegression(huge(MAX_EXAMPLES), { ...CONFIG, thresholds: ACCURACY });
    expect(largest.predicate.evaluationSet.examples).toBe(MAX_EXAMPLES);
    expect(largest.predicate.reasons).toEqual(['metric accuracy, which policy requires, is in no result of the candidate']);
  });

  it('takes level, resamples, runs and slice size from policy data, each with its default', () => {
    expect(regressionSettings({ metrics: {} })).toEqual({ level: 0.95, resamples: 2000, minRuns: 2, minSliceSize: 30 });
    expect(regressionSettings({ metrics: {}, level: 0.9, resamples: 300, min_runs: 4, slices: { min_size: 50 } })).toEqual({ level: 0.9, resamples: 300, minRuns: 4, minSliceSize: 50 });
    expect(regressionSettings({ metrics: {}, slices: {} }).minSliceSize).toBe(30);
  });

  describe('run figures', () => {
    const one = results(10, () => ({ accuracy: 1 }));
    const runs = (candidateMemory: number[], baselineMemory: number[]): [RunFigures, RunFigures] => [
      { throughput: candidateMemory.map(() => 100), peakMemoryBytes: candidateMemory },
      { throughput: baselineMemory.map(() => 100), peakMemoryBytes: baselineMemory },
    ];
    const MEMORY: RegressionThresholds = { metrics: { peak_memory: { direction: 'lower', tolerance: 0.1 } } };

    it('judges peak memory from the memory figures, lower being better', async () => {
      const [c, b] = runs([2e9, 2.1e9, 1.9e9], [1e9, 1.05e9, 0.95e9]);
      const report = await evaluateRegression(inputs(one, one, { runs: [c, b] }), { ...CONFIG, thresholds: MEMORY });
      const evidence = logRatioEvidence(c.peakMemoryBytes, b.peakMemoryBytes);
      if (typeof evidence === 'string') throw new Error(evidence);
      expect(report.predicate.metrics).toEqual([
        { name: 'peak_memory', candidate: geometricMean(c.peakMemoryBytes), baseline: geometricMean(b.peakMemoryBytes), scale: 'relative', tolerance: 0.1, n: 6, method: 'welch-log-t', runs: { candidate: 3, baseline: 3 }, delta: evidence.estimate, ci: evidence.interval(0.95), verdict: 'fail' },
      ]);
      expect(report.predicate.verdict).toBe('fail');
      // Runs are advised only for an undecided figure.
      expect(report.runsNeeded).toEqual({});
      // The same memory both times passes.
      expect((await evaluateRegression(inputs(one, one, { runs: runs([1e9, 1.001e9, 0.999e9], [1e9, 1.001e9, 0.999e9]) }), { ...CONFIG, thresholds: MEMORY })).predicate.verdict).toBe('pass');
    });

    it('advises how many runs would decide a lower-is-better figure, against its tolerance above zero', async () => {
      const [c, b] = runs([1.04e9, 1.12e9], [1e9, 1.03e9]);
      const report = await evaluateRegression(inputs(one, one, { runs: [c, b] }), { ...CONFIG, thresholds: { ...MEMORY, min_runs: 2 } });
      const needed = runsNeeded(c.peakMemoryBytes, b.peakMemoryBytes, 0.1, 0.95)!;
      expect(needed).toBeGreaterThan(2);
      expect(needed).not.toBe(runsNeeded(c.peakMemoryBytes, b.peakMemoryBytes, -0.1, 0.95));
      expect(report.predicate.metrics[0]!.verdict).toBe('insufficient-evidence');
      expect(report.runsNeeded).toEqual({ peak_memory: needed });
      expect(report.predicate.reasons).toContain(`peak_memory: about ${needed} runs of each model would decide at the observed run-to-run variation`);
      // Never fewer than policy's minimum.
      const strict = await evaluateRegression(inputs(one, one, { runs: [c, b] }), { ...CONFIG, thresholds: { ...MEMORY, min_runs: needed + 5 } });
      expect(strict.runsNeeded).toEqual({ peak_memory: needed + 5 });
    });

    it('gives runs without variation the widest interval around the observed change, and says why', async () => {
      const figures = (throughput: number[]): RunFigures => ({ throughput, peakMemoryBytes: throughput.map(() => 1e9) });
      const report = await evaluateRegression(inputs(one, one, { runs: [figures([110, 110]), figures([100, 100])] }), { ...CONFIG, thresholds: { metrics: { throughput: { direction: 'higher', tolerance: 0.05 } } } });
      const [metric] = report.predicate.metrics;
      expect(metric!.delta).toBeCloseTo(0.1, 12);
      expect(metric!.ci).toEqual({ low: -1, high: Number.MAX_VALUE, level: 0.95 });
      expect(report.runsNeeded).toEqual({ throughput: null });
      expect(report.predicate.reasons.slice(0, 2)).toEqual([
        'throughput: the runs show no run-to-run variation, so its size cannot be estimated',
        'throughput: no number of runs would decide at the observed change and run-to-run variation',
      ]);
      // One run is too few, and says so without claiming no variation.
      const single = await evaluateRegression(inputs(one, one, { runs: [figures([110]), figures([100, 101])] }), { ...CONFIG, thresholds: { metrics: { throughput: { direction: 'higher', tolerance: 0.05 } } } });
      expect(single.predicate.reasons.slice(0, 2)).toEqual(['throughput: 1 candidate and 2 baseline runs; policy needs at least 2 of each', 'throughput: no number of runs would decide at the observed change and run-to-run variation']);
    });

    it('is insufficient evidence when run figures are missing, and records only the files it judged', async () => {
      const report = await evaluateRegression(inputs(one, one), { ...CONFIG, thresholds: { metrics: { throughput: { direction: 'higher', tolerance: 0.05 } } } });
      expect(report.predicate.verdict).toBe('insufficient-evidence');
      expect(report.predicate.metrics).toEqual([]);
      expect(report.predicate.reasons).toEqual(['metric throughput needs run figures for both models']);
      expect(report.predicate.evidence.map((e) => e.role)).toEqual(['baseline-model', 'evaluation-set', 'candidate-results', 'baseline-results']);
    });
  });

  describe('latency', () => {
    it('judges the pairs timed for both models, saying how many were not, and compares candidate with baseline', async () => {
      const n = 500;
      const baseline = results(n, () => ({ accuracy: 1 }), (i) => (i % 10 === 1 ? undefined : 100 + (i % 50)));
      const candidate = results(n, () => ({ accuracy: 1 }), (i) => (i % 10 === 2 ? undefined : 2 * (100 + (i % 50))));
      const report = await evaluateRegression(inputs(candidate, baseline), { ...CONFIG, thresholds: { metrics: { latency_p50: { direction: 'lower', tolerance: 0.1 } }, resamples: 101 } });
      expect(report.predicate.timing).toEqual({ timed: 400, untimed: 100 });
      const [p50] = report.predicate.metrics;
      expect(p50).toMatchObject({ name: 'latency_p50', n: 400, scale: 'relative', tolerance: 0.1, verdict: 'fail', method: 'paired-bootstrap-percentile' });
      expect(p50!.candidate).toBeCloseTo(2 * p50!.baseline!, 12);
      expect(p50!.delta).toBeCloseTo(1, 12);
      expect(report.predicate.resamples).toBe(101);
      expect(report.predicate.reasons[0]).toBe('100 of 500 examples lack a latency for one model or both; latency is judged on the 400 timed pairs');
      // Every pair timed: nothing to say about untimed pairs.
      const timed = (scale: number) => results(n, () => ({ accuracy: 1 }), (i) => scale * (100 + (i % 50)));
      const allTimed = await evaluateRegression(inputs(timed(2), timed(1)), { ...CONFIG, thresholds: { metrics: { latency_p50: { direction: 'lower', tolerance: 0.1 } }, resamples: 101 } });
      expect(allTimed.predicate.verdict).toBe('fail');
      expect(allTimed.predicate.reasons).toHaveLength(1);
      expect(allTimed.predicate.reasons[0]).toMatch(/^latency_p50: change 1 /);
    });
  });

  describe('slices', () => {
    // 400 examples; slice:a (its tag written twice) the first 100, capability:b the next 120, slice:tiny the first 10.
    const n = 400;
    const tags = (i: number) => [...(i < 100 ? ['slice:a', 'slice:a'] : []), ...(i >= 100 && i < 220 ? ['capability:b'] : []), ...(i < 10 ? ['slice:tiny'] : [])];
    const baseline = results(n, (i) => ({ accuracy: 1, score: 2 + (i % 3) }));
    // On slice:a the candidate scores much worse (lower is better); on capability:b it misses 2 of 120.
    const candidate = results(n, (i) => ({ accuracy: i >= 100 && i < 102 ? 0 : 1, score: i < 100 ? 7 + (i % 3) : 2 + (i % 3) }));
    const SLICED: RegressionThresholds = { metrics: { accuracy: { direction: 'higher', tolerance: 0.05 }, score: { direction: 'lower', tolerance: 0.5, range: [0, 10] } }, slices: { tolerances: { accuracy: 0.1 } } };

    it('judges each slice of min_size on its simultaneous interval, with p and q = min(1, m·p) for its direction', async () => {
      const report = await evaluateRegression(inputs(candidate, baseline, { tags }), { ...CONFIG, thresholds: SLICED });
      const level = bonferroniLevel(0.95, 4);
      const expected = (name: string, from: number, to: number, metric: 'accuracy' | 'score') => {
        const c = Float64Array.from(candidate.slice(from, to), (r) => r.metrics[metric]!);
        const b = Float64Array.from(baseline.slice(from, to), (r) => r.metrics[metric]!);
        const evidence = metric === 'accuracy' ? pairedProportionEvidence(pairedCounts(c, b)) : pairedMeanEvidence(differences(c, b), 10);
        const tolerance = metric === 'accuracy' ? 0.1 : 0.5;
        const ci = evidence.interval(level);
        const pValue = metric === 'accuracy' ? evidence.pAbove(-tolerance) : evidence.pBelow(tolerance);
        return { name, metric, n: to - from, delta: evidence.estimate, ci, tolerance, pValue, qValue: Math.min(1, 4 * pValue), verdict: nonInferiority(ci, metric === 'accuracy' ? 'higher' : 'lower', tolerance) };
      };
      const slices = [expected('capability:b', 100, 220, 'accuracy'), expected('capability:b', 100, 220, 'score'), expected('slice:a', 0, 100, 'accuracy'), expected('slice:a', 0, 100, 'score')];
      expect(slices.map((s) => s.verdict)).toEqual(['pass', 'pass', 'pass', 'fail']);
      expect(slices[3]!.qValue).toBe(1);
      expect(report.predicate.slices).toEqual([...slices, { name: 'slice:tiny', metric: 'accuracy', n: 10, delta: 0 }, { name: 'slice:tiny', metric: 'score', n: 10, delta: 5 }]);
      expect(report.smallSlices).toEqual([{ name: 'slice:tiny', n: 10 }]);
      const a = slices[3]!;
      const score = report.predicate.metrics[1]!;
      expect(score.verdict).toBe('fail');
      expect(report.predicate.reasons).toEqual([`score: change 1.25 (95% CI ${figure(score.ci.low)} to ${figure(score.ci.high)}) against a tolerance of 0.5: fail`, `slice slice:a: score changed by 5 (simultaneous ${figure(level * 100)}% CI ${figure(a.ci.low)} to ${figure(a.ci.high)}, non-inferiority q = 1) against a tolerance of 0.5: fail`]);
    });

    it('judges a slice of exactly min_size, and lists one smaller unjudged', async () => {
      const judged = async (minSize: number) => {
        const report = await evaluateRegression(inputs(candidate, baseline, { tags }), { ...CONFIG, thresholds: { ...SLICED, slices: { ...SLICED.slices, min_size: minSize } } });
        return { judged: report.predicate.slices!.filter((s) => s.verdict !== undefined).map((s) => `${s.name} ${s.metric}`), small: report.smallSlices };
      };
      expect(await judged(100)).toEqual({ judged: ['capability:b accuracy', 'capability:b score', 'slice:a accuracy', 'slice:a score'], small: [{ name: 'slice:tiny', n: 10 }] });
      expect(await judged(101)).toEqual({ judged: ['capability:b accuracy', 'capability:b score'], small: [{ name: 'slice:a', n: 100 }, { name: 'slice:tiny', n: 10 }] });
    });
  });
});

describe('nonInferiority', () => {
  it.each([
    ['higher', { low: -0.005, high: 0.02 }, 'pass'],
    // A CI of (-0.05, 0.02) around a tolerance of 0.01 shows nothing, whatever its high end.
    ['higher', { low: -0.05, high: 0.02 }, 'insufficient-evidence'],
    ['higher', { low: -0.01, high: 0.02 }, 'insufficient-evidence'],
    ['higher', { low: -0.05, high: -0.01 }, 'insufficient-evidence'],
    ['higher', { low: -0.05, high: -0.0101 }, 'fail'],
    ['lower', { low: -0.02, high: 0.005 }, 'pass'],
    ['lower', { low: 0.005, high: 0.02 }, 'insufficient-evidence'],
    ['lower', { low: -0.02, high: 0.01 }, 'insufficient-evidence'],
    ['lower', { low: 0.01, high: 0.05 }, 'insufficient-evidence'],
    ['lower', { low: 0.0101, high: 0.05 }, 'fail'],
  ] as const)('judges a %s-is-better interval %j against a tolerance of 0.01: %s', (direction, ci, verdict) => {
    expect(nonInferiority(ci, direction, 0.01)).toBe(verdict);
  });
});

describe('attestGate', () => {
  // Before: the gate's own predicate failing its schema was reported as bad input (InputError, exit 2).
  it('treats its own predicate breaking the schema as an internal error, not bad input', async () => {
    const { predicate } = await evaluateRegression(await example('candidate-good'), CONFIG);
    const signing = { signer: { sign: async () => { throw new Error('not reached'); } } } as never;
    const broken = { ...predicate, seed: -1 };
    const attempt = attestGate({ name: 'm', digest: `sha256:${'c'.repeat(64)}` }, broken, signing);
    await expect(attempt).rejects.toThrow(/the regression gate produced a predicate that breaks its schema: at \/seed/);
    await expect(attestGate({ name: 'm', digest: `sha256:${'c'.repeat(64)}` }, broken, signing)).rejects.not.toBeInstanceOf(InputError);
  });
});

describe('readExampleResults', () => {
  const write = async (text: string, name = 'results.jsonl') => {
    const path = join(await temporaryDirectory(), name);
    writeFileSync(path, text);
    return path;
  };
  const table = (value: object) => write(JSON.stringify(value), 'table.json');

  it.each([
    ['an empty file', '', /no results in file/],
    ['a missing column', '{"id": "a"}\n', /line 1: at document: must have required property 'metrics'/],
    ['NaN', '{"id": "a", "metrics": {"accuracy": NaN}}\n', /line 1: not valid JSON/],
    ['a duplicate id', '{"id": "a", "metrics": {"x": 1}}\n{"id": "a", "metrics": {"x": 0}}\n', /row 2: duplicate id "a" \(first at row 1\)/],
    ['a string metric', '{"id": "a", "metrics": {"x": "1"}}\n', /line 1: at \/metrics\/x: must be number/],
  ])('refuses %s, naming the file and row', async (_, text, message) => {
    const path = await write(text);
    await expect(readExampleResults(path)).rejects.toMatchObject({ path, message: expect.stringMatching(message) });
  });

  it('refuses a file that is not UTF-8', async () => {
    const path = join(await temporaryDirectory(), 'latin1.jsonl');
    writeFileSync(path, Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    await expect(readExampleResults(path)).rejects.toMatchObject({ message: 'not valid UTF-8' });
  });

  it('reads lm-evaluation-harness samples and MLflow evaluation tables', async () => {
    const lmEval = await write(`${JSON.stringify({ doc_id: 0, doc: {}, filter: 'none', metrics: ['acc', 'acc_norm'], acc: 1, acc_norm: 0 })}\n${JSON.stringify({ doc_id: 1, filter: 'none', metrics: ['acc'], acc: 0 })}\n`);
    expect(await readExampleResults(lmEval, 'lm-eval')).toEqual([
      { id: '0', metrics: { acc: 1, acc_norm: 0 }, tags: [] },
      { id: '1', metrics: { acc: 0 }, tags: [] },
    ]);
    const mlflow = await table({ columns: ['id', 'inputs', 'exact_match', 'latency_ms'], data: [['q1', 'what?', 1, 120.5], ['q2', 'why?', 0, 98]] });
    expect(await readExampleResults(mlflow, 'mlflow')).toEqual([
      { id: 'q1', metrics: { exact_match: 1 }, tags: [], latencyMs: 120.5 },
      { id: 'q2', metrics: { exact_match: 0 }, tags: [], latencyMs: 98 },
    ]);
  });

  it('names an lm-evaluation-harness sample by its doc_id and filter, and refuses a listed metric without a numeric value', async () => {
    const sample = (extra: object) => `${JSON.stringify({ doc_id: 7, metrics: ['exact_match'], exact_match: 1, ...extra })}\n`;
    expect(await readExampleResults(await write(sample({ filter: 'strict-match' })), 'lm-eval')).toEqual([{ id: '7/strict-match', metrics: { exact_match: 1 }, tags: [] }]);
    expect(await readExampleResults(await write(sample({ filter: 3 })), 'lm-eval')).toEqual([{ id: '7', metrics: { exact_match: 1 }, tags: [] }]);
    for (const [extra, message] of [
      [{ exact_match: '1' }, 'line 1: metric exact_match is listed but has no numeric value'],
      [{ exact_match: undefined }, 'line 1: metric exact_match is listed but has no numeric value'],
      [{ metrics: [] }, /^line 1: not an lm-evaluation-harness sample: at \/metrics: must NOT have fewer than 1 items$/],
    ] as const) {
      const path = await write(sample(extra));
      await expect(readExampleResults(path, 'lm-eval')).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path, message: typeof message === 'string' ? message : expect.stringMatching(message) });
    }
  });

  it('reads numeric ids of an MLflow table as ids, never as metrics, and refuses each malformed table with its row', async () => {
    expect(await readExampleResults(await table({ columns: ['exact_match', 'id'], data: [[1, 101], [0, 102]] }), 'mlflow')).toEqual([
      { id: '101', metrics: { exact_match: 1 }, tags: [] },
      { id: '102', metrics: { exact_match: 0 }, tags: [] },
    ]);
    for (const [value, code, message] of [
      [{ columns: ['exact_match'], data: [[1]] }, 'SCHEMA_INVALID', 'the table has no "id" column'],
      [{ columns: ['id', 'exact_match'], data: [['q1', 1], ['q2']] }, 'SCHEMA_INVALID', 'row 2: 1 values for 2 columns'],
      [{ columns: ['id', 'exact_match', 'latency_ms'], data: [['q1', 1, 12], ['q2', 0, '12']] }, 'SCHEMA_INVALID', 'row 2: latency_ms is not a number of at least 0'],
      [{ columns: ['id', 'exact_match', 'latency_ms'], data: [['q1', 1, 0], ['q2', 0, -1]] }, 'SCHEMA_INVALID', 'row 2: latency_ms is not a number of at least 0'],
      // An id that is no string or whole number would be read as "null", "true" or "1.5".
      [{ columns: ['id', 'exact_match'], data: [['q1', 1], [null, 0]] }, 'SCHEMA_INVALID', 'row 2: id is null, not a string or a whole number'],
      [{ columns: ['id', 'exact_match'], data: [[true, 1]] }, 'SCHEMA_INVALID', 'row 1: id is true, not a string or a whole number'],
      [{ columns: ['id', 'exact_match'], data: [[1.5, 1]] }, 'SCHEMA_INVALID', 'row 1: id is 1.5, not a string or a whole number'],
      [{ columns: ['id', 'exact_match'], data: [[['q1'], 1]] }, 'SCHEMA_INVALID', 'row 1: id is ["q1"], not a string or a whole number'],
    ] as const) {
      const path = await table(value);
      await expect(readExampleResults(path, 'mlflow')).rejects.toMatchObject({ code, path, message });
    }
    const broken = await write('{"columns": ["id"], "data": [', 'table.json');
    await expect(readExampleResults(broken, 'mlflow')).rejects.toMatchObject({ code: 'JSON_INVALID', path: broken, message: expect.stringMatching(/^not valid JSON \(.+\)$/) });
  });

  it('keeps a latency only where one is given, in either format, from whichever column holds it', async () => {
    const lines = await readExampleResults(await write('{"id": 1, "metrics": {"x": 1}, "latency_ms": 0}\n{"id": "b", "metrics": {"x": 0}}\n'));
    expect(lines).toEqual([{ id: '1', metrics: { x: 1 }, tags: [], latencyMs: 0 }, { id: 'b', metrics: { x: 0 }, tags: [] }]);
    expect(Object.keys(lines[1]!)).toEqual(['id', 'metrics', 'tags']);
    const second = await readExampleResults(await table({ columns: ['id', 'latency_ms', 'x'], data: [['a', 12, 1]] }), 'mlflow');
    expect(second).toEqual([{ id: 'a', metrics: { x: 1 }, tags: [], latencyMs: 12 }]);
    const none = await readExampleResults(await table({ columns: ['id', 'x'], data: [['a', 1]] }), 'mlflow');
    expect(Object.keys(none[0]!)).toEqual(['id', 'metrics', 'tags']);
  });

  it('refuses each gatehouse line that breaks its schema, naming the line', async () => {
    for (const [line, problem] of [
      ['{"metrics": {"x": 1}}', "at document: must have required property 'id'"],
      ['{"id": 1.5, "metrics": {"x": 1}}', 'at /id: must be string,integer'],
      ['{"id": "a", "metrics": {}}', 'at /metrics: must NOT have fewer than 1 properties'],
      ['{"id": "a", "metrics": [1]}', 'at /metrics: must be object'],
      ['{"id": "a", "metrics": {"x": true}}', 'at /metrics/x: must be number'],
      ['{"id": "a", "metrics": {"x": 1}, "capability": ""}', 'at /capability: must NOT have fewer than 1 characters'],
      ['{"id": "a", "metrics": {"x": 1}, "slices": "long"}', 'at /slices: must be array'],
      ['{"id": "a", "metrics": {"x": 1}, "slices": [""]}', 'at /slices/0: must NOT have fewer than 1 characters'],
      ['{"id": "a", "metrics": {"x": 1}, "latency_ms": -1}', 'at /latency_ms: must be >= 0'],
      ['{"id": "a", "metrics": {"x": 1}, "latency_ms": "1"}', 'at /latency_ms: must be number'],
    ] as const) {
      const path = await write(`{"id": "z", "metrics": {"x": 1}}\n${line}\n`);
      await expect(readExampleResults(path), line).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path, message: `line 2: ${problem}` });
    }
  });

  it('refuses each lm-evaluation-harness sample that breaks its schema, naming the line', async () => {
    for (const [line, problem] of [
      ['{"metrics": ["acc"], "acc": 1}', "at document: must have required property 'doc_id'"],
      ['{"doc_id": 1.5, "metrics": ["acc"], "acc": 1}', 'at /doc_id: must be integer,string'],
      ['{"doc_id": 1, "acc": 1}', "at document: must have required property 'metrics'"],
      ['{"doc_id": 1, "metrics": "acc", "acc": 1}', 'at /metrics: must be array'],
      ['{"doc_id": 1, "metrics": [1], "acc": 1}', 'at /metrics/0: must be string'],
    ] as const) {
      const path = await write(`${line}\n`);
      await expect(readExampleResults(path, 'lm-eval'), line).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path, message: `line 1: not an lm-evaluation-harness sample: ${problem}` });
    }
  });

  it('refuses an MLflow table that breaks its schema or holds a figure too large for a double, naming the row', async () => {
    for (const [value, problem] of [
      [{ columns: ['id'] }, "at document: must have required property 'data'"],
      [{ data: [] }, "at document: must have required property 'columns'"],
      [{ columns: [], data: [] }, 'at /columns: must NOT have fewer than 1 items'],
      [{ columns: ['id', 1], data: [] }, 'at /columns/1: must be string'],
      [{ columns: ['id'], data: ['a'] }, 'at /data/0: must be array'],
    ] as const) {
      const path = await table(value);
      await expect(readExampleResults(path, 'mlflow'), JSON.stringify(value)).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path, message: `not a valid MLflow evaluation table: ${problem}` });
    }
    const path = await write('{"columns": ["id", "x"], "data": [["a", 1], ["b", 1e400]]}', 'table.json');
    await expect(readExampleResults(path, 'mlflow')).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path, message: 'row 2: x is not finite' });
  });
});

describe('readRunEvidence', () => {
  it('refuses run figures that break the schema, naming the file', async () => {
    const path = join(await temporaryDirectory(), 'run.json');
    for (const [body, problem] of [
      ['{"peak_memory_bytes": 1}', "at document: must have required property 'throughput'"],
      ['{"throughput": 1}', "at document: must have required property 'peak_memory_bytes'"],
      ['{"throughput": 0, "peak_memory_bytes": 1}', 'at /throughput: must be > 0'],
      ['{"throughput": 1, "peak_memory_bytes": -5}', 'at /peak_memory_bytes: must be > 0'],
      ['{"throughput": [1, 0], "peak_memory_bytes": 1}', 'at /throughput: must be number'],
      ['{"throughput": 1, "peak_memory_bytes": []}', 'at /peak_memory_bytes: must be number'],
      ['{"throughput": 1, "peak_memory_bytes": [1, 0]}', 'at /peak_memory_bytes: must be number'],
    ] as const) {
      writeFileSync(path, body);
      await expect(readRunEvidence(path), body).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path, message: `not a valid run figures file: ${problem}` });
    }
  });

  it('reads one figure or one per run, each as a list of runs', async () => {
    const path = join(await temporaryDirectory(), 'run.json');
    writeFileSync(path, '{"throughput": 41.5, "peak_memory_bytes": [1e9, 2e9]}');
    expect((await readRunEvidence(path)).content).toEqual({ throughput: [41.5], peakMemoryBytes: [1e9, 2e9] });
    writeFileSync(path, '{"throughput": [40, 41], "peak_memory_bytes": 3e9}');
    expect((await readRunEvidence(path)).content).toEqual({ throughput: [40, 41], peakMemoryBytes: [3e9] });
  });
});

describe('readEvaluationSet', () => {
  it('reads every id with its capability and slice tags, and the digest of the bytes read', async () => {
    const path = join(await temporaryDirectory(), 'set.jsonl');
    writeFileSync(path, '{"id": 1, "capability": "math", "slices": ["long"], "prompt": "p"}\n{"id": "b"}\n');
    const set = await readEvaluationSet(path);
    expect(set.content).toEqual([{ id: '1', tags: ['capability:math', 'slice:long'] }, { id: 'b', tags: [] }]);
    const { createHash } = await import('node:crypto');
    expect(set.digest).toBe(`sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
  });

  it('reads a set larger than a document may be, up to the evidence limit', async () => {
    // 18,000 examples with 1 KiB prompts: about 18.6 MB, past the 16 MiB limit of other documents.
    const path = join(await temporaryDirectory(), 'set.jsonl');
    const prompt = 'p'.repeat(1024);
    writeFileSync(path, Array.from({ length: 18_000 }, (_, i) => `{"id": ${i}, "prompt": "${prompt}"}\n`).join(''));
    expect(statSync(path).size).toBeGreaterThan(16 * 1024 * 1024);
    expect((await readEvaluationSet(path)).content).toHaveLength(18_000);
  });

  it('refuses a set larger than the gate judges before parsing it', async () => {
    const path = join(await temporaryDirectory(), 'set.jsonl');
    writeFileSync(path, '\n'.repeat(MAX_EXAMPLES));
    await expect(readEvaluationSet(path)).rejects.toMatchObject({ message: 'no examples in the evaluation set' });
    writeFileSync(path, '\n'.repeat(MAX_EXAMPLES + 1));
    await expect(readEvaluationSet(path)).rejects.toMatchObject({ path, code: 'FILE_TOO_LARGE', message: `${MAX_EXAMPLES + 1} lines; the regression gate judges at most 2500000 examples` });
  });

  it.each([
    ['a duplicate id', '{"id": "a"}\n{"id": "a"}\n', 'row 2: duplicate id "a" (first at row 1)'],
    ['an example without an id', '{"prompt": "p"}\n', "line 1: not an evaluation example: at document: must have required property 'id'"],
    ['an id that is no string or whole number', '{"id": "a"}\n{"id": 1.5}\n', 'line 2: not an evaluation example: at /id: must be string,integer'],
    ['an empty capability', '{"id": "a", "capability": ""}\n', 'line 1: not an evaluation example: at /capability: must NOT have fewer than 1 characters'],
    ['slices that are no list', '{"id": "a", "slices": "long"}\n', 'line 1: not an evaluation example: at /slices: must be array'],
    ['an empty slice', '{"id": "a", "slices": ["long", ""]}\n', 'line 1: not an evaluation example: at /slices/1: must NOT have fewer than 1 characters'],
    ['an empty set', '\n', 'no examples in the evaluation set'],
  ])('refuses %s', async (_, text, message) => {
    const path = join(await temporaryDirectory(), 'set.jsonl');
    writeFileSync(path, text);
    await expect(readEvaluationSet(path)).rejects.toMatchObject({ path, message });
  });
});

describe('gatehouse gate regression', () => {
  const KEYS = join(ROOT, 'examples', 'keys');
  const SUBJECT = `sha256:${'c'.repeat(64)}`;
  const DEPLOYED = `sha256:${'d'.repeat(64)}`;
  const args = (candidate: string, dir: string, evaluationSet = join(EXAMPLES, 'evaluation-set.jsonl')) => [
    'gate', 'regression', '--subject', SUBJECT,
    '--candidate', join(EXAMPLES, `${candidate}.jsonl`), '--baseline', join(EXAMPLES, 'baseline.jsonl'),
    '--candidate-run', join(EXAMPLES, `${candidate}-run.json`), '--baseline-run', join(EXAMPLES, 'baseline-run.json'),
    '--deployed', DEPLOYED, '--evaluation-set', evaluationSet,
    '--policy', join(ROOT, 'bundles', 'gatehouse.tar.gz'), '--policy-key', join(KEYS, 'policy-team.pub'),
    '--signing-key', join(KEYS, 'regression-gate.key'), '--out', join(dir, 'regression.sigstore.json'), '--report-dir', join(dir, 'reports'), '--json',
  ];

  it('signs a pass with thresholds, level and resamples from the verified policy bundle, and a derived seed', async () => {
    const dir = await temporaryDirectory();
    const result = gatehouse(args('candidate-good', dir));
    expect(result.status, result.stderr).toBe(0);
    const { statement } = JSON.parse(result.stdout);
    const { predicate } = statement;
    expect(predicate.policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(predicate.thresholds.metrics.accuracy).toEqual({ direction: 'higher', tolerance: 0.01 });
    expect(predicate.resamples).toBe(2000);
    expect(predicate.seed).toBe(deriveSeed('regression', { subject: SUBJECT, baseline: DEPLOYED, evaluationSet: predicate.evaluationSet.digest }));
    expect(predicate.evidence.map((e: { role: string }) => e.role)).toEqual(['baseline-model', 'evaluation-set', 'candidate-results', 'baseline-results', 'candidate-run', 'baseline-run', 'report']);
    expect(readdirSync(join(dir, 'reports')).sort()).toEqual([expect.stringMatching(/^regression-c{12}-[0-9a-f]{12}\.json$/), expect.stringMatching(/\.md$/)]);
    const markdown = readFileSync(join(dir, 'reports', readdirSync(join(dir, 'reports')).find((name) => name.endsWith('.md'))!), 'utf8');
    expect(markdown).toMatch(/\*\*insufficient evidence\*\* when it straddles the tolerance/);
  });

  it('exits 1 for the math regression', async () => {
    const dir = await temporaryDirectory();
    expect(gatehouse(args('candidate-math-regression', dir)).status).toBe(1);
  });

  it.each([
    ['--seed', '7', /unknown option '--seed'/],
    ['--resamples', '500', /unknown option '--resamples'/],
  ])('has no %s flag: the seed is derived and resamples come from policy', async (flag, value, message) => {
    const dir = await temporaryDirectory();
    const result = gatehouse([...args('candidate-good', dir), flag, value]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(dir, 'regression.sigstore.json'))).toBe(false);
  });

  it('refuses an evaluation set given only as a digest, writing nothing', async () => {
    const dir = await temporaryDirectory();
    // The unmodified input passes (the same run with the file is the first test); the digest alone is refused.
    const result = gatehouse(args('candidate-good', dir, `sha256:${'e'.repeat(64)}`));
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`gatehouse: --evaluation-set: give the evaluation set file, not only its digest (sha256:${'e'.repeat(64)}); every example of it must be answered`);
    expect(existsSync(join(dir, 'regression.sigstore.json'))).toBe(false);
  });

  it('refuses results for ids outside the evaluation set as bad input, writing nothing', async () => {
    const dir = await temporaryDirectory();
    const set = join(dir, 'set.jsonl');
    writeFileSync(set, readFileSync(join(EXAMPLES, 'evaluation-set.jsonl'), 'utf8').split('\n').slice(0, 1999).join('\n'));
    const result = gatehouse(args('candidate-good', dir, set));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/candidate-good\.jsonl: row 2000: id "ex-1999" is not in the evaluation set/);
    expect(existsSync(join(dir, 'regression.sigstore.json'))).toBe(false);
  });
});
