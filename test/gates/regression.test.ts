import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attestGate } from '../../src/gates/gate.ts';
import { evaluateRegression, nonInferiority, type RegressionInputs, type RegressionThresholds } from '../../src/gates/regression/evaluate.ts';
import { MAX_EXAMPLES, readEvaluationSet, readExampleResults, readResultsEvidence, readRunEvidence, type EvaluationExample, type EvidenceFile, type ExampleResult, type RunFigures } from '../../src/gates/regression/results.ts';
import { deriveSeed } from '../../src/gates/seed.ts';
import { InputError } from '../../src/error.ts';
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
    const table = await write(JSON.stringify({ columns: ['id', 'inputs', 'exact_match', 'latency_ms'], data: [['q1', 'what?', 1, 120.5], ['q2', 'why?', 0, 98]] }), 'table.json');
    expect(await readExampleResults(table, 'mlflow')).toEqual([
      { id: 'q1', metrics: { exact_match: 1 }, tags: [], latencyMs: 120.5 },
      { id: 'q2', metrics: { exact_match: 0 }, tags: [], latencyMs: 98 },
    ]);
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
