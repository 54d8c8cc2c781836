import type { RegressionPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest } from '../../digest/artifact.ts';
import { InputError } from '../../error.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';
import type { AttestOptions } from '../../sign/attest.ts';
import { DEFAULT_RESAMPLES } from '../../stats/bootstrap.ts';
import { attestWithReport, gateThresholds, judgingContext, type ReportedGateRun } from '../gate.ts';
import { evaluateRegression, type RegressionReport, type RegressionThresholds } from './evaluate.ts';
import { formatRegressionReport } from './report.ts';
import type { ExampleResult, RunFigures } from './results.ts';

const thresholdsValidator: SchemaValidator<RegressionThresholds> = compileSchema<RegressionThresholds>({
  $id: 'https://gatehouse.dev/schemas/regression/thresholds.json',
  type: 'object',
  required: ['metrics'],
  properties: {
    metrics: {
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        type: 'object',
        required: ['direction', 'tolerance'],
        properties: { direction: { enum: ['higher', 'lower'] }, tolerance: { type: 'number', minimum: 0 } },
      },
    },
    slices: { type: 'object', properties: { min_size: { type: 'integer', minimum: 2 }, fdr: { type: 'number', exclusiveMinimum: 0, maximum: 1 } } },
  },
});

/** The regression thresholds a verified policy bundle sets (data.gatehouse.thresholds.regression). */
export function regressionThresholdsFrom(bundle: VerifiedPolicyBundle): RegressionThresholds {
  return gateThresholds(bundle, 'regression', thresholdsValidator);
}

export interface RegressionGateOptions {
  /** The candidate model (the attestation's subject). */
  subject: { name: string; digest: ArtifactDigest };
  candidate: ExampleResult[];
  baseline: ExampleResult[];
  candidateRun?: RunFigures;
  baselineRun?: RunFigures;
  baselineDigest: ArtifactDigest;
  evaluationSetDigest: ArtifactDigest;
  /** Thresholds come only from a verified policy bundle, whose digest the attestation records. */
  policy: VerifiedPolicyBundle;
  seed: number;
  resamples?: number;
  evaluatedAt: Date;
  signing: AttestOptions;
}

/** What the regression gate produced: the signed attestation, its full report and a Markdown summary. */
export interface RegressionGateRun extends ReportedGateRun<RegressionPredicate> {
  report: RegressionReport;
}

/** Compares candidate and baseline, writes the report's digest into the evidence, signs the verdict. */
export async function runRegressionGate(options: RegressionGateOptions): Promise<RegressionGateRun> {
  if (options.candidate.length === 0 || options.baseline.length === 0) {
    throw new InputError({ code: 'SCHEMA_INVALID', message: 'the regression gate needs results for both models' });
  }
  const report = await evaluateRegression(
    {
      candidate: options.candidate,
      baseline: options.baseline,
      ...(options.candidateRun === undefined ? {} : { candidateRun: options.candidateRun }),
      ...(options.baselineRun === undefined ? {} : { baselineRun: options.baselineRun }),
      baselineDigest: options.baselineDigest,
      evaluationSetDigest: options.evaluationSetDigest,
    },
    {
      thresholds: regressionThresholdsFrom(options.policy),
      ...judgingContext(options.policy, options.evaluatedAt),
      seed: options.seed,
      resamples: options.resamples ?? DEFAULT_RESAMPLES,
    },
  );
  const run = await attestWithReport(options.subject, report.predicate, report, (predicate) => formatRegressionReport(options.subject, predicate, report), options.signing);
  return { ...run, report };
}
