// A complete seven-gate chain of real signed attestations from the demo keys,
// with figures inside the example policy's thresholds, for tests and benchmarks.
import { createHash } from 'node:crypto';
import type { GateName, GatePredicateBase } from '../../src/attest/predicates.ts';
import type { StoredBundle } from '../../src/store/store.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { deriveSeed } from '../../src/gates/seed.ts';
import { base, demoSigner, modelSignerIdentity, signedGate } from './policy.ts';
import { APPROVAL_REQUEST_TYPE, deepReviewOutcome, reviewItems, type ApprovalRequestPredicate } from '../../src/approval/statements.ts';
import { packetDigests } from '../../src/approval/state.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { gateRegistry } from '../../src/gates/registry.ts';
import { attestPredicate } from '../../src/sign/attest.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { expandTemplate, metricTemplates } from '../../src/gates/canary/plan.ts';
import type { CanaryThresholds } from '../../src/gates/canary/thresholds.ts';
import { ROOT } from './paths.ts';
import { reviewedGate } from '../../src/approval/state.ts';

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

/** Predicates for every automated gate of the chain (all but approval), judged at `at` under the policy bundle with sha256 `policy` (hex), with the demo key that signs each. */
export function chainPredicates(subject: ArtifactDigest, deployed: ArtifactDigest, at: string, policy: string): Array<[GateName, string, GatePredicateBase<GateName>]> {
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
    ['canary', 'canary-controller', canaryPredicate(deployed, at, policy)],
  ];
}

/** The example policy's canary settings (policies/data/thresholds.yaml). */
export const EXAMPLE_CANARY = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: { canary: CanaryThresholds } }).thresholds.canary;

/**
 * A canary predicate judged under `policy` that the example policy accepts:
 * the exact queries its templates give, 30 samples per arm over a 30-minute
 * window ending a minute after `at` (when the chain's approvals are given:
 * the canary follows them), judged a minute later, every metric within
 * tolerance, 5% of traffic.
 */
export function canaryPredicate(deployed: ArtifactDigest, at: string, policy: string): GatePredicateBase<GateName> {
  const end = Date.parse(at) + 60_000;
  const arms = (template: string) => ({ canary: [expandTemplate(template, EXAMPLE_CANARY, 'canary')], baseline: [expandTemplate(template, EXAMPLE_CANARY, 'baseline')] });
  const metrics = Object.entries(EXAMPLE_CANARY.metrics).map(([name, config]) => {
    const templates = metricTemplates(config).map(([, template]) => template);
    const queries = { canary: templates.map((t) => expandTemplate(t, EXAMPLE_CANARY, 'canary')), baseline: templates.map((t) => expandTemplate(t, EXAMPLE_CANARY, 'baseline')) };
    const baseline = config.direction === 'lower' ? 0.01 : 0.8;
    return {
      name, series: {}, kind: config.kind, ...(config.kind === 'histogram_quantile' ? { quantile: config.quantile } : {}), critical: config.critical, direction: config.direction, scale: config.scale, tolerance: config.tolerance, ...(config.floor === undefined ? {} : { floor: config.floor }),
      allowed: Math.max(config.tolerance * baseline, config.floor ?? 0), queries, n: { canary: 30, baseline: 30 }, events: { canary: 18000, baseline: 342000 },
      excluded: { unaligned: { canary: 0, baseline: 0 }, noTraffic: { canary: 0, baseline: 0 }, notANumber: { canary: 0, baseline: 0 } }, coverage: 1,
      candidate: baseline, baseline, delta: 0, ci: { low: -0.0001, high: 0.0001, level: 0.95 }, failBound: -0.0001, pValue: 0.9, u: 450, verdict: 'pass',
    };
  });
  return predicate({
    ...base('canary', rfc3339(end + 60_000), policy),
    evidence: [{ role: 'samples', digest: `sha256:${'5e'.repeat(32)}` }],
    baseline: { digest: deployed },
    window: { start: rfc3339(end - 1_800_000), end: rfc3339(end) },
    step: EXAMPLE_CANARY.step_seconds,
    source: { kind: 'prometheus', url: 'http://prometheus:9090' },
    arms: { canary: 'track="canary"', baseline: 'track="baseline"' },
    trafficShare: 0.05,
    traffic: { queries: arms(EXAMPLE_CANARY.traffic), requests: { canary: 18000, baseline: 342000 } },
    method: { test: 'mann-whitney-u', shift: 'hodges-lehmann', quantiles: 'linear interpolation within the bucket', sequential: 'one look' },
    looks: [{ at: rfc3339(end + 60_000), fraction: 1, alpha: 0.025 }],
    score: 100,
    metrics,
  });
}

/** One signed bundle of the chain: named by gate and signer, with the demo key and the predicate type it was signed with. */
export interface ChainBundle {
  name: string;
  /** The gate, or approval-request. */
  gate: string;
  bytes: Buffer;
  key: string;
  predicateType: string;
}

/** The demo approvers of the chain's production request: two ML reviewers and a safety reviewer, as the example policy's high tier asks. */
export const CHAIN_APPROVERS = ['approver-alice', 'approver-bob', 'approver-carol'] as const;

/**
 * The chain as signed bundle bytes, one per attestation: every automated
 * gate, then an approval request for production over exactly their bundles
 * and the approvals of CHAIN_APPROVERS bound to it (signedApprovals).
 */
export async function signedChain(subject: ArtifactDigest, deployed: ArtifactDigest, at: string, policy: string): Promise<ChainBundle[]> {
  const gates = await Promise.all(
    chainPredicates(subject, deployed, at, policy).map(async ([gate, key, value]) => ({ name: `${gate}-${key}`, gate, bytes: await signedGate(gate, key, subject, value), key, predicateType: gateRegistry.get(gate)!.predicateType })),
  );
  return [...gates, ...(await signedApprovals({ subject, deployed, at, policy, stage: 'production', gates }))];
}

/**
 * An approval request for `stage` by the demo requester over exactly these
 * gate bundles (a nonce fixed by the subject and time, its deep-review draw
 * derived at the example policy's rate, as a high-risk request of the
 * example policy), and the approvals of `approvers` bound to it, judging
 * each deep-review item when one was drawn.
 */
export async function signedApprovals(options: {
  subject: ArtifactDigest;
  deployed: ArtifactDigest;
  at: string;
  policy: string;
  stage: string;
  gates: ReadonlyArray<{ gate: string; bytes: Buffer }>;
  approvers?: readonly string[];
}): Promise<ChainBundle[]> {
  const { subject, at, policy } = options;
  // Each item as its attestation records it: gate, verdict, and the reports and evidence it names.
  const packet = options.gates.filter(({ gate }) => reviewedGate(gate)).map(({ gate, bytes }) => {
    const predicate = JSON.parse(Buffer.from(JSON.parse(bytes.toString('utf8')).dsseEnvelope.payload, 'base64').toString('utf8')).predicate as GatePredicateBase;
    return { gate, attestation: `sha256:${sha256Hex(bytes)}`, verdict: predicate.verdict, reports: predicate.evidence };
  });
  const nonce = sha256Hex(`chain request ${subject} ${options.stage} ${at}`);
  // Requested and approved when the gates judged: a chain made just now is not from the future.
  const createdAt = rfc3339(Date.parse(at));
  const diff: [] = [];
  const request: ApprovalRequestPredicate = {
    requestId: '0c0ffee0-0000-4000-8000-000000000001',
    nonce,
    createdAt,
    deadline: rfc3339(Date.parse(createdAt) + 28_800_000),
    stage: options.stage,
    deployed: options.deployed,
    policy: { digest: `sha256:${policy}` },
    packet,
    risk: { tier: 'high', factors: [] },
    required: { approvals: 3, roles: { 'ml-reviewers': 2, 'safety-reviewers': 1 }, escalationRoles: ['release-leads'] },
    deepReview: deepReviewOutcome(nonce, reviewItems({ diff, packet }), EXAMPLE_DEEP_REVIEW.rate, EXAMPLE_DEEP_REVIEW.items),
    diff,
    checklist: ['Review the chain.'],
  };
  const requestBytes = Buffer.from(JSON.stringify((await attestPredicate({ name: 'model', digest: subject }, APPROVAL_REQUEST_TYPE, request, await demoSigner('release-manager'))).bundle));
  const requestDigest = `sha256:${sha256Hex(requestBytes)}`;
  const approvedAt = createdAt;
  const approvals = await Promise.all(
    (options.approvers ?? CHAIN_APPROVERS).map(async (key) => {
      const approval = {
        ...base('approval', approvedAt, policy),
        evidence: packet.map((item) => ({ role: `reviewed-${item.gate}`, digest: item.attestation })),
        decision: 'approve',
        stage: options.stage,
        request: { id: request.requestId, nonce, digest: requestDigest },
        reviewed: packetDigests(request),
        justification: 'reviewed the packet',
        ...(request.deepReview.selected ? { findings: request.deepReview.items.map((item) => ({ item, judgment: 'ok' })) } : {}),
      };
      return { name: `approval-${key}`, gate: 'approval', bytes: await signedGate('approval', key, subject, predicate(approval)), key, predicateType: gateRegistry.get('approval')!.predicateType };
    }),
  );
  return [{ name: 'approval-request-release-manager', gate: 'approval-request', bytes: requestBytes, key: 'release-manager', predicateType: APPROVAL_REQUEST_TYPE }, ...approvals];
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** The example policy's deep-review settings (policies/data/approval.yaml). */
export const EXAMPLE_DEEP_REVIEW = { rate: 0.2, items: 3 };

/** Bundle bytes as a store returns them. */
export function asStored(chain: ReadonlyArray<{ name: string; bytes: Buffer }>): StoredBundle[] {
  return chain.map(({ name, bytes }) => ({ location: `${name}.sigstore.json`, bundleDigest: createHash('sha256').update(bytes).digest('hex'), bytes }));
}

/** Policy data changes that pin the chain's datasets. */
export function pinChainDatasets(data: Record<string, any>): void {
  data.datasets = { safety: SAFETY_DATASET, bias: BIAS_DATASET, regression: EVALUATION_SET };
}
