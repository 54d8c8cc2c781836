// A complete chain (every gate of the example production stage) of real signed attestations from the demo keys,
// with figures inside the example policy's thresholds, for tests and benchmarks.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { CanaryMetricResult, CanaryPredicate, GateName, GatePredicateBase } from '../../src/attest/predicates.ts';
import type { StoredBundle } from '../../src/store/store.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { deriveSeed } from '../../src/gates/seed.ts';
import { base, DEMO_KEYS, demoSigner, modelSignerIdentity, signedGate } from './policy.ts';
import { APPROVAL_REQUEST_TYPE, deepReviewOutcome, reviewItems, type ApprovalRequestPredicate } from '../../src/approval/statements.ts';
import { packetDigests } from '../../src/approval/state.ts';
import { sha256Hex } from '../../src/digest/sha256.ts';
import { gateRegistry } from '../../src/gates/registry.ts';
import { attestPredicate } from '../../src/sign/attest.ts';
import { reviewedGate } from '../../src/approval/state.ts';
import { QUANTILE_METHOD } from '../../src/gates/canary/evaluate.ts';
import { ARMS, armMatcher, expandTemplate, expectedSteps, metricTemplates } from '../../src/gates/canary/plan.ts';
import { SEQUENTIAL_METHOD } from '../../src/gates/canary/sequential.ts';
import type { CanaryThresholds } from '../../src/gates/canary/definition.ts';
import { ROOT } from './paths.ts';
import { createPublicKey } from 'node:crypto';
import { keyFingerprint } from '../../src/keys/keys.ts';
import { exactMcNemarGreater } from '../../src/stats/hypothesis-tests.ts';
import { BUILTIN_TRIGGER_SET, BUILTIN_TRIGGERS } from '../../src/gates/backdoor/triggers.ts';

export const SAFETY_DATASET: ArtifactDigest = `sha256:${'5a'.repeat(32)}`;
export const BIAS_DATASET: ArtifactDigest = `sha256:${'b1'.repeat(32)}`;
export const EVALUATION_SET: ArtifactDigest = `sha256:${'e5'.repeat(32)}`;
export const ROBUSTNESS_DATASET: ArtifactDigest = `sha256:${'a7'.repeat(32)}`;
export const BACKDOOR_INPUTS: ArtifactDigest = `sha256:${'bd'.repeat(32)}`;

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

/** A robustness predicate judged under `policy`: every attack family of the example policy, 0 of 120 attacks successful. */
export function robustnessPredicate(at: string, policy: string): GatePredicateBase<GateName> {
  const families = ['jailbreak_obfuscation', 'jailbreak_prefix_injection', 'jailbreak_roleplay', 'prompt_injection_direct', 'prompt_injection_indirect_context', 'prompt_injection_indirect_tool'];
  return predicate({
    ...base('robustness', at, policy),
    source: { format: 'gatehouse', digest: `sha256:${'a8'.repeat(32)}` },
    measure: 'attack-success',
    dataset: { digest: ROBUSTNESS_DATASET, attacks: 720, answered: 720 },
    judge: { name: 'gatehouse-canary', version: '1' },
    trials: 720,
    unanswered: 0,
    families: families.map((name) => ({ name, n: 120, hits: 0, rate: 0, ci: { low: 0, high: 0.0303, level: 0.95 }, upperBound: 0.0303, maximum: 0.05, verdict: 'pass' })),
  });
}

/** A backdoor scan judged under `policy` against `deployed`: the built-in triggers, none standing out (10 inputs changed for each model alone). */
export function backdoorPredicate(deployed: ArtifactDigest, at: string, policy: string): GatePredicateBase<GateName> {
  const p = exactMcNemarGreater(10, 10);
  return predicate({
    ...base('backdoor', at, policy),
    baseline: { digest: deployed },
    dataset: { digest: BACKDOOR_INPUTS, inputs: 300 },
    triggers: { set: BUILTIN_TRIGGER_SET, digest: `sha256:${'b0'.repeat(32)}`, builtin: BUILTIN_TRIGGERS.length, user: 0 },
    behaviours: ['refusal'],
    scoreShift: 0.2,
    fdr: 0.05,
    method: { test: 'exact-mcnemar-one-sided', correction: 'benjamini-hochberg' },
    missing: { candidate: 0, reference: 0 },
    results: BUILTIN_TRIGGERS.map((t) => ({ trigger: t.id, kind: t.kind, n: 300, candidateChanged: 20, referenceChanged: 20, candidateOnly: 10, referenceOnly: 10, changes: { label: 0, refusal: 20, score: 0, missing: 0 }, pValue: p, qValue: p, flagged: false })),
    flagged: [],
    limitations: ['A trigger outside the scanned set is not tested.'],
  });
}

/** The canary settings of the example policy data (policies/data/thresholds.yaml). */
export const EXAMPLE_CANARY: CanaryThresholds = (parse(readFileSync(join(ROOT, 'policies', 'data', 'thresholds.yaml'), 'utf8')) as { thresholds: { canary: CanaryThresholds } }).thresholds.canary;

// Medians of the example canary metrics on the deployed model (an unknown metric's is 0.5).
const CANARY_MEDIANS: Record<string, number> = { error_rate: 0.004, latency_p99: 0.8, positive_feedback_rate: 0.7, safety_flag_rate: 0.002 };

/** When the chain's canary ran: from the approvals (`at`) for half an hour, judged a minute after it ended. */
export function canaryTimes(at: string): { window: { start: string; end: string }; evaluatedAt: string } {
  const start = Date.parse(at);
  return { window: { start: rfc3339(start), end: rfc3339(start + 1_800_000) }, evaluatedAt: rfc3339(start + 1_860_000) };
}

/**
 * A canary predicate as the gate records a pass under `thresholds` (the
 * example data's by default): the queries exactly as the templates expand
 * for each arm, every step of the window aligned in both arms, 5% of 100000
 * requests on the canary, and each metric's shift and interval a small part
 * of the change allowed (its interval a quarter of it either side of no
 * change).
 */
export function canaryPredicate(deployed: ArtifactDigest, times: ReturnType<typeof canaryTimes>, policy: string, thresholds: CanaryThresholds = EXAMPLE_CANARY): CanaryPredicate {
  const [start, end] = [Date.parse(times.window.start) / 1000, Date.parse(times.window.end) / 1000];
  const steps = expectedSteps({ start, end, step: thresholds.step_seconds });
  const requests = { canary: 5000, baseline: 95000 };
  const queries = (templates: readonly string[]) => Object.fromEntries(ARMS.map((arm) => [arm, templates.map((t) => expandTemplate(t, thresholds, arm))])) as { canary: string[]; baseline: string[] };
  const metrics = Object.entries(thresholds.metrics).map(([name, config]): CanaryMetricResult => {
    const median = CANARY_MEDIANS[name] ?? 0.5;
    const allowed = config.scale === 'absolute' ? config.tolerance : Math.max(config.tolerance * Math.abs(median), config.floor ?? 0);
    const delta = allowed / 8;
    return {
      name,
      series: {},
      kind: config.kind,
      ...(config.kind === 'histogram_quantile' ? { quantile: config.quantile } : {}),
      critical: config.critical,
      direction: config.direction,
      scale: config.scale,
      tolerance: config.tolerance,
      ...(config.floor === undefined ? {} : { floor: config.floor }),
      allowed,
      queries: queries(metricTemplates(config).map(([, template]) => template)),
      n: { canary: steps, baseline: steps },
      events: config.kind === 'value' ? null : requests,
      excluded: { unaligned: { canary: 0, baseline: 0 }, noTraffic: { canary: 0, baseline: 0 }, notANumber: { canary: 0, baseline: 0 } },
      coverage: 1,
      candidate: median + delta,
      baseline: median,
      delta,
      ci: { low: delta - allowed / 4, high: delta + allowed / 4, level: 0.95 },
      failBound: config.direction === 'lower' ? delta - allowed / 2 : delta + allowed / 2,
      pValue: 0.6,
      u: (steps * steps) / 2,
      verdict: 'pass',
    };
  });
  return {
    ...base('canary', times.evaluatedAt, policy),
    baseline: { digest: deployed },
    window: times.window,
    step: thresholds.step_seconds,
    source: { kind: 'prometheus', url: 'http://prometheus.example:9090' },
    arms: { canary: armMatcher(thresholds, 'canary'), baseline: armMatcher(thresholds, 'baseline') },
    trafficShare: requests.canary / (requests.canary + requests.baseline),
    traffic: { queries: queries([thresholds.traffic]), requests },
    method: { test: 'mann-whitney-u', shift: 'hodges-lehmann', quantiles: QUANTILE_METHOD, sequential: SEQUENTIAL_METHOD },
    looks: [{ at: times.evaluatedAt, fraction: 1, alpha: 0.025 }],
    score: 100,
    metrics,
  };
}

/** The identity of a demo key, as verification names its signer. */
export function demoKeyIdentity(name: string): { kind: 'key'; keyId: string; algorithm: 'ecdsa-p256' } {
  return { kind: 'key', keyId: keyFingerprint(createPublicKey(readFileSync(join(DEMO_KEYS, `${name}.pub`)))), algorithm: 'ecdsa-p256' };
}

/** The chain's training data: a dataset the data team signed, one from an approved source, and its training code. */
export const CHAIN_DATASET: ArtifactDigest = `sha256:${'da'.repeat(32)}`;
export const CHAIN_APPROVED_DATASET: ArtifactDigest = `sha256:${'ab'.repeat(32)}`;
/** The base model the chain's model was fine-tuned from, signed by the demo model publisher. */
export const CHAIN_BASE_MODEL: ArtifactDigest = `sha256:${'ba'.repeat(32)}`;

/**
 * A data-provenance predicate judged under `policy`: SLSA provenance about
 * `subject` signed by the demo training pipeline, a dataset vouched for by the
 * demo data team, one from the example's approved source, a base model signed
 * by the demo model publisher, and the training code.
 */
export function dataProvenancePredicate(subject: ArtifactDigest, at: string, policy: string): GatePredicateBase<GateName> {
  const bundle = (byte: string) => `sha256:${byte.repeat(32)}`;
  const vouched = (bundleDigest: string, predicateType: string, signer: string, digest: string) => ({ bundleDigest, predicateType, signer: demoKeyIdentity(signer), subjects: [digest] });
  return predicate({
    ...base('data-provenance', at, policy),
    evidence: [{ role: 'provenance', digest: bundle('01') }, { role: 'dataset-attestation', digest: bundle('02') }, { role: 'base-model-signature', digest: bundle('03') }],
    provenance: { bundleDigest: bundle('01'), predicateType: 'https://slsa.dev/provenance/v1', subjects: [subject], buildType: 'https://gatehouse.dev/examples/train/v1', builder: 'https://ci.example/trainer', signer: modelSignerIdentity() },
    materials: [
      { uri: 'https://data.example/private/chat.jsonl', name: null, kind: 'dataset', digest: CHAIN_DATASET, digests: { sha256: CHAIN_DATASET.slice(7) }, signature: vouched(bundle('02'), 'https://gatehouse.dev/attestations/dataset/v1', 'data-team', CHAIN_DATASET) },
      { uri: 'https://datasets.gatehouse.dev/approved/wiki.jsonl', name: null, kind: 'dataset', digest: CHAIN_APPROVED_DATASET, digests: { sha256: CHAIN_APPROVED_DATASET.slice(7) }, signature: null },
      { uri: null, name: 'base-model', kind: 'base-model', digest: CHAIN_BASE_MODEL, digests: { sha256: CHAIN_BASE_MODEL.slice(7) }, signature: vouched(bundle('03'), 'https://model_signing/signature/v1.0', 'model-publisher', CHAIN_BASE_MODEL) },
      { uri: 'git+https://git.example/train@refs/heads/main', name: null, kind: 'source', digest: null, digests: { gitCommit: 'a'.repeat(40) }, signature: null },
    ],
    rejected: [],
  });
}

/** A red-team predicate judged under `policy`: an engagement on `subject` that ended a day before `at`, a critical finding mitigated and a medium one open. */
export function redteamPredicate(subject: ArtifactDigest, at: string, policy: string): GatePredicateBase<GateName> {
  const end = Date.parse(at) - 86_400_000;
  return predicate({
    ...base('redteam', at, policy),
    evidence: [{ role: 'findings', digest: `sha256:${'f1'.repeat(32)}` }],
    engagement: { id: 'RT-chain', team: 'red team', scope: ['jailbreak', 'prompt injection'], start: rfc3339(end - 7 * 86_400_000), end: rfc3339(end) },
    model: { digest: subject },
    findings: [
      { id: 'RT-1', title: 'jailbreak by role play', severity: 'critical', status: 'mitigated', evidence: [`sha256:${'e1'.repeat(32)}`] },
      { id: 'RT-2', title: 'system prompt disclosure', severity: 'medium', status: 'open', evidence: [] },
    ],
  });
}

/**
 * Predicates for every automated gate of the chain (all but approval), with
 * the demo key that signs each, under the policy bundle with sha256 `policy`
 * (hex): the gates approvers review judged at `at`, the canary after them
 * (canaryTimes).
 */
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
    ['robustness', 'robustness-gate', robustnessPredicate(at, policy)],
    ['backdoor', 'backdoor-gate', backdoorPredicate(deployed, at, policy)],
    ['data-provenance', 'data-provenance-gate', dataProvenancePredicate(subject, at, policy)],
    ['redteam', 'red-team', redteamPredicate(subject, at, policy)],
    ['canary', 'canary-controller', canaryPredicate(deployed, canaryTimes(at), policy)],
  ];
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
 * gate, then an approval request for production over exactly the bundles
 * approvers review (all but the canary, which follows approval) and the
 * approvals of CHAIN_APPROVERS bound to it (signedApprovals), all at `at`;
 * the canary ran after them (canaryTimes).
 */
export async function signedChain(subject: ArtifactDigest, deployed: ArtifactDigest, at: string, policy: string): Promise<ChainBundle[]> {
  const gates = await Promise.all(
    chainPredicates(subject, deployed, at, policy).map(async ([gate, key, value]) => ({ name: `${gate}-${key}`, gate, bytes: await signedGate(gate, key, subject, value), key, predicateType: gateRegistry.get(gate)!.predicateType })),
  );
  return [...gates, ...(await signedApprovals({ subject, deployed, at, policy, stage: 'production', gates: gates.filter(({ gate }) => reviewedGate(gate)) }))];
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
  const packet = options.gates.map(({ gate, bytes }) => {
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
  data.datasets = { safety: SAFETY_DATASET, bias: BIAS_DATASET, regression: EVALUATION_SET, robustness: ROBUSTNESS_DATASET, backdoor: BACKDOOR_INPUTS };
}
