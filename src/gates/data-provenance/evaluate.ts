import type { GatePredicateBase } from '../../attest/predicates.ts';
import type { SignerIdentity } from '../../verify/identity.ts';
import { judgedBase } from '../gate.ts';

/** Predicate type of SLSA provenance v1. */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/** What a material is to training; see materialKind. */
export type MaterialKind = 'dataset' | 'base-model' | 'source';

/** A signature vouching for a material: a dataset attestation or a base model's model signature, verified. */
export interface MaterialSignature {
  bundleDigest: string;
  predicateType: string;
  signer: SignerIdentity;
  /** The digests it is about ("sha256:<hex>"): a dataset attestation's subjects, a model signature's manifest digest. */
  subjects: string[];
}

/** One resolved dependency of the training run, as the predicate records it. */
export interface Material {
  uri: string | null;
  name: string | null;
  kind: MaterialKind;
  /** sha256:<hex> when the dependency is pinned by a sha256 digest, else null. */
  digest: string | null;
  /** Every digest the provenance gives it, by algorithm. */
  digests: Record<string, string>;
  signature: MaterialSignature | null;
}

/** The training run's provenance as verified. */
export interface ProvenanceRecord {
  bundleDigest: string;
  /** Null when the bundle did not verify. */
  predicateType: string | null;
  subjects: string[];
  buildType: string | null;
  builder: string | null;
  /** Who signed it (one of the policy's builders); null when it did not verify. */
  signer: SignerIdentity | null;
}

/** The data-provenance thresholds in policy data (data.gatehouse.thresholds["data-provenance"]). */
export interface DataProvenanceThresholds {
  builders: string[];
  dataset_signers: string[];
  base_model_publishers: string[];
  approved_sources: string[];
  denied_digests: Array<{ digest: string; reason: string }>;
}

/** Training-data provenance predicate. */
export interface DataProvenancePredicate extends GatePredicateBase<'data-provenance'> {
  provenance: ProvenanceRecord;
  materials: Material[];
  /** Dataset attestations and model signatures supplied that vouch for nothing: not verified, or of the wrong type. */
  rejected: Array<{ bundleDigest: string; reason: string }>;
}

/**
 * A resolved dependency's kind: its `annotations.kind` when that is
 * "dataset", "base-model" or "source"; otherwise "source" for a git URI
 * (git+…) and "dataset" for anything else, so an unlabelled material is held
 * to the datasets' rules rather than waved through.
 */
export function materialKind(dependency: { uri?: string; annotations?: Record<string, unknown> }): MaterialKind {
  const declared = dependency.annotations?.['kind'];
  if (declared === 'dataset' || declared === 'base-model' || declared === 'source') return declared;
  return dependency.uri?.startsWith('git+') === true ? 'source' : 'dataset';
}

export interface DataProvenanceInputs {
  /** The model being judged (the attestation's subject). */
  subject: string;
  provenance: ProvenanceRecord;
  /** Why the provenance is evidence of nothing (not verified, wrong type, malformed); absent when it is usable. */
  provenanceFailure?: string;
  materials: Material[];
  rejected: Array<{ bundleDigest: string; reason: string }>;
  /** Digests of the dataset attestations and model signatures supplied. */
  supplied: Array<{ role: string; digest: string }>;
}

export interface DataProvenanceConfig {
  evaluatedAt: string;
  policyDigest: string;
  thresholds: DataProvenanceThresholds;
}

/**
 * Whether a dataset's URI is under one of the approved sources: it begins
 * with the source (which ends in "/", so …/approved-evil/ is not under
 * …/approved/), and its path after it never steps out (see stepsOut). The
 * policy's approved_source rule is the same.
 */
export function approvedSource(thresholds: DataProvenanceThresholds, uri: string | null): boolean {
  return uri !== null && thresholds.approved_sources.some((prefix) => prefix.endsWith('/') && uri.startsWith(prefix) && !stepsOut(uri.slice(prefix.length)));
}

// Whether a path could leave the directory it begins in, as a server reads it: a ".."
// segment, or a "." one (a path not in normal form), plain or percent-encoded, a backslash
// separating too; or an encoded slash or backslash that a server may decode into a
// separator. Query and fragment aside.
function stepsOut(rest: string): boolean {
  const path = rest.split('?')[0]!.split('#')[0]!.toLowerCase();
  const dotSegment = path.replaceAll('\\', '/').split('/').some((segment) => ['.', '..'].includes(segment.replaceAll('%2e', '.')));
  return dotSegment || path.includes('%2f') || path.includes('%5c');
}

/**
 * Judges training-data provenance: pass exactly when the provenance verified
 * as SLSA v1 about this model, and every material passes: none has a denied
 * digest; each dataset is pinned by sha256 and either signed by the data team
 * about that digest or from an approved source; each base model is pinned and
 * carries its publisher's model signature over that digest. The policy
 * re-judges the same from the recorded materials.
 */
export function evaluateDataProvenance(inputs: DataProvenanceInputs, config: DataProvenanceConfig): DataProvenancePredicate {
  const { thresholds } = config;
  const reasons: string[] = [];
  if (inputs.provenanceFailure !== undefined) reasons.push(inputs.provenanceFailure);
  else if (!inputs.provenance.subjects.includes(inputs.subject)) reasons.push(`the provenance is about ${inputs.provenance.subjects.join(', ')}, not the model ${inputs.subject}`);
  const denied = new Map(thresholds.denied_digests.map((entry) => [entry.digest, entry.reason]));
  for (const material of inputs.materials) {
    const label = material.uri ?? material.name ?? '(unnamed)';
    const covered = material.digest !== null && material.signature !== null && material.signature.subjects.includes(material.digest);
    if (material.digest !== null && denied.has(material.digest)) reasons.push(`${material.kind} ${label} has the denied digest ${material.digest} (${denied.get(material.digest)})`);
    if (material.kind === 'dataset') {
      if (material.digest === null) reasons.push(`dataset ${label} is not pinned by a sha256 digest`);
      else if (!covered && !approvedSource(thresholds, material.uri)) reasons.push(`dataset ${label} is neither signed by the data team nor from an approved source`);
    } else if (material.kind === 'base-model') {
      if (material.digest === null) reasons.push(`base model ${label} is not pinned by a sha256 digest`);
      else if (!covered) reasons.push(`base model ${label} carries no model signature from an approved publisher over ${material.digest}`);
    }
  }
  const verdict = reasons.length === 0 ? 'pass' : 'fail';
  return {
    ...judgedBase('data-provenance', verdict, reasons, { evaluatedAt: config.evaluatedAt, policyDigest: config.policyDigest, thresholds }),
    evidence: [{ role: 'provenance', digest: inputs.provenance.bundleDigest }, ...inputs.supplied],
    provenance: inputs.provenance,
    materials: inputs.materials,
    rejected: inputs.rejected,
  };
}
