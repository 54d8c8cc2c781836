import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateRegression, type RegressionThresholds } from '../../src/gates/regression/evaluate.ts';
import { readExampleResults, readRunFigures, type ExampleResult } from '../../src/gates/regression/results.ts';
import { ROOT, gatehouse, temporaryDirectory } from '../helpers.ts';
import { exampleRegressionThresholds } from '../support/policy.ts';

const EXAMPLES = join(ROOT, 'examples', 'regression');
const THRESHOLDS: RegressionThresholds = await exampleRegressionThresholds();
const CONFIG = { thresholds: THRESHOLDS, policyDigest: null, evaluatedAt: '2026-11-22T10:00:00Z', seed: 1, resamples: 1000, level: 0.95 };
const DIGESTS = { baselineDigest: `sha256:${'d'.repeat(64)}`, evaluationSetDigest: `sha256:${'e'.repeat(64)}` };

async function example(name: string) {
  return {
    candidate: await readExampleResults(join(EXAMPLES, `${name}.jsonl`)),
    baseline: await readExampleResults(join(EXAMPLES, 'baseline.jsonl')),
    candidateRun: await readRunFigures(join(EXAMPLES, `${name}-run.json`)),
    baselineRun: await readRunFigures(join(EXAMPLES, 'baseline-run.json')),
    ...DIGESTS,
  };
}

describe('evaluateRegression', () => {
  it('passes a candidate that is no worse anywhere, with every metric inside its tolerance', async () => {
    const report = await evaluateRegression(await example('candidate-good'), CONFIG);
    expect(report.predicate.reasons).toEqual([]);
    expect(report.predicate.verdict).toBe('pass');
    expect(report.predicate.metrics.map((m) => m.name).sort()).toEqual(Object.keys(THRESHOLDS.metrics).sort());
    expect(report.predicate.metrics.every((m) => m.verdict === 'pass')).toBe(true);
    expect(report.predicate.evaluationSet.examples).toBe(2000);
  });

  it('fails a candidate that is better on average but worse at math, naming the slice', async () => {
    const report = await evaluateRegression(await example('candidate-math-regression'), CONFIG);
    const accuracy = report.predicate.metrics.find((m) => m.name === 'accuracy')!;
    expect(accuracy.delta).toBeGreaterThan(0);
    expect(report.predicate.verdict).toBe('fail');
    const math = report.predicate.slices!.find((s) => s.name === 'capability:math' && s.metric === 'accuracy')!;
    expect(math.verdict).toBe('fail');
    expect(math.qValue).toBeLessThan(0.05);
    expect(report.predicate.reasons.join('\n')).toMatch(/slice capability:math: accuracy changed by -0\.1/);
  });

  it('is reproducible from its seed', async () => {
    const inputs = await example('candidate-good');
    expect((await evaluateRegression(inputs, CONFIG)).predicate).toEqual((await evaluateRegression(inputs, CONFIG)).predicate);
    const quality = async (seed: number) => (await evaluateRegression(inputs, { ...CONFIG, seed })).predicate.metrics.find((m) => m.name === 'quality')!.ci;
    expect(await quality(2)).not.toEqual(await quality(1));
  });

  it('fails a clear accuracy drop and reports too little data as insufficient evidence, never a pass', async () => {
    const make = (n: number, correct: (i: number) => number): ExampleResult[] =>
      Array.from({ length: n }, (_, i) => ({ id: `e${i}`, metrics: { accuracy: correct(i) }, tags: [] }));
    const thresholds: RegressionThresholds = { metrics: { accuracy: { direction: 'higher', tolerance: 0.01 } } };
    const dropped = await evaluateRegression({ candidate: make(1000, (i) => (i % 10 < 7 ? 1 : 0)), baseline: make(1000, (i) => (i % 10 < 8 ? 1 : 0)), ...DIGESTS }, { ...CONFIG, thresholds });
    expect(dropped.predicate.verdict).toBe('fail');
    const tiny = await evaluateRegression({ candidate: make(12, (i) => i % 2), baseline: make(12, (i) => (i + 1) % 2), ...DIGESTS }, { ...CONFIG, thresholds });
    expect(tiny.predicate.verdict).toBe('insufficient-evidence');
  });

  it('reports unpaired examples and a latency tail regression the median does not show', async () => {
    const baseline: ExampleResult[] = Array.from({ length: 2000 }, (_, i) => ({ id: `e${i}`, metrics: { accuracy: 1 }, tags: [], latencyMs: 100 + (i % 100) }));
    const candidate = baseline.map((r, i) => ({ ...r, latencyMs: i % 40 === 0 ? r.latencyMs! * 4 : r.latencyMs! }));
    candidate.push({ id: 'only-candidate', metrics: { accuracy: 1 }, tags: [], latencyMs: 100 });
    const thresholds: RegressionThresholds = { metrics: { latency_p50: { direction: 'lower', tolerance: 0.1 }, latency_p99: { direction: 'lower', tolerance: 0.1 } } };
    const report = await evaluateRegression({ candidate, baseline, ...DIGESTS }, { ...CONFIG, thresholds });
    expect(report.unmatchedIds.candidate).toEqual(['only-candidate']);
    expect(report.predicate.unmatched).toEqual({ candidate: 1, baseline: 0 });
    expect(report.predicate.metrics.find((m) => m.name === 'latency_p50')!.verdict).toBe('pass');
    expect(report.predicate.metrics.find((m) => m.name === 'latency_p99')!.verdict).toBe('fail');
  });

  it('is insufficient evidence when a metric the policy requires was not measured', async () => {
    const inputs = await example('candidate-good');
    const { candidateRun: _c, baselineRun: _b, ...withoutRuns } = inputs;
    const report = await evaluateRegression(withoutRuns, CONFIG);
    expect(report.predicate.verdict).toBe('insufficient-evidence');
    expect(report.predicate.reasons.join('\n')).toMatch(/throughput needs run figures/);
  });

  it('cannot pass throughput or memory on a single run of a model', async () => {
    const inputs = await example('candidate-good');
    const single = { throughput: inputs.candidateRun!.throughput.slice(0, 1), peakMemoryBytes: inputs.candidateRun!.peakMemoryBytes.slice(0, 1) };
    const report = await evaluateRegression({ ...inputs, candidateRun: single }, CONFIG);
    expect(report.predicate.verdict).toBe('insufficient-evidence');
    expect(report.predicate.metrics.filter((m) => m.verdict === 'insufficient-evidence').map((m) => m.name).sort()).toEqual(['peak_memory', 'throughput']);
    expect(report.predicate.reasons.join('\n')).toMatch(/throughput needs at least 2 runs of each model/);
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

describe('gatehouse gate regression', () => {
  const KEYS = join(ROOT, 'examples', 'keys');
  const args = (candidate: string, dir: string) => [
    'gate', 'regression', '--subject', `sha256:${'c'.repeat(64)}`,
    '--candidate', join(EXAMPLES, `${candidate}.jsonl`), '--baseline', join(EXAMPLES, 'baseline.jsonl'),
    '--candidate-run', join(EXAMPLES, `${candidate}-run.json`), '--baseline-run', join(EXAMPLES, 'baseline-run.json'),
    '--deployed', `sha256:${'d'.repeat(64)}`, '--evaluation-set', join(EXAMPLES, 'evaluation-set.jsonl'),
    '--policy', join(ROOT, 'bundles', 'gatehouse.tar.gz'), '--policy-key', join(KEYS, 'policy-team.pub'),
    '--resamples', '500', '--key', join(KEYS, 'regression-gate.key'), '--out', join(dir, 'regression.sigstore.json'), '--report-dir', join(dir, 'reports'), '--json',
  ];

  it('signs a pass with thresholds from the verified policy bundle and writes the report beside it', async () => {
    const dir = await temporaryDirectory();
    const result = gatehouse(args('candidate-good', dir));
    expect(result.status, result.stderr).toBe(0);
    const { statement } = JSON.parse(result.stdout);
    expect(statement.predicate.policy.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(statement.predicate.thresholds.metrics.accuracy).toEqual({ direction: 'higher', tolerance: 0.01 });
    expect(statement.predicate.evidence.map((e: { role: string }) => e.role)).toEqual(['baseline-model', 'evaluation-set', 'report']);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(dir, 'reports')).sort()).toEqual([expect.stringMatching(/^regression-c{12}-[0-9a-f]{12}\.json$/), expect.stringMatching(/\.md$/)]);
  });

  it('exits 1 for the math regression', async () => {
    const dir = await temporaryDirectory();
    expect(gatehouse(args('candidate-math-regression', dir)).status).toBe(1);
  });

  it.each([
    ['--resamples', '1', /--resamples: expected 100 to \d+, got 1/],
    ['--seed', String(2 ** 50), /--seed: expected 0 to 281474976710656, got 1125899906842624/],
  ])('refuses %s %s as bad input, writing nothing', async (flag, value, message) => {
    const dir = await temporaryDirectory();
    const result = gatehouse([...args('candidate-good', dir), flag, value]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(message);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(dir, 'regression.sigstore.json'))).toBe(false);
  });
});
