import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SerializedBundle } from '@sigstore/bundle';
import { InputError } from '../error.ts';
import { digestHex, type ArtifactDigest } from '../digest/artifact.ts';
import { TEMP_SUFFIX, writeFileAtomic } from '../io/atomic.ts';
import { readBoundedFile } from '../io/read.ts';
import type { AttestationStore, StoredBundle, UnreadableBundle } from './store.ts';

/** Default store location, relative to the working directory. */
export const DEFAULT_STORE_DIRECTORY = 'attestations';

const BUNDLE_SUFFIX = '.sigstore.json';

/**
 * Attestation store on a filesystem: <root>/sha256-<subject hex>/<bundle sha256>.sigstore.json.
 * Naming each file by the digest of its bytes makes writes idempotent and lets
 * readers detect a file whose content no longer matches its name.
 */
export class FileSystemAttestationStore implements AttestationStore {
  readonly root: string;

  constructor(root: string = DEFAULT_STORE_DIRECTORY) {
    this.root = root;
  }

  async put(subject: ArtifactDigest, bundle: SerializedBundle): Promise<string> {
    const bytes = Buffer.from(`${JSON.stringify(bundle, null, 2)}\n`, 'utf8');
    const directory = this.#directory(subject);
    const location = join(directory, `${sha256(bytes)}${BUNDLE_SUFFIX}`);
    await writeFileAtomic(location, bytes);
    return location;
  }

  async list(subject: ArtifactDigest): Promise<Array<StoredBundle | UnreadableBundle>> {
    const results: Array<StoredBundle | UnreadableBundle> = [];
    for await (const entry of this.entries(subject)) results.push(entry);
    return results;
  }

  /** Every bundle stored for `subject`, read one at a time in name order, so a caller holds one bundle's bytes at once. */
  async *entries(subject: ArtifactDigest): AsyncGenerator<StoredBundle | UnreadableBundle> {
    const directory = this.#directory(subject);
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new InputError({ code: 'FILE_UNREADABLE', message: 'cannot list attestation store', path: directory, cause });
    }
    for (const name of names.sort()) {
      // Leftovers of an interrupted atomic write are not bundles.
      if (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) continue;
      const location = join(directory, name);
      if (!name.endsWith(BUNDLE_SUFFIX)) {
        yield { location, error: new InputError({ code: 'BUNDLE_MALFORMED', message: `unexpected file in attestation store (bundles end in ${BUNDLE_SUFFIX})`, path: location }) };
        continue;
      }
      try {
        const bytes = await readBoundedFile(location);
        const bundleDigest = sha256(bytes);
        if (`${bundleDigest}${BUNDLE_SUFFIX}` !== name) {
          yield { location, error: new InputError({ code: 'BUNDLE_MALFORMED', message: `content digest ${bundleDigest} does not match the file name`, path: location }) };
          continue;
        }
        yield { location, bundleDigest, bytes };
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        yield { location, error };
      }
    }
  }

  #directory(subject: ArtifactDigest): string {
    return join(this.root, `sha256-${digestHex(subject)}`);
  }
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
