import type { InputError } from '../error.ts';
import type { ArtifactDigest } from '../digest/artifact.ts';
import { bundleClaims } from './serialize.ts';
import type { InventoryCheck, InventoryHead, SubjectInventory } from './inventory.ts';

/** A stored bundle as read back: where it is, the sha256 (hex) of its bytes, and the exact bytes that were put. */
export interface StoredBundle {
  location: string;
  bundleDigest: string;
  bytes: Buffer;
}

/** A stored entry that could not be read as a bundle; reported, never skipped. */
export interface UnreadableBundle {
  location: string;
  error: InputError;
}

/** An entry of a listing: a bundle, or what stood where one should be. */
export type StoreEntry = StoredBundle | UnreadableBundle;

/** What `put` did: the bundle's digest and where it now lives (one location per subject it names). */
export interface PutResult {
  bundleDigest: string;
  locations: string[];
}

/**
 * Narrows a listing by what bundles claim (unverified: for finding, never for
 * deciding). Entries that cannot be read are always listed, so they are reported.
 */
export interface ListOptions {
  /** Only bundles whose statement has this predicate type. */
  predicateType?: string;
  /** Only bundles whose predicate was evaluated at or after this time; bundles that record no evaluation time are listed. */
  since?: Date;
  /** The `next` of the previous page; absent for the first. */
  cursor?: string;
  /** Entries per page (default 1,000). */
  limit?: number;
}

/** One page of a listing, and the cursor of the next (absent on the last page). */
export interface ListPage {
  entries: StoreEntry[];
  next?: string;
}

/**
 * Where attestation bundles live, indexed by the digest of every artifact
 * they are about. The store is the only way evidence is written and read:
 * it keeps the exact bytes it is given (a bundle's digest never depends on
 * the backend), writes are all-or-nothing and idempotent, and listings report
 * every entry, including those it could not read. A backend that cannot be
 * reached raises StoreError, never a verdict.
 */
export interface AttestationStore {
  /** The store's location as a URI (`file:/abs/dir`). */
  readonly uri: string;
  /** Stores a serialised bundle under every sha256 subject its statement names; the same bytes twice is one entry. */
  put(bytes: Uint8Array): Promise<PutResult>;
  /** The bundle whose bytes have this sha256 (hex), or undefined when the store has none. */
  get(bundleDigest: string): Promise<StoredBundle | undefined>;
  /** One page of the bundles stored for `subject`, in a stable order. */
  list(subject: ArtifactDigest, options?: ListOptions): Promise<ListPage>;
  /** Every subject the store files bundles under, sorted: what an audit of the whole store walks. */
  subjects(): Promise<ArtifactDigest[]>;
  /** Keeps a signed decision record where records are only ever added; the same record twice is one entry. */
  recordDecision(bytes: Uint8Array): Promise<PutResult>;
  /** The head of the store's inventory (the hash chain of every bundle ever put) now, or null for a backend that keeps none. */
  inventoryHead(): Promise<InventoryHead | null>;
  /** What the inventory lists for `subject`, up to `at` (default: its head now); null for a backend that keeps none. */
  inventoryOf(subject: ArtifactDigest, at?: InventoryHead): Promise<SubjectInventory | null>;
  /**
   * Walks the whole inventory: the chain links up, and every bundle it names is
   * still there with its bytes and subjects, and every head a recorded decision
   * saw (and each of `expected`) is on the chain. Null for a backend that keeps none.
   */
  checkInventory(expected?: readonly InventoryHead[]): Promise<InventoryCheck | null>;
  /** Lets go of connections; the store is not used after. */
  close(): Promise<void>;
}

/** Every entry for `subject`, page after page, so a caller holds one page at a time. */
export async function* storeEntries(store: AttestationStore, subject: ArtifactDigest, options: Omit<ListOptions, 'cursor'> = {}): AsyncGenerator<StoreEntry> {
  let cursor: string | undefined;
  do {
    const page = await store.list(subject, { ...options, ...(cursor === undefined ? {} : { cursor }) });
    yield* page.entries;
    cursor = page.next;
  } while (cursor !== undefined);
}

/**
 * Whether an entry is in a listing narrowed by `options`, judged on what its
 * bundle claims (for backends that narrow after reading). Entries that cannot
 * be read are always in it, so they are reported.
 */
export function matchesListOptions(entry: StoreEntry, options: ListOptions): boolean {
  if ('error' in entry || (options.predicateType === undefined && options.since === undefined)) return true;
  let claims;
  try {
    claims = bundleClaims(entry.bytes, entry.location);
  } catch {
    // What cannot be read is listed, so the decision reports it.
    return true;
  }
  if (options.predicateType !== undefined && claims.predicateType !== options.predicateType) return false;
  return options.since === undefined || claims.evaluatedAtMs === null || claims.evaluatedAtMs >= options.since.getTime();
}
