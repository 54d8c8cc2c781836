import { fileURLToPath } from 'node:url';
import { InputError } from '../error.ts';
import { DEFAULT_STORE_DIRECTORY, FileSystemAttestationStore } from './fs-store.ts';
import { OCIAttestationStore } from './oci-store.ts';
import { PostgresAttestationStore } from './pg-store.ts';
import type { AttestationStore } from './store.ts';

/** The store every command uses when none is named: `file:attestations`. */
export const DEFAULT_STORE_URI = `file:${DEFAULT_STORE_DIRECTORY}`;

// One opener per URI scheme.
const BACKENDS: Readonly<Record<string, (location: string) => AttestationStore>> = {
  postgres: (location) => new PostgresAttestationStore(location),
  postgresql: (location) => new PostgresAttestationStore(location),
  oci: (location) => new OCIAttestationStore(location),
};

/**
 * Opens the store a `--store` value names: `file:DIR` or `file:///abs/dir`,
 * a plain directory path, `postgres://…` (`postgresql://…`), whose
 * credentials come from the URI or libpq's PG* environment variables, or
 * `oci://REGISTRY/REPOSITORY`, whose credentials come from the environment or
 * Docker's config.json (see OCIAttestationStore). Schemes
 * gatehouse has no backend for are bad input, named in one line, never a
 * fallback to another store.
 */
export function openStore(location: string): AttestationStore {
  if (location === '') throw new InputError({ code: 'USAGE', message: '--store: name a store (file:DIR, a directory, postgres://… or oci://REGISTRY/REPOSITORY)' });
  if (location.startsWith('file://')) {
    try {
      return new FileSystemAttestationStore(fileURLToPath(location));
    } catch (cause) {
      throw new InputError({ code: 'USAGE', message: `--store: not a usable file URL: ${location}`, cause });
    }
  }
  if (location.startsWith('file:')) return new FileSystemAttestationStore(location.slice('file:'.length) || '.');
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location)?.[1];
  if (scheme !== undefined) {
    const open = BACKENDS[scheme.toLowerCase()];
    if (open === undefined) throw new InputError({ code: 'USAGE', message: `--store: no ${scheme}: store backend in this version of gatehouse (stores: file:DIR, a directory, postgres://…, oci://REGISTRY/REPOSITORY)` });
    try {
      new URL(location);
    } catch (cause) {
      throw new InputError({ code: 'USAGE', message: `--store: not a usable ${scheme} URL`, cause });
    }
    return open(location);
  }
  return new FileSystemAttestationStore(location);
}
