import slsaSchema from '../../attest/schemas/slsa-provenance-v1.schema.json' with { type: 'json' };
import { subjectDigests } from '../../attest/statement.ts';
import type { SubjectReference } from '../../digest/artifact.ts';
import { sha256Hex } from '../../digest/sha256.ts';
import { readBoundedFile } from '../../io/read.ts';
import type { VerifiedPolicyBundle } from '../../policy/bundle.ts';
import { policyDataOf, policySigners } from '../../policy/data.ts';
import { compileSchema } from '../../schema/validator.ts';
import { VerificationError } from '../../verify/error.ts';
import { AttestationVerifier, type VerifiedAttestation } from '../../verify/verifier.ts';
import { attestGate, gateThresholds, judgingContext } from '../gate.ts';
import { readModelSignature } from '../provenance/index.ts';
import { MODEL_SIGNING_PREDICATE_TYPE } from '../provenance/model-signing.ts';
import { deliverGateRun, gateSubject, type GateContext, type GateOutcome } from '../workflow.ts';
import { DATASET_TYPE, datasetValidator } from './dataset.ts';
import {
  SLSA_PROVENANCE_V1,
  evaluateDataProvenance,
  materialKind,
  type DataProvenancePredicate,
  type DataProvenanceThresholds,
  type Material,
  type MaterialSignature,
  type ProvenanceRecord,
} from './evaluate.ts';
import './definition.ts';

interface SLSAPredicate {
  buildDefinition: { buildType: string; resolvedDependencies?: Array<{ uri?: string; name?: string; digest?: Record<string, string>; annotations?: Record<string, unknown> }> };
  runDetails: { builder: { id: string } };
}

const slsaValidator = compileSchema<SLSAPredicate>(slsaSchema);

/** What the data-provenance gate is asked: is this model's training data accounted for? */
export interface DataProvenanceGateRequest {
  subject: SubjectReference;
  /** The training run's SLSA provenance v1: a Sigstore bundle with a DSSE-signed in-toto statement. */
  provenance: string;
  /** Data-team attestations (DATASET_TYPE) about dataset digests. */
  datasetAttestations?: string[];
  /** OpenSSF model-signing bundles of base models. */
  baseModelSignatures?: string[];
  policy: VerifiedPolicyBundle;
}

/** The data-provenance thresholds a verified policy bundle sets. */
export function dataProvenanceThresholdsFrom(policy: VerifiedPolicyBundle): DataProvenanceThresholds {
  return gateThresholds<DataProvenanceThresholds>(policy, 'data-provenance');
}

/**
 * The data-provenance gate's entry point: verify the training provenance
 * against the policy's builders, the dataset attestations against its data
 * team and the base model signatures against its publishers, record every
 * material, judge, sign, deliver. A supplied file that cannot be read or is
 * no bundle is bad input; one that does not verify is recorded as rejected.
 */
export async function dataProvenanceGate(request: DataProvenanceGateRequest, context: GateContext): Promise<GateOutcome<DataProvenancePredicate>> {
  const thresholds = dataProvenanceThresholdsFrom(request.policy);
  const data = policyDataOf(request.policy.data, request.policy.source);
  const signers = await policySigners(data, request.policy.source);
  const subject = await gateSubject(request.subject, context);

  const bytes = await readBoundedFile(request.provenance);
  const provenanceDigest = `sha256:${sha256Hex(bytes)}`;
  const empty: ProvenanceRecord = { bundleDigest: provenanceDigest, predicateType: null, subjects: [], buildType: null, builder: null, signer: null };
  let provenance = empty;
  let provenanceFailure: string | undefined;
  let dependencies: NonNullable<SLSAPredicate['buildDefinition']['resolvedDependencies']> = [];
  const verified = verifyOrReason(new AttestationVerifier(signers.restrictedTo(thresholds.builders)), bytes, request.provenance);
  if (typeof verified === 'string') {
    provenanceFailure = `training provenance not verified against the builders (${thresholds.builders.join(', ')}): ${verified}`;
  } else {
    const { statement } = verified;
    const problem = statement.predicateType === SLSA_PROVENANCE_V1 ? slsaValidator.problem(statement.predicate) : undefined;
    provenance = { ...empty, predicateType: statement.predicateType, subjects: subjectDigests(statement.subject).filter((d) => d.startsWith('sha256:')), signer: verified.signer };
    if (statement.predicateType !== SLSA_PROVENANCE_V1) provenanceFailure = `training provenance has predicate type ${statement.predicateType}, expected ${SLSA_PROVENANCE_V1}`;
    else if (problem !== undefined) provenanceFailure = `training provenance is not SLSA provenance v1: ${problem}`;
    else {
      const predicate = statement.predicate as unknown as SLSAPredicate;
      provenance = { ...provenance, buildType: predicate.buildDefinition.buildType, builder: predicate.runDetails.builder.id };
      dependencies = predicate.buildDefinition.resolvedDependencies ?? [];
    }
  }

  const rejected: Array<{ bundleDigest: string; reason: string }> = [];
  const supplied: Array<{ role: string; digest: string }> = [];
  const vouching = new Map<string, MaterialSignature>();
  const datasetVerifier = new AttestationVerifier(signers.restrictedTo(thresholds.dataset_signers));
  for (const path of request.datasetAttestations ?? []) {
    const attestation = await readBoundedFile(path);
    const bundleDigest = `sha256:${sha256Hex(attestation)}`;
    supplied.push({ role: 'dataset-attestation', digest: bundleDigest });
    const result = verifyOrReason(datasetVerifier, attestation, path);
    const reason =
      typeof result === 'string' ? `not verified against the dataset signers (${thresholds.dataset_signers.join(', ')}): ${result}`
      : result.statement.predicateType !== DATASET_TYPE ? `predicate type ${result.statement.predicateType}, expected ${DATASET_TYPE}`
      : datasetValidator.problem(result.statement.predicate);
    if (reason !== undefined || typeof result === 'string') {
      rejected.push({ bundleDigest, reason: `${path}: ${reason}` });
      continue;
    }
    const subjects = subjectDigests(result.statement.subject).filter((d) => d.startsWith('sha256:'));
    for (const digest of subjects) vouching.set(`dataset|${digest}`, { bundleDigest, predicateType: DATASET_TYPE, signer: result.signer, subjects });
  }
  const publishers = signers.restrictedTo(thresholds.base_model_publishers);
  for (const path of request.baseModelSignatures ?? []) {
    // A file named that is not there is bad input, not a signature that failed to verify.
    await readBoundedFile(path);
    const signature = await readModelSignature(path, publishers);
    const bundleDigest = `sha256:${signature.bundleDigest}`;
    supplied.push({ role: 'base-model-signature', digest: bundleDigest });
    if (!signature.verified) {
      rejected.push({ bundleDigest, reason: `${path}: ${signature.failure}` });
    } else if (signature.subjectDigest !== signature.manifestDigest) {
      rejected.push({ bundleDigest, reason: `${path}: its subject sha256:${signature.subjectDigest} does not match its own manifest (sha256:${signature.manifestDigest})` });
    } else {
      const digest = `sha256:${signature.manifestDigest}`;
      vouching.set(`base-model|${digest}`, { bundleDigest, predicateType: MODEL_SIGNING_PREDICATE_TYPE, signer: signature.signer, subjects: [digest] });
    }
  }

  const materials: Material[] = dependencies.map((dependency) => {
    const kind = materialKind(dependency);
    const digests = dependency.digest ?? {};
    const sha256 = digests['sha256'];
    const digest = sha256 !== undefined && /^[0-9a-f]{64}$/.test(sha256) ? `sha256:${sha256}` : null;
    return {
      uri: dependency.uri ?? null,
      name: dependency.name ?? null,
      kind,
      digest,
      digests,
      signature: digest === null || kind === 'source' ? null : (vouching.get(`${kind}|${digest}`) ?? null),
    };
  });
  const { policyDigest, evaluatedAt } = judgingContext(request.policy, context.evaluatedAt);
  const predicate = evaluateDataProvenance(
    { subject: subject.digest, provenance, ...(provenanceFailure === undefined ? {} : { provenanceFailure }), materials, rejected, supplied },
    { evaluatedAt, policyDigest, thresholds },
  );
  return deliverGateRun(await attestGate(subject, predicate, context.signing), context.sink);
}

// A verified bundle, or why it is evidence of nothing; a file that is no bundle is bad input (InputError).
function verifyOrReason(verifier: AttestationVerifier, bytes: Buffer, source: string): VerifiedAttestation | string {
  try {
    return verifier.verifyBytes(bytes, source);
  } catch (error) {
    if (error instanceof VerificationError) return error.message;
    throw error;
  }
}
