import type { BiasPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest, SubjectReference } from '../../digest/artifact.ts';
import { evidenceName, readEvidenceFile, type EvidenceSource } from '../../io/read.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import type { SigningOptions } from '../../sign/attest.ts';
import { attestWithReport, gateThresholds, judgingContext, type ReportedGateRun } from '../gate.ts';
import { DEFAULT_SCORE_THRESHOLD, evaluateBias, type BiasReport, type BiasThresholds } from './evaluate.ts';
import { joinPredictions, parseBiasDataset, parseCounterfactuals } from './predictions.ts';
import { formatBiasReport } from './report.ts';
import { deliverGateRun, gateSubject, type GateContext, type GateOutcome } from '../workflow.ts';

/** The bias thresholds a verified policy bundle sets (data.gatehouse.thresholds.bias). */
export function biasThresholdsFrom(bundle: VerifiedPolicyBundle): BiasThresholds {
  return gateThresholds<BiasThresholds>(bundle, 'bias');
}

/** A text file of evidence as read: its path, text and the digest of exactly those bytes. */
export interface EvidenceText {
  path: string;
  text: string;
  digest: ArtifactDigest;
}

export interface BiasGateOptions {
  subject: { name: string; digest: ArtifactDigest };
  /** The labelled evaluation dataset (what policy data pins): labels and group attributes come from it. */
  dataset: EvidenceText;
  /** The model's predictions on it, joined to its rows by id. */
  predictions: EvidenceText;
  /** Group attribute columns of the dataset; several make intersectional groups. */
  groups: string[];
  counterfactuals?: EvidenceText;
  policy: VerifiedPolicyBundle;
  evaluatedAt: Date;
  signing: SigningOptions;
}

export interface BiasGateRun extends ReportedGateRun<BiasPredicate> {
  report: BiasReport;
}

/**
 * Judges fairness against the policy bundle's thresholds and signs the verdict
 * with its report's digest. The operating point comes from policy data, never
 * from the operator; the intervals are analytic, so no seed is drawn.
 */
export async function runBiasGate(options: BiasGateOptions): Promise<BiasGateRun> {
  const thresholds = biasThresholdsFrom(options.policy);
  const rows = parseBiasDataset(options.dataset.text, options.dataset.path, options.groups);
  const joined = joinPredictions(rows, options.predictions.text, options.predictions.path, thresholds.score_threshold ?? DEFAULT_SCORE_THRESHOLD);
  const counterfactuals = options.counterfactuals === undefined ? undefined : parseCounterfactuals(options.counterfactuals.text, options.counterfactuals.path);
  const report = evaluateBias(
    {
      predictions: joined.predictions,
      unanswered: joined.unanswered,
      datasetDigest: options.dataset.digest,
      predictionsDigest: options.predictions.digest,
      ...(counterfactuals === undefined ? {} : { counterfactuals, counterfactualsDigest: options.counterfactuals!.digest }),
    },
    { thresholds, ...judgingContext(options.policy, options.evaluatedAt) },
  );
  const run = await attestWithReport(options.subject, report.predicate, report, (predicate) => formatBiasReport(options.subject, predicate, report), options.signing);
  return { ...run, report };
}

/** What the bias gate is asked, as files or bytes: the model's predictions on the labelled dataset policy data pins. */
export interface BiasGateRequest {
  subject: SubjectReference;
  predictions: EvidenceSource;
  dataset: EvidenceSource;
  /** Group attribute columns of the dataset; several make intersectional groups. */
  groups: string[];
  counterfactuals?: EvidenceSource;
  policy: VerifiedPolicyBundle;
}

/** The bias gate's entry point (CLI, demo and server): read, judge, sign, deliver to the sink. */
export async function biasGate(request: BiasGateRequest, context: GateContext): Promise<GateOutcome<BiasPredicate> & { report: BiasReport }> {
  const evidence = async (source: EvidenceSource): Promise<EvidenceText> => ({ path: evidenceName(source), ...(await readEvidenceFile(source)) });
  const [predictions, dataset, counterfactuals, subject] = await Promise.all([
    evidence(request.predictions),
    evidence(request.dataset),
    request.counterfactuals === undefined ? undefined : evidence(request.counterfactuals),
    gateSubject(request.subject, context),
  ]);
  const run = await runBiasGate({
    subject,
    dataset,
    predictions,
    groups: request.groups,
    ...(counterfactuals === undefined ? {} : { counterfactuals }),
    policy: request.policy,
    evaluatedAt: context.evaluatedAt,
    signing: context.signing,
  });
  return { ...(await deliverGateRun(run, context.sink)), report: run.report };
}
