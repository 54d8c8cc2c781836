import { basename, resolve } from 'node:path';
import type { SerializedBundle } from '@sigstore/bundle';
import { toStatement, type Statement } from '../attest/statement.ts';
import { PREDICATE_TYPES, type ArtifactDescription, type GateName, type GatePredicateBase } from '../attest/predicates.ts';
import { predicateValidators } from '../attest/predicate-schemas.ts';
import { digestArtifact, digestHex, type ArtifactDigest } from '../digest/artifact.ts';
import type { ModelDigestOptions, ModelManifest } from '../digest/model.ts';
import { signStatement, type AttestOptions } from '../sign/attest.ts';

/** What running a gate produced: the signed attestation and the statement inside it. */
export interface GateRun<P extends GatePredicateBase<GateName>> {
  statement: Statement<P>;
  bundle: SerializedBundle;
}

/**
 * The last step every gate shares: wrap its predicate in a statement about the
 * artifact, check the predicate against its schema, and sign it.
 */
export async function attestGate<P extends GatePredicateBase<GateName>>(
  subject: { name: string; digest: ArtifactDigest },
  predicate: P,
  signing: AttestOptions,
): Promise<GateRun<P>> {
  const predicateType = PREDICATE_TYPES[predicate.gate];
  predicateValidators[predicateType].assert(predicate, `<${predicate.gate} predicate>`, `${predicate.gate} predicate`);
  const statement = toStatement({
    subjects: [{ name: subject.name, digest: { sha256: digestHex(subject.digest) } }],
    predicateType,
    predicate,
  });
  return { statement, bundle: await signStatement(statement, signing) };
}

/** Hashes an artifact and describes it the way gate predicates record it. */
export async function describeArtifact(path: string, digest?: ModelDigestOptions): Promise<ArtifactDescription & { digest: ArtifactDigest }> {
  const result = await digestArtifact(path, digest);
  if (result.manifest !== undefined) return describeManifest(result.manifest);
  return { name: basename(resolve(path)), digest: result.digest, kind: result.kind };
}

/** A model directory's manifest as gate predicates record it. */
export function describeManifest(manifest: ModelManifest): ArtifactDescription & { digest: ArtifactDigest } {
  return {
    name: manifest.modelName,
    digest: `sha256:${manifest.digest}`,
    kind: 'directory',
    serialization: manifest.serialization,
    ignorePaths: manifest.ignorePaths,
    resources: manifest.resources.length,
    bytes: manifest.totalBytes,
  };
}
