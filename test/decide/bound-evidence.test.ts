// What a decision reads from a store: the artifact's bundles, those of a
// directory digest an integrity attestation binds to it, and the inventory
// that must account for them, asked once they are read.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { artifactEvidence, claimedBinding } from '../../src/decide/bound-evidence.ts';
import type { ArtifactDigest } from '../../src/digest/artifact.ts';
import { integrityDefinition } from '../../src/gates/integrity/definition.ts';
import { FileSystemAttestationStore } from '../../src/store/fs-store.ts';
import type { AttestationStore, ListOptions } from '../../src/store/store.ts';
import { claimingBundle } from '../support/claiming.ts';

const MANIFEST = 'a1'.repeat(32);
const DIRECTORY = 'b2'.repeat(32);
const OTHER_DIRECTORY = '0c'.repeat(32);

// An unsigned integrity statement about `subjects` binding `manifest` to `directory`, as a store files it.
function binding(subjects: Array<string | null>, manifest: string, directory: string, nonce: string | number = 'binding', predicateType = integrityDefinition.predicateType): Buffer {
  const bytes = claimingBundle(subjects.map((subject) => subject ?? ''), nonce, predicateType, undefined, { oci: { manifestDigest: `sha256:${manifest}` }, artifact: { digest: `sha256:${directory}` } });
  if (!subjects.includes(null)) return bytes;
  // A subject that is no object: read as naming nothing.
  const json = JSON.parse(bytes.toString('utf8')) as { dsseEnvelope: { payload: string } };
  const statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString('utf8')) as { subject: unknown[] };
  statement.subject = statement.subject.map((subject, i) => (subjects[i] === null ? null : subject));
  json.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  return Buffer.from(JSON.stringify(json));
}

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

describe('claimedBinding', () => {
  const claimed = (bytes: Buffer) => claimedBinding({ location: 'x', bundleDigest: 'unused', bytes }, `sha256:${MANIFEST}`);

  it('reads the directory digest an integrity statement about both binds to the manifest', () => {
    expect(claimed(binding([MANIFEST, DIRECTORY], MANIFEST, DIRECTORY))).toBe(`sha256:${DIRECTORY}`);
    // Read the same from a second reading of the same bytes, and a subject that is no object names nothing.
    expect(claimed(binding([MANIFEST, DIRECTORY], MANIFEST, DIRECTORY))).toBe(`sha256:${DIRECTORY}`);
    expect(claimed(binding([MANIFEST, null, DIRECTORY], MANIFEST, DIRECTORY))).toBe(`sha256:${DIRECTORY}`);
  });

  it('reads no binding from a statement of another type, about another manifest, not about both, or binding the manifest to itself', () => {
    expect(claimed(binding([MANIFEST, DIRECTORY], MANIFEST, DIRECTORY, 1, 'https://example.com/p/v1'))).toBeUndefined();
    expect(claimed(binding([MANIFEST, DIRECTORY], OTHER_DIRECTORY, DIRECTORY, 2))).toBeUndefined();
    expect(claimed(binding([MANIFEST], MANIFEST, DIRECTORY, 3))).toBeUndefined();
    expect(claimed(binding([DIRECTORY], MANIFEST, DIRECTORY, 4))).toBeUndefined();
    expect(claimed(binding([MANIFEST], MANIFEST, MANIFEST, 5))).toBeUndefined();
    expect(claimed(claimingBundle([MANIFEST, DIRECTORY], 6, integrityDefinition.predicateType))).toBeUndefined();
    expect(claimed(Buffer.from('not json'))).toBeUndefined();
    expect(claimedBinding({ location: 'x', error: new Error('unreadable') } as never, `sha256:${MANIFEST}`)).toBeUndefined();
  });
});

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

  it('reads the bound directories in digest order, a bundle filed under two of them once', async () => {
    const { inner, store } = countingStore();
    // Put in the reverse of digest order.
    const first = (await inner.put(binding([MANIFEST, DIRECTORY], MANIFEST, DIRECTORY, 'b'))).bundleDigest;
    const second = (await inner.put(binding([MANIFEST, OTHER_DIRECTORY], MANIFEST, OTHER_DIRECTORY, 'o'))).bundleDigest;
    const underOther = (await inner.put(claimingBundle([OTHER_DIRECTORY], 'under other'))).bundleDigest;
    const underBoth = (await inner.put(claimingBundle([DIRECTORY, OTHER_DIRECTORY], 'under both'))).bundleDigest;
    const underDirectory = (await inner.put(claimingBundle([DIRECTORY], 'under directory'))).bundleDigest;
    const read = await drain(artifactEvidence(store, `sha256:${MANIFEST}`));
    const [otherPart, directoryPart] = [read.slice(2, 4), read.slice(4)];
    expect(read.slice(0, 2).sort()).toEqual([first, second].sort());
    expect(otherPart.sort()).toEqual([underOther, underBoth].sort());
    expect(directoryPart).toEqual([underDirectory]);
  });

  it('accounts for the evidence only if every subject read is on the chain', async () => {
    const { inner, store } = countingStore();
    await inner.put(binding([MANIFEST, DIRECTORY], MANIFEST, DIRECTORY));
    await inner.put(claimingBundle([DIRECTORY], 'provenance'));
    const offChain = (subject: string): AttestationStore =>
      Object.assign(Object.create(store) as AttestationStore, {
        inventoryOf: async (asked: ArtifactDigest, at?: Parameters<AttestationStore['inventoryOf']>[1]) => {
          const inventory = await store.inventoryOf(asked, at);
          return inventory === null || asked !== subject ? inventory : { ...inventory, onChain: false };
        },
      });
    for (const [which, onChain] of [[`sha256:${'ff'.repeat(32)}`, true], [`sha256:${MANIFEST}`, false], [`sha256:${DIRECTORY}`, false]] as const) {
      const evidence = artifactEvidence(offChain(which), `sha256:${MANIFEST}`);
      await drain(evidence);
      expect((await evidence.inventory())?.onChain, which).toBe(onChain);
    }
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
