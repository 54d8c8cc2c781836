import type { ArtifactDescription, ManifestMismatch, ProvenancePredicate } from '../../attest/predicates.ts';
import { compareCodeUnits } from '../../canonical/compare.ts';
import type { ManifestResource, ModelManifest } from '../../digest/model.ts';
import type { SignerIdentity } from '../../verify/identity.ts';
import { ENGINE } from '../../version.ts';

/** The model's signature after verification: who signed which manifest, or why it could not be verified. */
export type ModelSignatureEvidence =
  | {
      bundleDigest: string;
      verified: true;
      signer: SignerIdentity;
      predicateType: string;
      serialization: Record<string, unknown>;
      /** Subject digest the signature states. */
      subjectDigest: string;
      /** sha256 over the signed resources' digests, recomputed. */
      manifestDigest: string;
      resources: ManifestResource[];
    }
  | { bundleDigest: string; verified: false; failure: string };

export interface ProvenanceInputs {
  artifact: ArtifactDescription;
  signature: ModelSignatureEvidence;
  /** The files on disk hashed with the signature's serialization; absent when the signature could not be used. */
  onDisk?: ModelManifest;
}

export interface ProvenanceConfig {
  evaluatedAt: string;
  /** The policy bundle whose model signers were trusted. */
  policyDigest: string;
}

/**
 * Judges provenance: pass exactly when the signature verified against a
 * trusted signer, its subject matches its own manifest, and the manifest names
 * every file on disk, and only those, with the same digests.
 */
export function evaluateProvenance(inputs: ProvenanceInputs, config: ProvenanceConfig): ProvenancePredicate {
  const { signature } = inputs;
  const reasons: string[] = [];
  let mismatches: ManifestMismatch[] = [];
  if (!signature.verified) {
    reasons.push(signature.failure);
  } else {
    if (signature.subjectDigest !== signature.manifestDigest) {
      reasons.push(`signature subject digest sha256:${signature.subjectDigest} does not match its own manifest (sha256:${signature.manifestDigest})`);
    }
    if (inputs.onDisk === undefined) {
      reasons.push('files on disk were not hashed');
    } else {
      mismatches = compareManifests(signature.resources, inputs.onDisk.resources);
      if (mismatches.length > 0) {
        const shown = mismatches.slice(0, 5).map((m) => `${m.name} (${m.problem})`).join(', ');
        reasons.push(`model files differ from the signed manifest: ${shown}${mismatches.length > 5 ? `, and ${mismatches.length - 5} more` : ''}`);
      }
    }
  }
  return {
    gate: 'provenance',
    verdict: reasons.length === 0 ? 'pass' : 'fail',
    evaluatedAt: config.evaluatedAt,
    engine: { ...ENGINE },
    reasons,
    policy: { digest: config.policyDigest },
    thresholds: {},
    evidence: [{ role: 'model-signature', digest: `sha256:${signature.bundleDigest}` }],
    artifact: inputs.artifact,
    modelSignature: {
      bundleDigest: `sha256:${signature.bundleDigest}`,
      signer: signature.verified ? signature.signer : null,
      predicateType: signature.verified ? signature.predicateType : null,
      serialization: signature.verified ? signature.serialization : null,
      manifestDigest: signature.verified ? `sha256:${signature.manifestDigest}` : null,
    },
    mismatches,
  };
}

/** Every resource that is not byte-identical on both sides, in name order. */
export function compareManifests(signed: ManifestResource[], onDisk: ManifestResource[]): ManifestMismatch[] {
  const signedByName = new Map(signed.map((r) => [r.name, r.digest]));
  const diskByName = new Map(onDisk.map((r) => [r.name, r.digest]));
  const mismatches: ManifestMismatch[] = [];
  for (const [name, digest] of signedByName) {
    const found = diskByName.get(name);
    if (found === undefined) mismatches.push({ name, problem: 'missing-on-disk' });
    else if (found !== digest) mismatches.push({ name, problem: 'digest-differs' });
  }
  for (const name of diskByName.keys()) {
    if (!signedByName.has(name)) mismatches.push({ name, problem: 'not-in-signature' });
  }
  return mismatches.sort((a, b) => compareCodeUnits(a.name, b.name));
}
