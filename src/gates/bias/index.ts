import type { BiasPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest } from '../../digest/artifact.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { compileSchema, type SchemaValidator } from '../../schema/validator.ts';
import type { AttestOptions } from '../../sign/attest.ts';
import { DEFAULT_RESAMPLES } from '../../stats/bootstrap.ts';
import { attestWithReport, gateThresholds, judgingContext, type ReportedGateRun } from '../gate.ts';
import { evaluateBias, type BiasReport, type BiasThresholds } from './evaluate.ts';
import type { CounterfactualPair, Prediction } from './predictions.ts';
import { formatBiasReport } from './report.ts';

const thresholdsValidator: SchemaValidator<BiasThresholds> = compileSchema<BiasThresholds>({
  $id: 'https://gatehouse.dev/schemas/bias/thresholds.json',
  type: 'object',
  required: ['metrics'],
  properties: {
    metrics: { type: 'object', minProperties: 1, additionalProperties: { type: 'number', minimum: 0 } },
    min_group_size: { type: 'integer', minimum: 1 },
  },
});

/** The bias thresholds a verified policy bundle sets (data.gatehouse.thresholds.bias). */
export function biasThresholdsFrom(bundle: VerifiedPolicyBundle): BiasThresholds {
  return gateThresholds(bundle, 'bias', thresholdsValidator);
}

export interface BiasGateOptions {
  subject: { name: string; digest: ArtifactDigest };
  predictions: Prediction[];
  counterfactuals?: CounterfactualPair[];
  /** Digest of the labelled evaluation data (what policy data may pin). */
  datasetDigest: ArtifactDigest;
  /** Digest of the predictions file judged. */
  predictionsDigest: ArtifactDigest;
  policy: VerifiedPolicyBundle;
  seed: number;
  resamples?: number;
  evaluatedAt: Date;
  signing: AttestOptions;
}

export interface BiasGateRun extends ReportedGateRun<BiasPredicate> {
  report: BiasReport;
}

/** Judges fairness against the policy bundle's thresholds and signs the verdict with its report's digest. */
export async function runBiasGate(options: BiasGateOptions): Promise<BiasGateRun> {
  const report = evaluateBias(
    { predictions: options.predictions, datasetDigest: options.datasetDigest, predictionsDigest: options.predictionsDigest, ...(options.counterfactuals === undefined ? {} : { counterfactuals: options.counterfactuals }) },
    {
      thresholds: biasThresholdsFrom(options.policy),
      ...judgingContext(options.policy, options.evaluatedAt),
      seed: options.seed,
      resamples: options.resamples ?? DEFAULT_RESAMPLES,
    },
  );
  const run = await attestWithReport(options.subject, report.predicate, report, (predicate) => formatBiasReport(options.subject, predicate, report), options.signing);
  return { ...run, report };
}
