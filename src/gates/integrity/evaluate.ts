import type { ArtifactDescription, IntegrityPredicate } from '../../attest/predicates.ts';
import type { ArtifactDigest } from '../../digest/artifact.ts';
import { ENGINE } from '../../version.ts';

export interface IntegrityInputs {
  /** What the artifact on disk hashed to. */
  artifact: ArtifactDescription & { digest: ArtifactDigest };
  /** What the training pipeline or registry recorded. */
  expected: { digest: ArtifactDigest; source?: string };
}

export interface IntegrityConfig {
  evaluatedAt: string;
}

/** Judges integrity: pass exactly when the artifact's digest equals the recorded one. */
export function evaluateIntegrity(inputs: IntegrityInputs, config: IntegrityConfig): IntegrityPredicate {
  const matches = inputs.artifact.digest === inputs.expected.digest;
  return {
    gate: 'integrity',
    verdict: matches ? 'pass' : 'fail',
    evaluatedAt: config.evaluatedAt,
    engine: { ...ENGINE },
    reasons: matches ? [] : [`artifact digest ${inputs.artifact.digest} differs from the recorded ${inputs.expected.digest}`],
    // Equality has no threshold to take from a policy.
    policy: null,
    thresholds: {},
    evidence: [],
    artifact: inputs.artifact,
    expected: inputs.expected,
  };
}
