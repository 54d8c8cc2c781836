import { basename, resolve } from 'node:path';
import type { ArtifactDescription, IntegrityPredicate } from '../../attest/predicates.ts';
import { digestArtifact, type ArtifactDigest } from '../../digest/artifact.ts';
import type { ModelDigestOptions } from '../../digest/model.ts';
import type { AttestOptions } from '../../sign/attest.ts';
import { attestGate, toRFC3339, type GateRun } from '../gate.ts';
import { evaluateIntegrity } from './evaluate.ts';

export interface IntegrityGateOptions {
  /** A model directory or file. */
  path: string;
  expected: ArtifactDigest;
  /** Where the expected digest came from (a registry URL, a pipeline run). */
  expectedSource?: string;
  evaluatedAt: Date;
  signing: AttestOptions;
  digest?: ModelDigestOptions;
}

/** Hashes the artifact, compares it with the recorded digest and signs the verdict. */
export async function runIntegrityGate(options: IntegrityGateOptions): Promise<GateRun<IntegrityPredicate>> {
  const artifact = await describeArtifact(options.path, options.digest);
  const predicate = evaluateIntegrity(
    {
      artifact,
      expected: { digest: options.expected, ...(options.expectedSource === undefined ? {} : { source: options.expectedSource }) },
    },
    { evaluatedAt: toRFC3339(options.evaluatedAt) },
  );
  return attestGate({ name: artifact.name, digest: artifact.digest }, predicate, options.signing);
}

/** Hashes an artifact and describes it the way gate predicates record it. */
export async function describeArtifact(path: string, digest?: ModelDigestOptions): Promise<ArtifactDescription & { digest: ArtifactDigest }> {
  const result = await digestArtifact(path, digest);
  const name = basename(resolve(path));
  if (result.manifest === undefined) return { name, digest: result.digest, kind: result.kind };
  return {
    name,
    digest: result.digest,
    kind: result.kind,
    serialization: result.manifest.serialization,
    ignorePaths: result.manifest.ignorePaths,
    resources: result.manifest.resources.length,
    bytes: result.manifest.totalBytes,
  };
}
