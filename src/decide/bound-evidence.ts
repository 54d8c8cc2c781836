import { BoundedMap } from '../concurrency/bounded-map.ts';
import { parseDigest, type ArtifactDigest } from '../digest/artifact.ts';
import { sha256HexOfRead } from '../digest/sha256.ts';
import { integrityDefinition } from '../gates/integrity/definition.ts';
import type { InventoryHead, SubjectInventory } from '../store/inventory.ts';
import { storeEntries, type AttestationStore, type StoreEntry } from '../store/store.ts';

/**
 * The model-signing directory digest an integrity attestation claims to bind
 * to `artifact` (an OCI manifest digest): its predicate names the manifest and
 * the directory digest, and its statement is about both. Read unverified,
 * only to find evidence filed under the directory digest; the policy counts
 * that evidence only when a verified, passing integrity attestation by an
 * authorised signer makes the same binding.
 */
export function claimedBinding(entry: StoreEntry, artifact: ArtifactDigest): ArtifactDigest | undefined {
  if ('error' in entry) return undefined;
  // What a bundle claims depends on its bytes alone: read once per process (a server reads the same evidence again and again).
  const key = sha256HexOfRead(entry.bytes);
  let claim = claims.get(key);
  if (claim === undefined) {
    claim = claimOf(entry.bytes);
    claims.set(key, claim);
  }
  return claim !== null && claim.manifest === artifact && claim.subjects.includes(artifact) && claim.subjects.includes(claim.directory) && claim.directory !== artifact ? claim.directory : undefined;
}

// What a bundle's unverified statement claims to bind (null: no integrity statement, or unreadable), by the sha256 of its bytes.
const claims = new BoundedMap<string, { manifest: unknown; directory: ArtifactDigest; subjects: string[] } | null>(16_384);

function claimOf(bytes: Buffer): { manifest: unknown; directory: ArtifactDigest; subjects: string[] } | null {
  try {
    const envelope = (JSON.parse(bytes.toString('utf8')) as { dsseEnvelope?: { payload?: unknown } }).dsseEnvelope;
    if (typeof envelope?.payload !== 'string') return null;
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType?: unknown;
      subject?: Array<{ digest?: { sha256?: unknown } }>;
      predicate?: { oci?: { manifestDigest?: unknown }; artifact?: { digest?: unknown } };
    };
    if (statement.predicateType !== integrityDefinition.predicateType || statement.predicate?.oci === undefined) return null;
    const directory = parseDigest(String(statement.predicate.artifact?.digest), 'integrity artifact');
    const subjects = (Array.isArray(statement.subject) ? statement.subject : []).map((subject) => `sha256:${String(subject?.digest?.sha256)}`);
    return { manifest: statement.predicate.oci.manifestDigest, directory, subjects };
  } catch {
    return null;
  }
}

/** The evidence a decision about an artifact reads, and the inventory that must account for it. */
export interface ArtifactEvidence {
  /** The bundles filed under the artifact, then those under each directory digest an integrity attestation among them claims to bind to it, each bundle once. */
  bundles: AsyncGenerator<StoreEntry>;
  /** What the store's inventory lists about every subject read (asked once the bundles were read), at `at` when given. */
  inventory: () => Promise<SubjectInventory | null>;
}

/**
 * Reads what a decision about `artifact` judges: its own bundles and, for an
 * OCI manifest, those about the model-signing directory digest of its content
 * that an integrity attestation claims (the provenance gate's, run on the
 * model's folder). The inventory is asked about each subject read, at one
 * head, and accounts for the evidence only if it does for every subject.
 */
export function artifactEvidence(store: AttestationStore, artifact: ArtifactDigest, at?: InventoryHead): ArtifactEvidence {
  const subjects: ArtifactDigest[] = [artifact];
  async function* bundles(): AsyncGenerator<StoreEntry> {
    const seen = new Set<string>();
    const bound = new Set<ArtifactDigest>();
    for await (const entry of storeEntries(store, artifact)) {
      if ('bundleDigest' in entry) seen.add(entry.bundleDigest);
      const directory = claimedBinding(entry, artifact);
      if (directory !== undefined) bound.add(directory);
      yield entry;
    }
    for (const directory of [...bound].sort()) {
      subjects.push(directory);
      for await (const entry of storeEntries(store, directory)) {
        if ('bundleDigest' in entry) {
          if (seen.has(entry.bundleDigest)) continue;
          seen.add(entry.bundleDigest);
        }
        yield entry;
      }
    }
  }
  return { bundles: bundles(), inventory: () => inventoryOfAll(store, subjects, at) };
}

// The inventory of several subjects at one head: the first subject's head (or `at`) pins the
// others, so a put between the questions cannot mix two states of the store.
async function inventoryOfAll(store: AttestationStore, subjects: readonly ArtifactDigest[], at?: InventoryHead): Promise<SubjectInventory | null> {
  const first = await store.inventoryOf(subjects[0]!, at);
  if (first === null || subjects.length === 1) return first;
  const bundles = new Set(first.bundles);
  let onChain = first.onChain;
  for (const subject of subjects.slice(1)) {
    const more = await store.inventoryOf(subject, first.head);
    if (more === null) return null;
    onChain &&= more.onChain;
    for (const digest of more.bundles) bundles.add(digest);
  }
  return { head: first.head, bundles: [...bundles], onChain };
}
