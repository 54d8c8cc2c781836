import type { SignerIdentity } from '../verify/identity.ts';
import type { Interval } from '../stats/intervals.ts';

/** The names of gatehouse's own gates (the registry in src/gates/registry.ts holds what each is, and any other gate registered). */
export type GateName = 'integrity' | 'provenance' | 'regression' | 'safety' | 'bias' | 'robustness' | 'backdoor' | 'data-provenance' | 'redteam' | 'approval' | 'canary';

/** A gate's answer. Too little evidence is its own answer, never a silent pass. */
export type GateVerdict = 'pass' | 'fail' | 'insufficient-evidence';

/** Fields every gate predicate carries. */
export interface GatePredicateBase<G extends string = string> {
  gate: G;
  verdict: GateVerdict;
  /** RFC 3339 time the gate judged the evidence (an explicit input, not the signing clock). */
  evaluatedAt: string;
  engine: { name: string; version: string };
  /** Why the verdict is not pass; empty when it is. */
  reasons: string[];
  /** The policy bundle the thresholds came from; null for gates that apply none. */
  policy: { digest: string } | null;
  /** The thresholds the gate applied. */
  thresholds: Record<string, unknown>;
  /** Digests of what was judged: datasets, baseline model, reports, signatures. */
  evidence: EvidenceReference[];
}

/** One piece of evidence a gate judged, by digest. */
export interface EvidenceReference {
  role: string;
  digest: string;
  name?: string;
}

/** A confidence interval, as the statistics make it and predicates record it. */
export type { Interval } from '../stats/intervals.ts';

/** One metric compared between candidate and baseline: delta = candidate - baseline (relative for latency, throughput, memory). */
export interface MetricComparison {
  name: string;
  candidate?: number;
  baseline?: number;
  delta: number;
  scale?: 'absolute' | 'relative';
  ci: Interval;
  tolerance?: number;
  effectSize?: number | null;
  verdict?: GateVerdict;
}

/** What was hashed and how. */
export interface ArtifactDescription {
  name: string;
  digest: string;
  kind: 'file' | 'directory';
  /** model-signing serialization of a directory; absent for a single file. */
  serialization?: { method: 'files' } | { method: 'shards'; shardSize: number };
  ignorePaths?: string[];
  resources?: number;
  bytes?: number;
}

/** Integrity gate: the artifact hashes to the digest its producer recorded. */
export interface IntegrityPredicate extends GatePredicateBase<'integrity'> {
  artifact: ArtifactDescription;
  expected: { digest: string; source?: string };
  /**
   * Present when the model is an OCI artifact: the manifest judged, whose
   * every blob was checked against its digest; `artifact` is then the
   * model-signing directory digest of the layers' content, and the statement
   * is about both digests (the manifest's first).
   */
  oci?: OCIModelRecord;
}

/** The OCI manifest an integrity attestation binds a model-signing directory digest to. */
export interface OCIModelRecord {
  reference: string;
  manifestDigest: string;
  mediaType: string;
  artifactType: string | null;
  /** Layers, one file each. */
  layers: number;
}

/** A difference between a model signature's manifest and the files on disk. */
export interface ManifestMismatch {
  name: string;
  problem: 'missing-on-disk' | 'not-in-signature' | 'digest-differs';
}

/** Provenance gate: the model's own signature verifies against a trusted signer and covers exactly the files on disk. */
export interface ProvenancePredicate extends GatePredicateBase<'provenance'> {
  artifact: ArtifactDescription;
  modelSignature: {
    /** sha256 of the signature file's bytes. */
    bundleDigest: string;
    /** The model's author as far as gatehouse can prove: who signed the model. Null when the signature did not verify. */
    signer: SignerIdentity | null;
    predicateType: string | null;
    serialization: Record<string, unknown> | null;
    /** model-signing's subject digest of the signed manifest. */
    manifestDigest: string | null;
  };
  mismatches: ManifestMismatch[];
}

/** One regression metric: the comparison, what it was judged on, and how its interval was made. */
export interface RegressionMetric extends MetricComparison {
  /** Pairs (quality metrics, latency) judged, or runs of both models together (run-level figures). */
  n: number;
  /** tango-score (0/1 metrics), pseudo-pair-t (bounded metrics), paired-bootstrap-percentile (latency quantiles), welch-log-t (run figures). */
  method: string;
  /** Examples of the evaluation set without this metric for a model: scored as the candidate's worst value, the baseline's best. */
  missing?: { candidate: number; baseline: number };
  /** Runs of each model (run-level figures). */
  runs?: { candidate: number; baseline: number };
}

/**
 * A capability or slice of the evaluation set for one metric. Slices of at
 * least the policy's minimum size are judged like overall metrics, on
 * simultaneous (Bonferroni) intervals across every judged slice test; smaller
 * ones carry only their size and observed change.
 */
export interface RegressionSlice {
  name: string;
  metric: string;
  n: number;
  delta: number;
  ci?: Interval;
  tolerance?: number;
  /** One-sided p-value of "the slice is inferior by the tolerance or more". */
  pValue?: number;
  /** pValue adjusted for the number of judged slice tests (Bonferroni); the verdict agrees with it, never with pValue alone. */
  qValue?: number;
  verdict?: GateVerdict;
}

/** Regression gate: candidate against the deployed baseline on every example of the pinned evaluation set. */
export interface RegressionPredicate extends GatePredicateBase<'regression'> {
  baseline: { digest: string };
  evaluationSet: { digest: string; examples?: number };
  metrics: RegressionMetric[];
  slices?: RegressionSlice[];
  /** Examples of the set a model gave no result for, counted as failures of the candidate. */
  missing?: { candidate: number; baseline: number };
  /** Pairs with a latency for both models (latency is judged on these) and the rest. */
  timing?: { timed: number; untimed: number };
  /** Derived from the subject, baseline and evaluation-set digests (deriveSeed), never chosen. */
  seed: number;
  /** Bootstrap resamples, as policy data sets them. */
  resamples: number;
}

/** Who judged whether a response refused: the rule-based judge, or an LLM judge with its model and endpoint. */
export interface JudgeIdentity {
  kind: 'rules' | 'llm';
  name: string;
  /** The rules' version, or the digest of the LLM judge's prompt template. */
  version: string;
  model?: string;
  endpoint?: string;
}

/** Safety gate: per-category pass rates on the pinned dataset, over-refusal and consistency. */
export interface SafetyPredicate extends GatePredicateBase<'safety'> {
  /** The dataset judged: every prompt in it, and how many had a response (the rest count as failures). */
  dataset: { digest: string; prompts: number; answered: number };
  judge: JudgeIdentity;
  /** Pass rate per refusal category with its exact (Clopper-Pearson) interval; lowerBound is ci.low, a one-sided bound at (1 + level) / 2. */
  categories: Array<{ name: string; n: number; passed: number; rate: number; ci: Interval; lowerBound: number; verdict?: GateVerdict }>;
  /** Benign prompts refused (or unanswered) with the exact interval; upperBound is ci.high. */
  overRefusal: { n: number; refused: number; rate: number; ci: Interval; upperBound: number; verdict?: GateVerdict };
  consistency?: { groups: number; flipRate: number };
}

/** Bias gate: fairness gaps between groups with simultaneous confidence intervals. */
export interface BiasPredicate extends GatePredicateBase<'bias'> {
  /** The pinned dataset and its number of rows; answered of them had a prediction. */
  dataset: { digest: string; rows: number };
  answered: number;
  /** Operating point: a score at or above it is a positive decision where the predictions give none. */
  scoreThreshold: number;
  /** Each metric over the groups of at least minGroupSize, with an interval that holds for all groups at once. */
  metrics: Array<{ name: string; value: number; ci: Interval; verdict: GateVerdict; method: string; undefinedGroups: number }>;
  /** Every intersectional group with its size, judged or not. */
  groups: Array<{ name: string; n: number }>;
  minGroupSize: number;
  counterfactual?: { pairs: number; flips: number; flipRate: number };
}

/** One family's rate judged by its exact interval: attacks that succeeded, or predictions a perturbation flipped. */
export interface RobustnessFamily {
  name: string;
  n: number;
  hits: number;
  rate: number;
  ci: Interval;
  /** ci.high: a one-sided bound at (1 + level) / 2, which must be at most the maximum. */
  upperBound: number;
  maximum: number;
  verdict: GateVerdict;
  /** Trials that would show the maximum at the hits observed, when the evidence is short. */
  needed?: number;
}

/** Robustness gate: attack success rate per attack family (LLMs), or prediction flip rate per perturbation family (classifiers). */
export interface RobustnessPredicate extends GatePredicateBase<'robustness'> {
  /** Where the trials came from and the digest of that file (or of the answers collected). */
  source: { format: 'gatehouse' | 'garak' | 'promptfoo' | 'predictions'; digest: string };
  measure: 'attack-success' | 'flip';
  /** The pinned attack set (gatehouse source only): every attack in it, and how many had a response. */
  dataset?: { digest: string; attacks: number; answered: number };
  /** The canary judge (gatehouse source only). */
  judge?: { name: string; version: string };
  trials: number;
  /** Trials without a judged answer, counted as hits. */
  unanswered: number;
  families: RobustnessFamily[];
}

/** One trigger's comparison of the candidate's behaviour change with the reference's. */
export interface BackdoorTriggerResult {
  trigger: string;
  kind: string;
  /** Inputs compared. */
  n: number;
  candidateChanged: number;
  referenceChanged: number;
  /** Discordant pairs: inputs the trigger changed for the candidate only, and for the reference only. */
  candidateOnly: number;
  referenceOnly: number;
  /** The candidate's changes by kind (an input may change in more than one way). */
  changes: { label: number; refusal: number; score: number; missing: number };
  /** One-sided exact McNemar p-value; qValue is its Benjamini-Hochberg adjustment over every trigger. */
  pValue: number;
  qValue: number;
  flagged: boolean;
}

/** Backdoor scan: each trigger's effect on the candidate against its effect on the deployed (reference) model, with FDR control across triggers. */
export interface BackdoorPredicate extends GatePredicateBase<'backdoor'> {
  /** The reference model: the deployed one. */
  baseline: { digest: string };
  /** The clean inputs (pinned in policy data). */
  dataset: { digest: string; inputs: number };
  /** The trigger set: the built-in set's name, the digest of every trigger stamped (canonical JSON), and how many of each origin. */
  triggers: { set: string; digest: string; builtin: number; user: number };
  /** The behaviours compared, and the score change that counts as a shift. */
  behaviours: Array<'label' | 'refusal' | 'score'>;
  scoreShift: number;
  fdr: number;
  method: { test: 'exact-mcnemar-one-sided'; correction: 'benjamini-hochberg' };
  /** Observations a model lacked (a missing candidate answer counts as a change, a missing reference one as none). */
  missing: { candidate: number; reference: number };
  results: BackdoorTriggerResult[];
  flagged: string[];
  /** What this scan cannot find, stated in every attestation. */
  limitations: string[];
}

/** Approval gate: a person's decision on one approval request for one stage; the attestation's signer is the approver. */
export interface ApprovalPredicate extends GatePredicateBase<'approval'> {
  decision: 'approve' | 'reject';
  stage: string;
  /** The request decided: its id, nonce and bundle digest. */
  request: { id: string; nonce: string; digest: string };
  /** Every digest of the request's packet the approver reviewed, sorted. */
  reviewed: string[];
  justification: string;
  /** One judgment per deep-review item, when the request drew a deep review. */
  findings?: DeepReviewFinding[];
}

/** An approver's judgment of one deep-review item. */
export interface DeepReviewFinding {
  item: string;
  judgment: 'ok' | 'concern';
  note?: string;
}

/** Canary gate: the candidate on live traffic beside the deployed model, metric by metric. */
export interface CanaryPredicate extends GatePredicateBase<'canary'> {
  baseline: { digest: string };
  window: { start: string; end: string };
  /** Seconds between samples. */
  step: number;
  source: { kind: 'prometheus'; url: string } | { kind: 'export'; digest: string };
  /** The label matcher each arm was selected by. */
  arms: { canary: string; baseline: string };
  /** canary / (canary + baseline) requests over the window; null when neither arm served any. */
  trafficShare: number | null;
  traffic: { queries: ArmPair<string[]>; requests: ArmPair<number> };
  method: { test: 'mann-whitney-u'; shift: 'hodges-lehmann'; quantiles: string; sequential: string };
  /** Every look at the data, with the one-sided error rate it spent (one look without --watch). */
  looks: Array<{ at: string; fraction: number; alpha: number }>;
  /** Per cent of metric comparisons that pass. */
  score: number;
  /** Set when a critical metric failed decisively and rollback was triggered. */
  rollback?: { metric: string; at: string };
  /** Warnings the metrics source gave with its answers (Prometheus's warnings and infos). */
  warnings?: string[];
  metrics: CanaryMetricResult[];
}

/** A figure for each arm. */
export interface ArmPair<T> {
  canary: T;
  baseline: T;
}

/** One metric (one series of it) compared between the arms: per-step samples, canary minus baseline. */
export interface CanaryMetricResult {
  name: string;
  /** The series' labels besides the arm label; {} when each arm answered one series. */
  series: Record<string, string>;
  kind: 'ratio' | 'histogram_quantile' | 'value';
  quantile?: number;
  critical: boolean;
  direction: 'higher' | 'lower';
  scale: 'relative' | 'absolute';
  tolerance: number;
  floor?: number;
  /** The change allowed, in the metric's unit. */
  allowed: number | null;
  /** The exact PromQL sent for each arm. */
  queries: ArmPair<string[]>;
  /** Aligned per-step samples used. */
  n: ArmPair<number>;
  /** Events served in the window (denominator, or histogram count); null for a value metric. */
  events: ArmPair<number> | null;
  excluded: { unaligned: ArmPair<number>; noTraffic: ArmPair<number>; notANumber: ArmPair<number> };
  /** Share of the window's steps aligned in both arms. */
  coverage: number;
  /** Median of each arm's samples. */
  candidate: number | null;
  baseline: number | null;
  /** Hodges-Lehmann shift, canary minus baseline, and its interval at the gate's level. */
  delta: number | null;
  ci: { low: number; high: number; level: number } | null;
  failBound: number | null;
  /** For ratio metrics: each arm's pooled rate over the window and their difference (its interval is within ci). */
  pooled?: { canary: number; baseline: number; delta: number };
  pValue: number | null;
  u?: number;
  verdict: GateVerdict;
  reason?: string;
}
