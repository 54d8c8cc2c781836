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
 * Every bundle a decision about `subject` should consider from a directory,
 * read one at a time: the store's folder for that subject
 * (attestations/sha256-<hex>/) and any .json bundle files directly in the
 * directory. Unreadable files are yielded too, so they are reported rather
 * than skipped.
 */
export async function* attestationsIn(directory: string, subject: ArtifactDigest): AsyncGenerator<StoredBundle | UnreadableBundle> {
  const info = await stat(directory).catch((cause: unknown) => {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InputError({ code: missing ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', message: missing ? 'no such attestation directory' : 'cannot read attestation directory', path: directory, cause });
  });
  if (!info.isDirectory()) throw new InputError({ code: 'FILE_UNREADABLE', message: 'not a directory', path: directory });
  yield* new FileSystemAttestationStore(directory).entries(subject);
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (cause) {
    throw new InputError({ code: 'FILE_UNREADABLE', message: 'cannot list attestation directory', path: directory, cause });
  }
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    // A link is read like a file (and reported if it leads nowhere readable); directories are not bundles.
    if (!(entry.isFile() || entry.isSymbolicLink()) || !entry.name.endsWith('.json') || entry.name.endsWith(TEMP_SUFFIX)) continue;
    const location = join(directory, entry.name);
    try {
      const bytes = await readBoundedFile(location);
      yield { location, bundleDigest: createHash('sha256').update(bytes).digest('hex'), bytes };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      yield { location, error };
    }
  }
}

/** Every bundle for `subject` in a directory, as a list (see attestationsIn). */
export async function collectAttestations(directory: string, subject: ArtifactDigest): Promise<Array<StoredBundle | UnreadableBundle>> {
  const found: Array<StoredBundle | UnreadableBundle> = [];
  for await (const entry of attestationsIn(directory, subject)) found.push(entry);
  return found;
}

/** The name a decision records for a file it could not read: its file name, so records do not depend on where an auditor keeps files. */
export function locationName(location: string): string {
  return basename(location);
}
