import type { SerializedBundle } from '@sigstore/bundle';
import type { InputError } from '../error.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';

/** A stored bundle as read back: its location, the sha256 of its bytes, and the bytes. */
export interface StoredBundle {
  location: string;
  bundleDigest: string;
  bytes: Buffer;
}

/** A stored file that could not be read as a bundle; reported, never skipped. */
export interface UnreadableBundle {
  location: string;
  error: InputError;
}

/**
 * Where attestation bundles live, grouped by the digest of the artifact they
 * are about. Writes are all-or-nothing; listing reports every entry, including
 * the ones it could not read.
 */
export interface AttestationStore {
  /** Stores a bundle about `subject`; returns its location. Storing the same bytes twice is idempotent. */
  put(subject: ArtifactDigest, bundle: SerializedBundle): Promise<string>;
  /** Every bundle stored for `subject`, in a stable order. */
  list(subject: ArtifactDigest): Promise<Array<StoredBundle | UnreadableBundle>>;
}
