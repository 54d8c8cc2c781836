import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { subjectDigests, type InTotoSubject } from '../attest/statement.ts';
import { digestArtifact } from '../digest/artifact.ts';
import { InputError } from '../error.ts';

/**
 * Algorithms by which a statement's subject may name an artifact: collision
 * resistant ones only, or a second artifact could be made to share a digest
 * and borrow the first one's evidence.
 */
export const ARTIFACT_DIGEST_ALGORITHMS = ['sha256', 'sha384', 'sha512'] as const;

/** One of ARTIFACT_DIGEST_ALGORITHMS. */
export type ArtifactDigestAlgorithm = (typeof ARTIFACT_DIGEST_ALGORITHMS)[number];

const HEX_LENGTHS: Record<ArtifactDigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Whether `value` is written as `<algorithm>:<hex>` rather than as a path. */
export function isDigestReference(value: string): boolean {
  return /^(sha256|sha384|sha512):/i.test(value.trim());
}

/** Parses `<algorithm>:<hex>` naming an artifact in one of ARTIFACT_DIGEST_ALGORITHMS, lower-casing it; `what` names the value in errors. */
export function parseArtifactDigest(value: string, what: string): string {
  const normalised = value.trim().toLowerCase();
  const separator = normalised.indexOf(':');
  const algorithm = normalised.slice(0, separator) as ArtifactDigestAlgorithm;
  const hex = normalised.slice(separator + 1);
  if (!ARTIFACT_DIGEST_ALGORITHMS.includes(algorithm) || !new RegExp(`^[0-9a-f]{${HEX_LENGTHS[algorithm]}}$`).test(hex)) {
    throw new InputError({ code: 'DIGEST_INVALID', message: `${what}: expected sha256:, sha384: or sha512: and the hex digest, got ${JSON.stringify(value)}` });
  }
  return normalised;
}

/**
 * The digests, as `<algorithm>:<hex>`, of an artifact on disk in the given
 * algorithms: a file is hashed with each; a model directory has only its
 * sha256 manifest digest (the OpenSSF model-signing digest has no other form).
 */
export async function artifactDigestsOf(path: string, algorithms: readonly ArtifactDigestAlgorithm[]): Promise<string[]> {
  const { digest, kind } = await digestArtifact(path);
  if (kind === 'directory') return [digest];
  const others = algorithms.filter((algorithm) => algorithm !== 'sha256');
  return [digest, ...(await Promise.all(others.map(async (algorithm) => `${algorithm}:${await hashFileWith(path, algorithm)}`)))];
}

/** The accepted algorithms the subjects name their artifacts by. */
export function subjectAlgorithms(subjects: readonly InTotoSubject[]): ArtifactDigestAlgorithm[] {
  return ARTIFACT_DIGEST_ALGORITHMS.filter((algorithm) => subjects.some((subject) => typeof subject.digest[algorithm] === 'string'));
}

/**
 * Whether some subject carries one of `digests` (`<algorithm>:<hex>`) in an
 * accepted algorithm: a statement is about an artifact when it names it by a
 * digest that only that artifact has.
 */
export function isAbout(subjects: readonly InTotoSubject[], digests: readonly string[]): boolean {
  const carried = new Set(subjectDigests(subjects));
  return digests.some((digest) => (ARTIFACT_DIGEST_ALGORITHMS as readonly string[]).includes(digest.slice(0, digest.indexOf(':'))) && carried.has(digest));
}

async function hashFileWith(path: string, algorithm: ArtifactDigestAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
