import { InputError } from '../error.ts';
import type { FetchedManifest, RegistryClient, RegistryClientOptions } from '../store/oci-registry.ts';
import { parseDigest, type ArtifactDigest } from './artifact.ts';

/** A model pinned in a registry: `oci://REGISTRY/REPOSITORY@sha256:<hex>`. */
export interface OCIReference {
  host: string;
  repository: string;
  /** The manifest's digest: what gatehouse decides about. */
  digest: ArtifactDigest;
  /** The reference as gatehouse writes it (the digest lower-cased). */
  uri: string;
}

/** Whether a subject names a model in a registry rather than a path or a digest. */
export function isOCIReference(value: string): boolean {
  return /^oci:\/\//i.test(value);
}

/**
 * Parses `oci://REGISTRY/REPOSITORY@sha256:<hex>`. A tag (or no digest) is
 * refused: a tag can move between the judging and the serving, so what is
 * judged is named by the manifest's digest only.
 */
export async function parseOCIReference(value: string, what = '--subject'): Promise<OCIReference> {
  const at = value.lastIndexOf('@');
  const digestText = at === -1 ? '' : value.slice(at + 1);
  if (at === -1 || !digestText.toLowerCase().startsWith('sha256:')) {
    throw new InputError({ code: 'DIGEST_INVALID', message: `${what}: ${JSON.stringify(value)} names no manifest digest (a tag can move): pin it as oci://REGISTRY/REPOSITORY@sha256:<hex>` });
  }
  const digest = parseDigest(digestText, what);
  const { parseOCIStoreURI } = await import('../store/oci-store.ts');
  let location: { host: string; repository: string };
  try {
    location = parseOCIStoreURI(value.slice(0, at));
  } catch (cause) {
    throw new InputError({ code: 'USAGE', message: `${what}: ${JSON.stringify(value)} is not oci://REGISTRY/REPOSITORY@sha256:<hex> (a lowercase repository name, no tag)`, cause });
  }
  return { ...location, digest, uri: `oci://${location.host}/${location.repository}@${digest}` };
}

/**
 * Fetches the manifest a reference pins through the registry client (its
 * credentials, token challenge and retries) and checks its bytes against the
 * digest. A registry that has no such manifest, or serves other bytes, is bad
 * input (exit 2); one that does not answer is StoreError UNAVAILABLE (exit 3).
 */
export async function fetchPinnedManifest(reference: OCIReference, options: RegistryClientOptions & { what?: string } = {}): Promise<{ client: RegistryClient; manifest: FetchedManifest }> {
  const { RegistryClient } = await import('../store/oci-registry.ts');
  const client = new RegistryClient(reference.host, reference.repository, options);
  // The client returns nothing for a manifest fetched by digest whose bytes hash to another.
  const manifest = await client.manifest(reference.digest);
  if (manifest === undefined) {
    throw new InputError({ code: 'DIGEST_INVALID', message: `${options.what ?? '--subject'}: ${reference.uri}: the registry serves no manifest with that digest` });
  }
  return { client, manifest };
}

/** Resolves `oci://…@sha256:<hex>` to the manifest digest, once the registry has served a manifest that hashes to it; the reference is its name. */
export async function resolveOCISubject(value: string, options: { name?: string; what?: string } = {}): Promise<{ name: string; digest: ArtifactDigest }> {
  const reference = await parseOCIReference(value, options.what);
  await fetchPinnedManifest(reference, options.what === undefined ? {} : { what: options.what });
  return { name: options.name ?? reference.uri, digest: reference.digest };
}
