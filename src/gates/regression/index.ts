import type { RegressionPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest, SubjectReference } from '../../digest/artifact.ts';
import { InputError } from '../../error.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import type { SigningOptions } from '../../sign/attest.ts';
import { attestWithReport, gateThresholds, judgingContext, type ReportedGateRun } from '../gate.ts';
import { deriveSeed } from '../seed.ts';
import { evaluateRegression, type RegressionReport, type RegressionThresholds } from './evaluate.ts';
import { formatRegressionReport } from './report.ts';
import type { EvidenceSource } from '../../io/read.ts';
import { readEvaluationSet, readResultsEvidence, readRunEvidence, type EvaluationExample, type EvidenceFile, type ExampleResult, type ResultsFormat, type RunFigures } from './results.ts';
import { deliverGateRun, gateSubject, type GateContext, type GateOutcome } from '../workflow.ts';

/** The regression thresholds a verified policy bundle sets (data.gatehouse.thresholds.regression). */
export function regressionThresholdsFrom(bundle: VerifiedPolicyBundle): RegressionThresholds {
  const thresholds = gateThresholds<RegressionThresholds>(bundle, 'regression');
  for (const [name, metric] of Object.entries(thresholds.metrics)) {
    if (metric.range !== undefined && !(metric.range[0] < metric.range[1])) {
      throw new InputError({ code: 'SCHEMA_INVALID', message: `regression thresholds: metric ${name} has an empty range [${metric.range.join(', ')}]`, path: `${bundle.source}:data.json` });
    }
  }
  return thresholds;
}

export interface RegressionGateOptions {
  /** The candidate model (the attestation's subject). */
  subject: { name: string; digest: ArtifactDigest };
  /** The pinned evaluation set, as read (its digest is what policy data pins). */
  evaluationSet: EvidenceFile<EvaluationExample[]>;
  candidate: EvidenceFile<ExampleResult[]>;
  baseline: EvidenceFile<ExampleResult[]>;
  candidateRun?: EvidenceFile<RunFigures>;
  baselineRun?: EvidenceFile<RunFigures>;
  baselineDigest: ArtifactDigest;
  /** Thresholds, level and resamples come only from a verified policy bundle, whose digest the attestation records. */
  policy: VerifiedPolicyBundle;
  evaluatedAt: Date;
  signing: SigningOptions;
}

/** What the regression gate produced: the signed attestation, its full report and a Markdown summary. */
export interface RegressionGateRun extends ReportedGateRun<RegressionPredicate> {
  report: RegressionReport;
}

/**
 * Compares candidate and baseline, writes the report's digest into the
 * evidence, signs the verdict. The bootstrap seed is derived from the
 * subject, the baseline and the evaluation set, so re-running on the same
 * evidence cannot draw a new one.
 */
export async function runRegressionGate(options: RegressionGateOptions): Promise<RegressionGateRun> {
  const seed = deriveSeed('regression', { subject: options.subject.digest, baseline: options.baselineDigest, evaluationSet: options.evaluationSet.digest });
  const { policyDigest, evaluatedAt } = judgingContext(options.policy, options.evaluatedAt);
  const report = await evaluateRegression(
    {
      evaluationSet: options.evaluationSet,
      candidate: options.candidate,
      baseline: options.baseline,
      ...(options.candidateRun === undefined ? {} : { candidateRun: options.candidateRun }),
      ...(options.baselineRun === undefined ? {} : { baselineRun: options.baselineRun }),
      baselineDigest: options.baselineDigest,
    },
    { thresholds: regressionThresholdsFrom(options.policy), policyDigest, evaluatedAt, seed },
  );
  const run = await attestWithReport(options.subject, report.predicate, report, (predicate) => formatRegressionReport(options.subject, predicate, report), options.signing);
  return { ...run, report };
}

/** What the regression gate is asked, as files or bytes: the candidate's and the deployed model's results on the pinned evaluation set. */
export interface RegressionGateRequest {
  subject: SubjectReference;
  /** The evaluation set; its digest is what policy data pins, and every example of it must be answered. */
  evaluationSet: EvidenceSource;
  candidate: EvidenceSource;
  baseline: EvidenceSource;
  /** Format of both results files (default gatehouse). */
  format?: ResultsFormat;
  candidateRun?: EvidenceSource;
  baselineRun?: EvidenceSource;
  /** The deployed model the baseline results came from. */
  deployed: ArtifactDigest;
  policy: VerifiedPolicyBundle;
}

/** The regression gate's entry point (CLI, demo and server): read, compare, sign, deliver to the sink. */
export async function regressionGate(request: RegressionGateRequest, context: GateContext): Promise<GateOutcome<RegressionPredicate> & { report: RegressionReport }> {
  // A digest alone cannot show which examples were answered: the set itself is judged.
  if (typeof request.evaluationSet === 'string' && request.evaluationSet.startsWith('sha256:')) {
    throw new InputError({ code: 'USAGE', message: `--evaluation-set: give the evaluation set file, not only its digest (${request.evaluationSet}); every example of it must be answered` });
  }
  const format = request.format ?? 'gatehouse';
  const [evaluationSet, candidate, baseline, candidateRun, baselineRun, subject] = await Promise.all([
    readEvaluationSet(request.evaluationSet),
    readResultsEvidence(request.candidate, format),
    readResultsEvidence(request.baseline, format),
    request.candidateRun === undefined ? undefined : readRunEvidence(request.candidateRun),
    request.baselineRun === undefined ? undefined : readRunEvidence(request.baselineRun),
    gateSubject(request.subject, context),
  ]);
  const run = await runRegressionGate({
    subject,
    evaluationSet,
    candidate,
    baseline,
    ...(candidateRun === undefined ? {} : { candidateRun }),
    ...(baselineRun === undefined ? {} : { baselineRun }),
    baselineDigest: request.deployed,
    policy: request.policy,
    evaluatedAt: context.evaluatedAt,
    signing: context.signing,
  });
  return { ...(await deliverGateRun(run, context.sink)), report: run.report };
}
