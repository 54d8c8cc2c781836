import recordSchema from './schemas/decision-record.schema.json' with { type: 'json' };
import resultSchema from './schemas/decision-result.schema.json' with { type: 'json' };
import { toStatement, type Statement } from '../attest/statement.ts';
import { digestHex, type ArtifactDigest } from '../digest/artifact.ts';
import { addSchema, compileSchema, type SchemaValidator } from '../schema/validator.ts';
import type { SigningOptions } from '../sign/attest.ts';
import type { SerializedBundle } from '@sigstore/bundle';
import type { Decision, DecisionResult, EvaluationTimeSource } from './decide.ts';

/** Decision records are SLSA Verification Summary Attestations. */
export const DECISION_PREDICATE_TYPE = 'https://slsa.dev/verification_summary/v1';

/** Identifies gatehouse as the verifier in decision records. */
export const VERIFIER_ID = 'https://gatehouse.dev/verifier';

/** The predicate of a decision record: a VSA plus what a replay needs. */
export interface DecisionRecordPredicate {
  verifier: { id: string; version: Record<string, string> };
  timeVerified: string;
  resourceUri: string;
  policy: { uri: string; digest: { sha256: string } };
  inputAttestations: Array<{ uri: string; digest: { sha256: string } }>;
  verificationResult: 'PASSED' | 'FAILED';
  verifiedLevels: string[];
  slsaVersion: string;
  gatehouse: {
    stage: string;
    deployed: string | null;
    evaluationTime: string;
    /** 'requested' when the evaluation time was asked for rather than read from the clock: such a record admits nothing to serving. */
    evaluationTimeSource: EvaluationTimeSource;
    inputDigest: string;
    policyRevision: string;
    engine: { name: string; version: string };
    result: DecisionResult;
    /** Files that could not be read as bundles when the decision was made. */
    unreadable: string[];
    /** sha256:<hex> of each trusted root keyless evidence was verified against, by trust root name: a replay uses exactly these. */
    trustedRoots?: Record<string, string>;
    /** The store's inventory head the evidence was compared with; absent when the store kept none. */
    inventory?: { sequence: number; head: string };
  };
}

addSchema(resultSchema);
export const decisionRecordValidator: SchemaValidator<DecisionRecordPredicate> = compileSchema<DecisionRecordPredicate>(recordSchema);

/**
 * The statement recording a decision, about the artifact. Every field is
 * derived from the decision (the artifact's name aside, which the caller
 * gives), so a replay that re-creates it can compare all of it.
 */
export function toDecisionStatement(decision: Decision, artifactName?: string): Statement<DecisionRecordPredicate> {
  const { input, result } = decision;
  const artifact = input.artifact as ArtifactDigest;
  const predicate: DecisionRecordPredicate = {
    verifier: { id: VERIFIER_ID, version: { [decision.engine.name]: decision.engine.version } },
    timeVerified: input.evaluation_time,
    resourceUri: `gatehouse:${artifact}`,
    policy: { uri: 'gatehouse-policy-bundle', digest: { sha256: decision.policy.digest } },
    // Every bundle the input was made from, re-serialised copies of a statement (its aliases) included, so a replay reads them all.
    inputAttestations: input.attestations
      .flatMap((record) => (record.verified && record.aliases !== undefined ? record.aliases : [record.id]))
      .filter((id) => id.startsWith('sha256:'))
      .map((id) => ({ uri: attestationURI(id), digest: { sha256: id.slice('sha256:'.length) } })),
    verificationResult: result.allowed ? 'PASSED' : 'FAILED',
    verifiedLevels: [],
    slsaVersion: '1.0',
    gatehouse: {
      stage: input.stage,
      deployed: input.deployed,
      evaluationTime: input.evaluation_time,
      evaluationTimeSource: decision.evaluationTimeSource,
      inputDigest: `sha256:${decision.inputDigest}`,
      policyRevision: decision.policy.revision,
      engine: decision.engine,
      result,
      unreadable: input.attestations.filter((record) => record.id.startsWith(UNREADABLE)).map((record) => record.id.slice(UNREADABLE.length)),
      ...(decision.trustedRoots === undefined ? {} : { trustedRoots: decision.trustedRoots }),
      ...(decision.inventory === null ? {} : { inventory: { sequence: decision.inventory.sequence, head: decision.inventory.head } }),
    },
  };
  decisionRecordValidator.assert(predicate, '<decision record>', 'decision record');
  return toStatement({
    subjects: [{ ...(artifactName === undefined ? {} : { name: artifactName }), digest: { sha256: digestHex(artifact) } }],
    predicateType: DECISION_PREDICATE_TYPE,
    predicate,
  });
}

const UNREADABLE = 'unreadable:';

// An input attestation is named by content, as the store names it: the same
// bundle has the same URI wherever an auditor keeps it.
function attestationURI(id: string): string {
  return `${id.slice('sha256:'.length)}.sigstore.json`;
}

/** Signs a decision record. */
export async function signDecision(decision: Decision, signing: SigningOptions, artifactName?: string): Promise<SerializedBundle> {
  return (await import('../sign/attest.ts')).signStatement(toDecisionStatement(decision, artifactName), signing);
}
