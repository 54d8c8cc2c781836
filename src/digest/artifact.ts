import { basename, resolve } from 'node:path';
import { InputError } from '../error.ts';
import { DigestError } from './error.ts';
import { hashFile, hashModelDirectory, statPath, type ModelDigestOptions, type ModelManifest } from './model.ts';

/** A `sha256:<64 hex>` digest string. */
export type ArtifactDigest = `sha256:${string}`;

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The digest of an artifact on disk: a file's SHA-256, or a model directory's manifest digest. */
export interface ArtifactDigestResult {
  digest: ArtifactDigest;
  kind: 'file' | 'directory';
  /** Present for directories. */
  manifest?: ModelManifest;
}

/** Hashes a file or a model directory. */
export async function digestArtifact(path: string, options: ModelDigestOptions = {}): Promise<ArtifactDigestResult> {
  const info = await statPath(path);
  if (info.isDirectory()) {
    const manifest = await hashModelDirectory(path, options);
    return { digest: `sha256:${manifest.digest}`, kind: 'directory', manifest };
  }
  if (info.isFile()) return { digest: `sha256:${await hashFile(path)}`, kind: 'file' };
  throw new DigestError({ code: 'ARTIFACT_INVALID', message: 'is neither a regular file nor a directory (symbolic links are not followed)', path });
}

/** Parses `sha256:<hex>`, lower-casing the hex; `what` names the value in errors. */
export function parseDigest(value: string, what: string): ArtifactDigest {
  const normalised = value.trim().toLowerCase();
  if (!DIGEST_PATTERN.test(normalised)) {
    throw new InputError({ code: 'DIGEST_INVALID', message: `${what}: expected sha256:<64 hex digits>, got ${JSON.stringify(value)}` });
  }
  return normalised as ArtifactDigest;
}

/** The hex part of a digest. */
export function digestHex(digest: ArtifactDigest): string {
  return digest.slice('sha256:'.length);
}

/** An artifact a command names: a path (hashed now), `sha256:<hex>`, `oci://REGISTRY/REPOSITORY@sha256:<hex>` (its manifest fetched and checked now), or one already resolved. */
export type SubjectReference = string | { name: string; digest: ArtifactDigest };

/**
 * Resolves a subject to its name and digest: `sha256:<hex>` as given, a path
 * by hashing it (its file or directory name is the default name), an OCI
 * reference by its manifest digest once the registry served a manifest with
 * that digest (the reference is the default name; a tag is refused).
 */
export async function resolveSubject(subject: SubjectReference, options: { name?: string; onProgress?: ModelDigestOptions['onProgress'] } = {}): Promise<{ name: string; digest: ArtifactDigest }> {
  if (typeof subject !== 'string') return { name: subject.name, digest: parseDigest(subject.digest, 'subject') };
  if (/^oci:\/\//i.test(subject)) {
    const { resolveOCISubject } = await import('./oci.ts');
    return resolveOCISubject(subject, options.name === undefined ? {} : { name: options.name });
  }
  if (subject.startsWith('sha256:')) {
    const digest = parseDigest(subject, '--subject');
    return { name: options.name ?? digest, digest };
  }
  const { digest } = await digestArtifact(subject, options.onProgress === undefined ? {} : { onProgress: options.onProgress });
  return { name: options.name ?? basename(resolve(subject)), digest };
}
