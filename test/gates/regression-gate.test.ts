// The regression gate's entry points in process (regressionGate, runRegressionGate,
// regressionThresholdsFrom): what they read, which thresholds and seed they judge
// with, what they sign and deliver. Small evaluation sets, so each test takes
// milliseconds; test/gates/regression.test.ts judges the figures themselves.
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as parallel from '../../src/stats/parallel.ts';
import type { RegressionPredicate } from '../../src/attest/predicates.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import type { RegressionThresholds } from '../../src/gates/regression/evaluate.ts';
import { regressionGate, regressionThresholdsFrom, runRegressionGate, type RegressionGateRequest } from '../../src/gates/regression/index.ts';
import { readEvaluationSet, readResultsEvidence, readRunEvidence } from '../../src/gates/regression/results.ts';
import { deriveSeed } from '../../src/gates/seed.ts';
import type { GateContext } from '../../src/gates/workflow.ts';
import { readPublicKey } from '../../src/keys/keys.ts';
import { readPolicyBundle, type VerifiedPolicyBundle } from '../../src/policy/bundle.ts';
import type { SigningOptions } from '../../src/sign/attest.ts';
import { ROOT } from '../helpers.ts';
import { demoSigner } from '../support/policy.ts';
import { InputError } from '../../src/error.ts';
import { refusal } from '../support/refusal.ts';
import { memorySink } from '../support/sink.ts';

// The latency bootstrap's jobs, as the gate hands them over (the bootstrap itself runs unchanged).
vi.mock('../../src/stats/parallel.ts', async (original) => {
  const actual = await original<typeof parallel>();
  return { ...actual, runBootstraps: vi.fn(actual.runBootstraps) };
});

const SUBJECT = `sha256:${'c'.repeat(64)}` as ArtifactDigest;
const DEPLOYED = `sha256:${'d'.repeat(64)}` as ArtifactDigest;
const JUDGED = new Date('2026-11-30T10:00:00Z');
const N = 40;

let shipped: VerifiedPolicyBundle;
let signing: SigningOptions;
beforeAll(async () => {
  shipped = await readPolicyBundle(join(ROOT, 'bundles', 'gatehouse.tar.gz'), await readPublicKey(join(ROOT, 'examples', 'keys', 'policy-team.pub')));
  signing = await demoSigner('regression-gate');
});

/** The shipped bundle with its regression thresholds replaced (the digest and source stay the shipped bundle's). */
function withRegression(regression: Partial<RegressionThresholds>): VerifiedPolicyBundle {
  const shippedRegression = (shipped.data['gatehouse'] as { thresholds: { regression: RegressionThresholds } }).thresholds.regression;
  return { ...shipped, data: { gatehouse: { thresholds: { regression: { ...shippedRegression, ...regression } } } } };
}

// 40 examples decide a tolerance of 0.2, not of 0.01.
const ACCURACY = { metrics: { accuracy: { direction: 'higher' as const, tolerance: 0.2 } } };
const bytes = (name: string, text: string) => ({ name, bytes: Buffer.from(text) });
const jsonl = (rows: object[]) => rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
const evaluationSet = (n = N) => bytes('set.jsonl', jsonl(Array.from({ length: n }, (_, i) => ({ id: `e${i}` }))));
/** Results in gatehouse's own format: example i is right unless `wrong(i)`. */
const answers = (name: string, wrong: (i: number) => boolean = () => false) => bytes(name, jsonl(Array.from({ length: N }, (_, i) => ({ id: `e${i}`, metrics: { accuracy: wrong(i) ? 0 : 1 } }))));
/** The same results as an MLflow evaluation table. */
const table = (name: string) => bytes(name, JSON.stringify({ columns: ['id', 'accuracy'], data: Array.from({ length: N }, (_, i) => [`e${i}`, 1]) }));

function request(patch: Partial<RegressionGateRequest> = {}): RegressionGateRequest {
  return { subject: SUBJECT, evaluationSet: evaluationSet(), candidate: answers('candidate.jsonl'), baseline: answers('baseline.jsonl'), deployed: DEPLOYED, policy: withRegression(ACCURACY), ...patch };
}

const context = (sink = memorySink()): GateContext & { sink: ReturnType<typeof memorySink> } => ({ evaluatedAt: JUDGED, signing, sink });

describe('regressionThresholdsFrom', () => {
  it('reads the thresholds policy data gives, ranges included', () => {
    const thresholds = { metrics: { accuracy: { direction: 'higher' as const, tolerance: 0.01, range: [0, 1] as [number, number] }, rating: { direction: 'higher' as const, tolerance: 0.1, range: [-1, 5] as [number, number] } } };
    expect(regressionThresholdsFrom(withRegression(thresholds)).metrics).toEqual(thresholds.metrics);
  });

  it.each([
    ['a range of one value', [3, 3]],
    ['a range whose ends are the wrong way round', [5, 1]],
  ])('refuses %s, on any metric, naming the policy data', (_, range) => {
    // The first metric's range is fine; the second's is empty.
    const policy = withRegression({ metrics: { accuracy: { direction: 'higher', tolerance: 0.01, range: [0, 1] }, rating: { direction: 'higher', tolerance: 0.1, range: range as [number, number] } } });
    expect(refusal(() => regressionThresholdsFrom(policy), InputError)).toMatchObject({ code: 'SCHEMA_INVALID', message: `regression thresholds: metric rating has an empty range [${range.join(', ')}]`, path: `${shipped.source}:data.json` });
  });
});

describe('regressionGate', () => {
  it('reads, judges with the policy\'s thresholds and a seed derived from what is judged, signs and delivers', async () => {
    const sink = memorySink();
    const outcome = await regressionGate(request(), context(sink));
    const predicate = outcome.statement.predicate as RegressionPredicate;
    expect(outcome.statement.subject).toEqual([{ name: expect.any(String), digest: { sha256: 'c'.repeat(64) } }]);
    expect(predicate.verdict).toBe('pass');
    expect(predicate.thresholds).toMatchObject(ACCURACY);
    expect(predicate.policy).toEqual({ digest: `sha256:${shipped.digest}` });
    expect(predicate.evaluatedAt).toBe('2026-11-30T10:00:00Z');
    const set = await readEvaluationSet(evaluationSet());
    expect(predicate.seed).toBe(deriveSeed('regression', { subject: SUBJECT, baseline: DEPLOYED, evaluationSet: set.digest }));
    expect(predicate.evidence.map((e) => e.role)).toEqual(['baseline-model', 'evaluation-set', 'candidate-results', 'baseline-results', 'report']);
    expect(predicate.evidence[0]!.digest).toBe(DEPLOYED);
    // Delivered: the attestation once, the report as JSON and Markdown, and the report returned is the one delivered.
    expect(sink.attestations).toHaveLength(1);
    expect(sink.reports).toHaveLength(1);
    const [, json, markdown] = sink.reports[0]!;
    expect(JSON.parse(json)).toEqual({ subject: { name: SUBJECT, digest: SUBJECT }, ...JSON.parse(JSON.stringify(outcome.report)) });
    expect(markdown).toMatch(/^# Regression gate: PASS/m);
    // The signed predicate is the report's, with the digest of the report delivered.
    expect(predicate).toEqual({ ...outcome.report.predicate, evidence: [...outcome.report.predicate.evidence, { role: 'report', digest: `sha256:${sha256Hex(json)}` }] });
  });

  it('derives a new seed from each of the subject, the deployed model and the evaluation set', async () => {
    const seedOf = async (patch: Partial<RegressionGateRequest>) => ((await regressionGate(request(patch), context())).statement.predicate as RegressionPredicate).seed;
    const seeds = [await seedOf({}), await seedOf({ subject: `sha256:${'e'.repeat(64)}` }), await seedOf({ deployed: `sha256:${'f'.repeat(64)}` }), await seedOf({ evaluationSet: bytes('set.jsonl', jsonl(Array.from({ length: N }, (_, i) => ({ id: `e${i}`, slices: ['all'] })))) })];
    expect(new Set(seeds).size).toBe(4);
  });

  it('fails a candidate that regressed, judged against the deployed model\'s results', async () => {
    const outcome = await regressionGate(request({ candidate: answers('candidate.jsonl', (i) => i % 2 === 0) }), context());
    expect(outcome.statement.predicate).toMatchObject({ verdict: 'fail' });
  });

  it('reads both results files in the format given, and gatehouse\'s own when none is', async () => {
    const mlflow = await regressionGate(request({ candidate: table('candidate.json'), baseline: table('baseline.json'), format: 'mlflow' }), context());
    expect(mlflow.statement.predicate).toMatchObject({ verdict: 'pass' });
    // The same tables read as gatehouse JSON lines are refused, naming the file.
    await expect(regressionGate(request({ candidate: table('candidate.json'), baseline: table('baseline.json') }), context())).rejects.toMatchObject({ code: 'SCHEMA_INVALID', path: expect.stringMatching(/^(candidate|baseline)\.json$/) });
  });

  it('reads and records both run files when given', async () => {
    const run = (name: string, throughput: number[]) => bytes(name, JSON.stringify({ throughput, peak_memory_bytes: [1000, 1001, 999] }));
    const thresholds = { metrics: { ...ACCURACY.metrics, throughput: { direction: 'higher' as const, tolerance: 0.05 } } };
    const outcome = await regressionGate(request({ policy: withRegression(thresholds), candidateRun: run('candidate-run.json', [101, 100, 102]), baselineRun: run('baseline-run.json', [100, 101, 100]) }), context());
    const predicate = outcome.statement.predicate as RegressionPredicate;
    expect(predicate.evidence.map((e) => e.role)).toEqual(['baseline-model', 'evaluation-set', 'candidate-results', 'baseline-results', 'candidate-run', 'baseline-run', 'report']);
    const expected = await Promise.all([readRunEvidence(run('candidate-run.json', [101, 100, 102])), readRunEvidence(run('baseline-run.json', [100, 101, 100]))]);
    expect(predicate.evidence.slice(4, 6).map((e) => e.digest)).toEqual(expected.map((e) => e.digest));
    expect(predicate.metrics.find((m) => m.name === 'throughput')).toMatchObject({ n: 6 }); // three runs of each model
  });

  it('draws exactly the resamples policy data sets for latency, in two halves with seeds of their own, the first half the larger', async () => {
    const timed = (name: string) => bytes(name, jsonl(Array.from({ length: N }, (_, i) => ({ id: `e${i}`, metrics: { accuracy: 1 }, latency_ms: 100 + ((i * 7) % 13) }))));
    const thresholds = { metrics: { ...ACCURACY.metrics, latency_p50: { direction: 'lower' as const, tolerance: 0.5 } }, resamples: 201 };
    vi.mocked(parallel.runBootstraps).mockClear();
    const outcome = await regressionGate(request({ candidate: timed('candidate.jsonl'), baseline: timed('baseline.jsonl'), policy: withRegression(thresholds) }), context());
    const predicate = outcome.statement.predicate as RegressionPredicate;
    expect(predicate.resamples).toBe(201);
    expect(predicate.metrics.map((m) => m.name)).toEqual(['accuracy', 'latency_p50']);
    const jobs = vi.mocked(parallel.runBootstraps).mock.calls.flatMap(([given]) => given);
    expect(jobs.map((job) => job.options.resamples)).toEqual([101, 100]);
    expect(jobs[0]!.options.seed).toBe(predicate.seed);
    expect(jobs[1]!.options.seed).not.toBe(predicate.seed);
  });

  it('refuses an evaluation set given only as a digest, before reading or signing anything', async () => {
    const sink = memorySink();
    const digest = `sha256:${'e'.repeat(64)}`;
    await expect(regressionGate(request({ evaluationSet: digest, candidate: '/nonexistent/candidate.jsonl' }), context(sink))).rejects.toMatchObject({
      code: 'USAGE',
      message: `--evaluation-set: give the evaluation set file, not only its digest (${digest}); every example of it must be answered`,
    });
    expect(sink.attestations).toEqual([]);
  });

  it('takes an evaluation set file whatever its name, and refuses one that is missing by its path', async () => {
    await expect(regressionGate(request({ evaluationSet: '/nonexistent/sha256-set.jsonl' }), context())).rejects.toMatchObject({ path: '/nonexistent/sha256-set.jsonl' });
  });
});

describe('runRegressionGate', () => {
  it('judges read evidence under the bundle given, with no run files unless given', async () => {
    const set = await readEvaluationSet(evaluationSet());
    const [candidate, baseline] = await Promise.all([readResultsEvidence(answers('candidate.jsonl')), readResultsEvidence(answers('baseline.jsonl'))]);
    const run = await runRegressionGate({ subject: { name: 'model', digest: SUBJECT }, evaluationSet: set, candidate, baseline, baselineDigest: DEPLOYED, policy: withRegression(ACCURACY), evaluatedAt: JUDGED, signing });
    expect(run.statement.subject).toEqual([{ name: 'model', digest: { sha256: 'c'.repeat(64) } }]);
    expect(run.report.predicate.evidence.map((e) => e.role)).not.toContain('candidate-run');
    expect(run.report.predicate.evaluationSet.digest).toBe(set.digest);
    expect(run.markdown).toContain('Regression gate');
  });

  it('refuses policy data with an empty range before judging', async () => {
    const set = await readEvaluationSet(evaluationSet());
    const [candidate, baseline] = await Promise.all([readResultsEvidence(answers('candidate.jsonl')), readResultsEvidence(answers('baseline.jsonl'))]);
    const policy = withRegression({ metrics: { accuracy: { direction: 'higher', tolerance: 0.01, range: [1, 0] } } });
    await expect(runRegressionGate({ subject: { name: 'model', digest: SUBJECT }, evaluationSet: set, candidate, baseline, baselineDigest: DEPLOYED, policy, evaluatedAt: JUDGED, signing })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });
});
