import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InputError } from '../error.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { readBoundedFile } from '../io/read.ts';
import { TEMP_SUFFIX } from '../io/atomic.ts';
import { FileSystemAttestationStore } from '../store/fs-store.ts';
import type { StoredBundle, UnreadableBundle } from '../store/store.ts';

/**
 * Every bundle a decision about `subject` should consider from a directory:
 * the store's folder for that subject (attestations/sha256-<hex>/) and any
 * .json bundle files directly in the directory. Unreadable files are returned
 * too, so they are reported rather than skipped.
 */
export async function collectAttestations(directory: string, subject: ArtifactDigest): Promise<Array<StoredBundle | UnreadableBundle>> {
  const info = await stat(directory).catch((cause: unknown) => {
    throw new InputError({ code: 'FILE_NOT_FOUND', message: 'no such attestation directory', path: directory, cause });
  });
  if (!info.isDirectory()) throw new InputError({ code: 'FILE_UNREADABLE', message: 'not a directory', path: directory });
  const found: Array<StoredBundle | UnreadableBundle> = await new FileSystemAttestationStore(directory).list(subject);
  const seen = new Set(found.map((entry) => entry.location));
  for (const entry of (await readdir(directory, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!entry.isFile() || !entry.name.endsWith('.json') || entry.name.endsWith(TEMP_SUFFIX)) continue;
    const location = join(directory, entry.name);
    if (seen.has(location)) continue;
    try {
      const bytes = await readBoundedFile(location);
      found.push({ location, bundleDigest: createHash('sha256').update(bytes).digest('hex'), bytes });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      found.push({ location, error });
    }
  }
  return found;
}

/** The name a decision records for a bundle's location: its file name, so records do not depend on where an auditor keeps files. */
export function locationName(location: string): string {
  return basename(location);
}
