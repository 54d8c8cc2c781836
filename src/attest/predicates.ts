import type { SignerIdentity } from '../verify/identity.ts';

/** Predicate type URIs of the gates' attestations; the version is part of the URI. */
export const PREDICATE_TYPES = {
  integrity: 'https://gatehouse.dev/attestations/integrity/v1',
  provenance: 'https://gatehouse.dev/attestations/provenance/v1',
} as const;

export type GateName = keyof typeof PREDICATE_TYPES;

/** A gate's answer. Too little evidence is its own answer, never a silent pass. */
export type GateVerdict = 'pass' | 'fail' | 'insufficient-evidence';

/** Fields every gate predicate carries. */
export interface GatePredicateBase<G extends GateName> {
  gate: G;
  verdict: GateVerdict;
  /** RFC 3339 time the gate judged the evidence (an explicit input, not the signing clock). */
  evaluatedAt: string;
  engine: { name: string; version: string };
  /** Why the verdict is not pass; empty when it is. */
  reasons: string[];
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
