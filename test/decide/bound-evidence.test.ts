// What a decision reads from a store: the artifact's bundles, those of a
// directory digest an integrity attestation binds to it, and the inventory
// that must account for them, asked once they are read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { artifactEvidence } from '../../src/decide/bound-evidence.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { integrityDefinition } from '../../src/gates/integrity/definition.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import type { AttestationStore, ListOptions } from '../../src/store/store.ts';
import { claimingBundle } from '../support/claiming.ts';

const MANIFEST = 'a1'.repeat(32);
const DIRECTORY = 'b2'.repeat(32);

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

// A folder store whose pages hold at most `pageLimit` entries, counting the inventories it is asked for.
function countingStore(pageLimit?: number) {
  const folder = mkdtempSync(join(tmpdir(), 'gatehouse-bound-'));
  folders.push(folder);
  const inner = new FileSystemAttestationStore(folder);
  const asked = { inventoryOf: [] as string[] };
  const limited = (options: ListOptions = {}): ListOptions => (pageLimit === undefined ? options : { ...options, limit: pageLimit });
  const store: AttestationStore = Object.assign(Object.create(inner) as AttestationStore, {
    list: (subject: ArtifactDigest, options?: ListOptions) => inner.list(subject, limited(options)),
    inventoryOf: (subject: ArtifactDigest, at?: Parameters<AttestationStore['inventoryOf']>[1]) => {
      asked.inventoryOf.push(subject);
      return inner.inventoryOf(subject, at);
    },
  });
  return { inner, store, asked };
}

async function drain(evidence: ReturnType<typeof artifactEvidence>): Promise<string[]> {
  const read: string[] = [];
  for await (const entry of evidence.bundles) read.push('bundleDigest' in entry ? entry.bundleDigest : 'unreadable');
  return read;
}

describe('artifactEvidence', () => {
  it('asks the inventory once everything is read, over however many pages', async () => {
    const { inner, store, asked } = countingStore(1);
    const put = [await inner.put(claimingBundle([MANIFEST], 1)), await inner.put(claimingBundle([MANIFEST], 2))].map((one) => one.bundleDigest).sort();
    const evidence = artifactEvidence(store, `sha256:${MANIFEST}`);
    expect(await drain(evidence)).toEqual(put);
    // A bundle put after the pages were read: the inventory asked now lists it (and the decision finds it unread).
    await inner.put(claimingBundle([MANIFEST], 3));
    expect((await evidence.inventory())?.bundles).toHaveLength(3);
    expect(asked).toEqual({ inventoryOf: [`sha256:${MANIFEST}`] });
  });

  it('asks the inventory of every subject read when an integrity attestation binds a directory digest', async () => {
    const { inner, store, asked } = countingStore();
    const binding = claimingBundle([MANIFEST, DIRECTORY], 'binding', integrityDefinition.predicateType, undefined, { oci: { manifestDigest: `sha256:${MANIFEST}` }, artifact: { digest: `sha256:${DIRECTORY}` } });
    const bound = (await inner.put(binding)).bundleDigest;
    const provenance = (await inner.put(claimingBundle([DIRECTORY], 'provenance'))).bundleDigest;
    const evidence = artifactEvidence(store, `sha256:${MANIFEST}`);
    // The binding once, though it is filed under both.
    expect(await drain(evidence)).toEqual([bound, provenance]);
    expect((await evidence.inventory())?.bundles.sort()).toEqual([bound, provenance].sort());
    expect(asked).toEqual({ inventoryOf: [`sha256:${MANIFEST}`, `sha256:${DIRECTORY}`] });
  });

  it('asks the inventory at a recorded head (a replay)', async () => {
    const { inner, store, asked } = countingStore();
    await inner.put(claimingBundle([MANIFEST], 1));
    const head = (await inner.inventoryHead())!;
    await inner.put(claimingBundle([MANIFEST], 2));
    const evidence = artifactEvidence(store, `sha256:${MANIFEST}`, head);
    expect(await drain(evidence)).toHaveLength(2);
    expect((await evidence.inventory())?.bundles).toHaveLength(1);
    expect(asked).toEqual({ inventoryOf: [`sha256:${MANIFEST}`] });
  });
});
