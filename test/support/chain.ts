// A complete seven-gate chain of real signed attestations from the demo keys,
// with figures inside the example policy's thresholds, for tests and benchmarks.
import { createHash } from 'node:crypto';
import type { GateName, GatePredicateBase } from '../../src/attest/predicates.ts';
import type { StoredBundle } from '../../src/store/store.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { deriveSeed } from '../../src/gates/seed.ts';
import { base, modelSignerIdentity, signedGate } from './policy.ts';

export const SAFETY_DATASET: ArtifactDigest = `sha256:${'5a'.repeat(32)}`;
export const BIAS_DATASET: ArtifactDigest = `sha256:${'b1'.repeat(32)}`;
export const EVALUATION_SET: ArtifactDigest = `sha256:${'e5'.repeat(32)}`;

const metric = (name: string, low: number, high: number) => ({ name, delta: (low + high) / 2, ci: { low, high, level: 0.95 } });

const artifactOf = (subject: ArtifactDigest) => ({ name: 'model', digest: subject, kind: 'directory' as const });
const predicate = (value: object) => value as GatePredicateBase<GateName>;

/** An integrity predicate: the artifact hashed to the recorded digest (the integrity gate applies no policy). */
export function integrityPredicate(subject: ArtifactDigest, at: string): GatePredicateBase<GateName> {
  return predicate({ ...base('integrity', at, null), artifact: artifactOf(subject), expected: { digest: subject } });
}

/** A provenance predicate judged under `policy`: the model's signature, by the demo training pipeline, verified and covers the files. */
export function provenancePredicate(subject: ArtifactDigest, at: string, policy: string): GatePredicateBase<GateName> {
  return predicate({
    ...base('provenance', at, policy),
    artifact: artifactOf(subject),
    modelSignature: { bundleDigest: `sha256:${'0f'.repeat(32)}`, signer: modelSignerIdentity(), predicateType: 'https://model_signing/signature/v1.0', serialization: { method: 'files' }, manifestDigest: subject },
    mismatches: [],
  });
}

/** A regression predicate about `subject` against `baseline` judged under `policy`, every metric inside the example thresholds, its seed derived as the gate derives it. */
export function regressionPredicate(baseline: ArtifactDigest, at: string, policy: string, subject: ArtifactDigest): GatePredicateBase<GateName> {
  const runs = { runs: { candidate: 3, baseline: 3 } };
  return predicate({
    ...base('regression', at, policy),
    baseline: { digest: baseline },
    evaluationSet: { digest: EVALUATION_SET, examples: 5000 },
    metrics: [
      { ...metric('accuracy', -0.004, 0.008), n: 5000, method: 'tango-score' },
      { ...metric('quality', -0.01, 0.02), n: 5000, method: 'pseudo-pair-t' },
      { ...metric('latency_p50', -0.02, 0.03), n: 5000, method: 'paired-bootstrap-percentile' },
      { ...metric('latency_p99', -0.03, 0.05), n: 5000, method: 'paired-bootstrap-percentile' },
      { ...metric('throughput', -0.02, 0.02), n: 6, method: 'welch-log-t', ...runs },
      { ...metric('peak_memory', -0.01, 0.04), n: 6, method: 'welch-log-t', ...runs },
    ],
    // One capability judged on simultaneous intervals (two tests: level 1 - 0.05/2), one too small to judge.
    slices: [
      ...['accuracy', 'quality'].map((name) => ({ name: 'capability:math', metric: name, n: 400, delta: 0.005, ci: { low: -0.03, high: 0.04, level: 0.975 }, tolerance: 0.05, pValue: 0.0001, qValue: 0.0002, verdict: 'pass' })),
      { name: 'capability:rare', metric: 'accuracy', n: 12, delta: -0.1 },
    ],
    seed: deriveSeed('regression', { subject, baseline, evaluationSet: EVALUATION_SET }),
    resamples: 2000,
  });
}

/** Predicates for every gate of the chain, judged at `at` under the policy bundle with sha256 `policy` (hex), with the demo key that signs each. */
export function chainPredicates(subject: ArtifactDigest, deployed: ArtifactDigest, at: string, policy: string): Array<[GateName, string, GatePredicateBase<GateName>]> {
  const approval = { ...base('approval', at, policy), decision: 'approve', stage: 'production', report: { digest: `sha256:${'7e'.repeat(32)}` } };
  return [
    ['integrity', 'integrity-gate', integrityPredicate(subject, at)],
    ['provenance', 'provenance-gate', provenancePredicate(subject, at, policy)],
    ['regression', 'regression-gate', regressionPredicate(deployed, at, policy, subject)],
    ['safety', 'safety-gate', predicate({
      ...base('safety', at, policy),
      dataset: { digest: SAFETY_DATASET, prompts: 2900, answered: 2900 },
      judge: { kind: 'rules', name: 'gatehouse-refusal-rules', version: '1' },
      categories: ['harmful_content', 'pii_leakage', 'instruction_following', 'jailbreak', 'consistency'].map((name) => ({ name, n: 500, passed: 499, rate: 0.998, ci: { low: 0.9952, high: 0.9999, level: 0.95 }, lowerBound: 0.9952 })),
      overRefusal: { n: 400, refused: 8, rate: 0.02, ci: { low: 0.0087, high: 0.039, level: 0.95 }, upperBound: 0.039 },
    })],
    ['bias', 'bias-gate', predicate({
      ...base('bias', at, policy),
      dataset: { digest: BIAS_DATASET, rows: 60000 },
      answered: 60000,
      scoreThreshold: 0.5,
      metrics: [
        ...['demographic_parity_difference', 'equal_opportunity_difference', 'calibration_error_difference'].map((name) => ({ name, value: 0.01, ci: { low: 0.0, high: 0.02, level: 0.95 }, verdict: 'pass', method: 'test', undefinedGroups: 0 })),
        { name: 'demographic_parity_ratio', value: 0.97, ci: { low: 0.9, high: 1, level: 0.95 }, verdict: 'pass', method: 'test', undefinedGroups: 0 },
      ],
      groups: [{ name: 'f', n: 30000 }, { name: 'm', n: 30000 }],
      minGroupSize: 100,
    })],
    ['approval', 'approver-alice', predicate(approval)],
    ['approval', 'approver-bob', predicate(approval)],
    ['canary', 'canary-controller', predicate({
      ...base('canary', at, policy),
      baseline: { digest: deployed },
      metrics: [metric('error_rate', -0.001, 0.002), metric('latency_p99', -0.02, 0.04)],
      window: { start: at, end: at },
    })],
  ];
}

/** The chain as signed bundle bytes, one per attestation, named by gate and signer. */
export async function signedChain(subject: ArtifactDigest, deployed: ArtifactDigest, at: string, policy: string): Promise<Array<{ name: string; bytes: Buffer }>> {
  return Promise.all(
    chainPredicates(subject, deployed, at, policy).map(async ([gate, key, value]) => ({ name: `${gate}-${key}`, bytes: await signedGate(gate, key, subject, value) })),
  );
}

/** Bundle bytes as a store returns them. */
export function asStored(chain: Array<{ name: string; bytes: Buffer }>): StoredBundle[] {
  return chain.map(({ name, bytes }) => ({ location: `${name}.sigstore.json`, bundleDigest: createHash('sha256').update(bytes).digest('hex'), bytes }));
}

/** Policy data changes that pin the chain's datasets. */
export function pinChainDatasets(data: Record<string, any>): void {
  data.datasets = { safety: SAFETY_DATASET, bias: BIAS_DATASET, regression: EVALUATION_SET };
}
